/**
 * A rollout that fails half way, with CVM ids kept secret (`config set --secret cvms`): three
 * replicas, a boot error on the second. The failed `up` names the CVMs by position and the
 * cause, never an id or a value; the state the engine keeps (a failed create/update with the
 * provider's partial outputs: `ErrorResourceInitFailed`) says which replica runs the new env,
 * every output naming a CVM a secret in it; the next `up` restarts only the replicas not done.
 * Every run is scanned in every place it writes — --debug, -v log files, the Pulumi home's logs,
 * the provider process's own stderr — for the values and every identifier of the CVMs.
 *
 * Run for the dynamic classes (failed-rollout.dynamic.test.ts) and through the provider plugin
 * (failed-rollout.plugin.test.ts), where the partial outputs travel in the gRPC error's details.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import {
  type Captured,
  expectNoLeakIn,
  PROVIDER_TRACE,
  PROVIDER_TRACE_ENV,
  runCaptured,
} from "../../support/cli-logs";
import { type E2eStack, e2eStack, forFlavour, QUIET, type TypeScriptFlavour } from "../../support/e2e";
import { delta } from "../../support/provider-harness";

const V1 = "sk_failed_rollout_first_1212";
const V2 = "sk_failed_rollout_second_3434";
const BOOT_ERROR = "simulated: image pull failed";

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets } from "pulumi-cvm-secrets";
const cfg = new pulumi.Config();
const api = new CvmSecrets("api", {
  cvms: cfg.requireSecretObject<string[]>("cvms"),
  env: { API_KEY: cfg.requireSecret("value") },
  rollout: { maxUnavailable: 1 },
  composeCheck: "off",
});
export const envKeys = api.envKeys;
`;

/** Outputs that name CVMs (docs/security.md: a secret CVM id stays secret), each kept as `{"ciphertext": …}` in state. */
const CVM_OUTPUTS = [
  "cvms",
  "__cvmIds",
  "appIds",
  "applied",
  "composeHashes",
  "encryptionPublicKeys",
  "keyAnchors",
  "lastRollout",
];

export function failedRolloutSuite(flavour: TypeScriptFlavour): void {
  jest.setTimeout(300_000);
  let s: E2eStack;
  const ids: string[] = [];
  const identifiers: string[] = [];
  const captured: Captured[] = [];

  const run = async (label: string, args: string[]): Promise<{ code: number; text: string }> => {
    const r = await runCaptured(s.pulumi, label, [...args, ...QUIET], { env: PROVIDER_TRACE_ENV });
    captured.push(...r.captured);
    return { code: r.code, text: r.captured.map((c) => c.text).join("\n") };
  };
  const guests = async () => Promise.all(ids.map(async (id) => (await s.emu.admin.guest(id)).env?.API_KEY));
  const stateOf = async () => {
    const text = (await s.cli(["stack", "export"])).stdout;
    const state = JSON.parse(text) as {
      deployment: { resources?: Array<{ urn: string; outputs?: Record<string, unknown> }> };
    };
    return { text, api: state.deployment.resources?.find((r) => r.urn.endsWith("::api")) };
  };

  beforeAll(async () => {
    s = await e2eStack("quickstart", "dev", 150, flavour);
    writeFileSync(path.join(s.dir, "index.ts"), forFlavour(PROGRAM, flavour));
    const app = await s.emu.admin.createApp();
    for (const n of ["Kq3x", "Wz8m", "Jt5v"]) {
      const cvm = (await s.emu.admin.createCvm({
        name: `failroll-${n}`,
        app_id: app.app_id,
      })) as unknown as Record<string, unknown>;
      ids.push(cvm.id as string);
      for (const key of ["id", "name", "app_id", "vm_uuid", "instance_id"]) {
        const v = cvm[key];
        if (typeof v === "string" && v.length >= 5) identifiers.push(v, v.replace(/-/g, ""));
      }
    }
    await s.cli(["config", "set", "--secret", "cvms", JSON.stringify(ids)]);
    await s.cli(["config", "set", "--secret", "value", V1]);
    const first = await run("first up", ["up", "--yes"]);
    expect(first.code).toBe(0);
    expect(await guests()).toEqual([V1, V1, V1]);
  }, 180_000);

  afterAll(async () => {
    await s?.dispose();
  });

  test("a boot error on the second replica: the up fails naming CVMs by position and the cause; state says which replica is done, its CVM outputs secret", async () => {
    await s.cli(["config", "set", "--secret", "value", V2]);
    await s.emu.admin.addFault({ cvm: ids[1], bootError: BOOT_ERROR, times: 1 });
    const failed = await run("failing up --debug", ["up", "--yes", "--debug"]);
    expect(failed.code).not.toBe(0);
    expect(failed.text).toContain(BOOT_ERROR);
    expect(failed.text).toContain("Done (running with the new env): cvms[0]. Not done: cvms[1], cvms[2].");
    // The provider's own stderr was in what was scanned.
    expect(failed.text).toMatch(PROVIDER_TRACE);
    // Nothing half-applied: replica 1 runs the new env, replica 3 still the old one.
    const [first, , third] = await guests();
    expect([first, third]).toEqual([V2, V1]);

    // The engine kept the provider's partial outputs: replica 1 applied with the new env,
    // replica 2 not known to run anything, replica 3 with the old one.
    const { text, api } = await stateOf();
    for (const key of CVM_OUTPUTS)
      expect([key, JSON.stringify(api?.outputs?.[key])]).toEqual([
        key,
        expect.stringContaining("ciphertext"),
      ]);
    captured.push({ label: "stack export (failed)", text });
    const shown = JSON.parse((await s.cli(["stack", "export", "--show-secrets"])).stdout) as {
      deployment: { resources: Array<{ urn: string; outputs: { applied: { plaintext: string } } }> };
    };
    // A secret shown: `{"4dabf…": "1b47…", "plaintext": "<JSON>"}`.
    const applied = JSON.parse(
      shown.deployment.resources.find((r) => r.urn.endsWith("::api"))!.outputs.applied.plaintext,
    ) as Record<string, string>;
    expect(Object.keys(applied).sort()).toEqual([ids[0], ids[2]].sort());
    expect(applied[ids[0]!]).not.toBe(applied[ids[2]!]);
  });

  test("the next up restarts only the replicas not done; then nothing to do", async () => {
    const preview = await run("preview", ["preview"]);
    expect(preview.code).toBe(0);
    expect(preview.text).toContain("the last rollout did not finish here");
    const before = (await s.emu.admin.counts()).restarts;
    const up = await run("up", ["up", "--yes"]);
    expect(up.code).toBe(0);
    expect(delta(before, (await s.emu.admin.counts()).restarts)).toEqual({ [ids[1]!]: 1, [ids[2]!]: 1 });
    expect(await guests()).toEqual([V2, V2, V2]);
    expect((await run("preview --expect-no-changes", ["preview", "--expect-no-changes"])).code).toBe(0);
    captured.push({ label: "stack export (done)", text: (await stateOf()).text });
  });

  test("no value and no identifier of a CVM in any run, state, -v log, Pulumi home log or provider stderr", () => {
    expect(identifiers.length).toBeGreaterThanOrEqual(12);
    expect(captured.some((c) => c.label.includes(" home log "))).toBe(true);
    expectNoLeakIn(captured, [V1, V2, s.emu.apiKey, ...identifiers]);
  });
}
