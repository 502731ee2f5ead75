/**
 * Pins and evidence on the real engine, with the CVM named by its NAME (the quickstart's form):
 *
 * - after a first `up`, an API (a hostile proxy in front of the emulator) that reports another
 *   app and a key the attacker holds gets no write: `up` fails with the app pin's refusal, the
 *   proxy forwarded nothing, so no ciphertext reached the attacker's key, and the CVM keeps its env;
 * - a push whose answer is lost while the CVM is busy for another reason (the proxy restarts
 *   the CVM and resets the connection instead of forwarding the PATCH): `up` fails, state does
 *   not record the push as running, and the next `up` pushes it and converges.
 *
 * Run for the dynamic classes (pins.dynamic.test.ts) and through the provider plugin
 * (pins.plugin.test.ts).
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import {
  type E2eStack,
  e2eStack,
  exportState,
  forFlavour,
  QUIET,
  type TypeScriptFlavour,
} from "../../support/e2e";
import { type HostileProxy, hostileProxy, lyingAboutCvms } from "../../support/hostile-proxy";

const V1 = "sk_pins_e2e_first_4141";
const V2 = "sk_pins_e2e_rotated_5252";
const V3 = "sk_pins_e2e_third_6363";
const NAME = "pins-e2e-api";

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets } from "pulumi-cvm-secrets";
const cfg = new pulumi.Config();
const api = new CvmSecrets("api", {
  cvms: [cfg.require("cvm")],
  env: { API_KEY: cfg.requireSecret("value") },
  composeCheck: "off",
});
export const envKeys = api.envKeys;
`;

export function pinsSuite(flavour: TypeScriptFlavour): void {
  jest.setTimeout(300_000);
  let s: E2eStack;
  let id: string;
  let proxy: HostileProxy | undefined;

  const guest = async () => (await s.emu.admin.guest(id)).env?.API_KEY;
  const apiOutputs = async () =>
    (await exportState(s)).resources.find((r) => String(r.urn).endsWith("::api"))?.outputs as
      | Record<string, Record<string, string>>
      | undefined;
  const through = async (p: HostileProxy) => {
    proxy = p;
    await s.cli(["config", "set", "cvm-secrets:apiUrl", p.url]);
  };

  beforeAll(async () => {
    s = await e2eStack("quickstart", "dev", 400, flavour);
    writeFileSync(path.join(s.dir, "index.ts"), forFlavour(PROGRAM, flavour));
    id = (await s.emu.admin.createCvm({ name: NAME })).id;
    await s.cli(["config", "set", "cvm", NAME]);
    await s.cli(["config", "set", "--secret", "value", V1]);
    await s.cli(["up", "--yes", ...QUIET]);
    expect(await guest()).toBe(V1);
  }, 180_000);

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await s.cli(["config", "set", "cvm-secrets:apiUrl", s.emu.url]);
  });

  afterAll(async () => {
    await s?.dispose();
  });

  test("the API reports another app and the attacker's key for the CVM named by name: up refuses, nothing is sent", async () => {
    const pinned = (await apiOutputs())?.appIds?.[id];
    expect(pinned).toMatch(/^[0-9a-f]{40}$/);
    const attacker = await s.emu.admin.createApp();
    await through(
      await hostileProxy(
        s.emu.url,
        lyingAboutCvms(() => ({ app: attacker.app_id, key: attacker.encrypted_env_pubkey })),
      ),
    );
    await s.cli(["config", "set", "--secret", "value", V2]);
    const up = await s.cli(["up", "--yes", ...QUIET], { allowFail: true });
    expect(up.code).not.toBe(0);
    const text = `${up.stdout}\n${up.stderr}`;
    expect(text).toContain(`the API now reports app ${attacker.app_id}`);
    expect(text).toContain(`pinned app ${pinned}`);
    // Zero writes forwarded: the attacker's key received no ciphertext at all.
    expect(proxy?.writes).toEqual([]);
    expect(await guest()).toBe(V1);
    expect((await apiOutputs())?.appIds?.[id]).toBe(pinned);
  });

  test("a push whose answer is lost while the CVM is busy for another reason is not recorded; the next up pushes it", async () => {
    await s.cli(["config", "set", "--secret", "value", V3]);
    let lost = false;
    await through(
      await hostileProxy(s.emu.url, () => undefined, {
        onWrite: async (method, p) => {
          if (lost || method !== "PATCH" || !p.endsWith("/envs")) return "forward";
          lost = true;
          // Busy for another reason (a restart), and the push never reaches the API.
          const restart = await fetch(`${s.emu.url}/cvms/${id}/restart`, {
            method: "POST",
            headers: { "x-api-key": s.emu.apiKey },
          });
          if (restart.status >= 300) throw new Error(`restart answered ${restart.status}`);
          return "drop";
        },
      }),
    );
    const before = (await apiOutputs())?.applied?.[id];
    const failed = await s.cli(["up", "--yes", ...QUIET], { allowFail: true });
    expect(failed.code).not.toBe(0);
    expect(`${failed.stdout}\n${failed.stderr}`).toContain("not recorded as done");
    expect(lost).toBe(true);
    expect(await guest()).not.toBe(V3);
    // State does not say the CVM runs the rotated env (nor the one it ran before the push).
    const applied = (await apiOutputs())?.applied ?? {};
    expect(applied[id]).toBeUndefined();
    expect(before).toBeDefined();

    await proxy?.close();
    proxy = undefined;
    await s.cli(["config", "set", "cvm-secrets:apiUrl", s.emu.url]);
    await s.cli(["up", "--yes", ...QUIET]);
    expect(await guest()).toBe(V3);
    expect((await s.cli(["preview", "--expect-no-changes", ...QUIET], { allowFail: true })).code).toBe(0);
  });
}
