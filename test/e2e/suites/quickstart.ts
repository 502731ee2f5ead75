/**
 * The quickstart on the real Pulumi engine against the emulator: first up, no-op, rotation with
 * a reviewable preview, refresh, destroy — and a leak scan over all of it. Run for the dynamic
 * classes (quickstart.dynamic.test.ts), through the provider plugin (quickstart.plugin.test.ts) and as
 * Pulumi YAML (examples/yaml/quickstart, quickstart.yaml.test.ts).
 */
import { main as cli } from "../../../provider/cli/main";
import { shownProperties } from "../../support/diff-display";
import {
  type E2eStack,
  e2eStack,
  expectNoLeak,
  exportState,
  type Flavour,
  QUIET,
  setSecrets,
  typeToken,
  viaPlugin,
} from "../../support/e2e";
import { expectMessagesOn, liveCounts, said } from "./messages";

const DB = "postgres://app:pw-e2e-quickstart@db.internal/prod";
const STRIPE = "sk_live_e2e_quickstart_1111";
const STRIPE2 = "sk_live_e2e_quickstart_2222";
const GHCR = "ghp_e2e_quickstart_token_3333";
const REGISTRY = {
  DSTACK_DOCKER_REGISTRY: "ghcr.io",
  DSTACK_DOCKER_USERNAME: "acme-bot",
  DSTACK_DOCKER_PASSWORD: GHCR,
};
const SECRETS = [DB, STRIPE, STRIPE2, GHCR];
const COMPOSE =
  "services:\n  api:\n    image: ghcr.io/acme/api:1.4.2\n    environment:\n      - DATABASE_URL=${DATABASE_URL}\n      - STRIPE_KEY=${STRIPE_KEY}\n";

export function quickstartSuite(flavour: Flavour): void {
  let s: E2eStack;
  let cvm: string;
  // The CVM as the user types it, which is how the messages name it: its id in the TypeScript
  // programs, its name in the YAML one (as README.md's "try it offline" does), so both
  // forms go through the plugin.
  let typed: string;
  const prSummaries: string[] = [];
  // The stack, the credential, the CvmSecrets and its OwnerKey (the TypeScript classes make it,
  // the YAML quickstart declares it).
  const resources = 4;

  beforeAll(async () => {
    // Type-checked as `pulumi up` does for a user (the other e2e programs skip it).
    s = await e2eStack("quickstart", "dev", 150, flavour, { typecheck: true });
    cvm = (await s.emu.admin.createCvm({ name: "quickstart-api", docker_compose_file: COMPOSE })).id;
    typed = flavour === "yaml" ? "quickstart-api" : cvm;
    await s.cli(["config", "set", "cvmId", typed]);
    await setSecrets(s, { databaseUrl: DB, stripeKey: STRIPE, ghcrToken: GHCR });
  }, 120_000);

  afterAll(async () => {
    await s?.dispose();
  });

  async function writes(): Promise<number> {
    return (await s.emu.admin.counts()).writes;
  }

  async function summary(previewJson: string): Promise<string> {
    let out = "";
    const code = await cli(["pr-summary", "-"], {
      stdout: (t) => {
        out += t;
      },
      stderr: (t) => {
        out += t;
      },
      readStdin: () => previewJson,
      env: {},
    });
    expect(code).toBe(0);
    prSummaries.push(out);
    return out;
  }

  test("preview --diff of the create shows what the user typed and what a delete would do, nothing internal", async () => {
    const preview = await s.cli(["preview", "--diff", ...QUIET]);
    expect({
      api: shownProperties(preview.stdout, "CvmSecrets", "api"),
      ghcr: shownProperties(preview.stdout, "RegistryCredential", "ghcr"),
    }).toEqual({
      api: ["cvms", "env", "onDelete", "rollout"],
      ghcr: ["credentialVersion", "registry", "token", "type", "username"],
    });
  }, 240_000);

  test("first up: the guest sees exactly the env; outputs are right", async () => {
    const up = await s.cli(["up", "--yes", ...QUIET]);
    expect(up.stdout).toMatch(new RegExp(`\\+ ${resources} created`));
    const running = said(flavour, `${cvm}: running again after`);
    expect(up.stdout).toContain(running);
    // What the create will do, said once in the up's preview and once in its update (issue 21).
    const create = said(flavour, "will push the env to ");
    expect(liveCounts(up.stdout, "will push the env to")).toEqual([1, 1]);
    expectMessagesOn(up.stdout, flavour, [running, create]);
    // Under the plugin's row and heading, which name the resource, no message names it again.
    if (viaPlugin(flavour)) expect(up.stdout).not.toContain("CvmSecrets api:");
    const guest = await s.emu.admin.guest(cvm);
    expect(guest.env).toEqual({ DATABASE_URL: DB, STRIPE_KEY: STRIPE, ...REGISTRY });
    const outputs = JSON.parse((await s.cli(["stack", "output", "--json"])).stdout);
    expect(outputs.envKeys).toEqual([
      "DATABASE_URL",
      "DSTACK_DOCKER_PASSWORD",
      "DSTACK_DOCKER_REGISTRY",
      "DSTACK_DOCKER_USERNAME",
      "STRIPE_KEY",
    ]);
    expect(outputs.lastRollout.restarted).toEqual([cvm]);
    expect(Object.keys(outputs.fingerprints)).toEqual(outputs.envKeys);
    // The resources are the flavour's: the dynamic resource types and the engine's provider for
    // them, or the plugin's schema types and its default provider.
    const types = (await exportState(s)).resources.map((r) => String(r.type)).sort();
    expect(types).toEqual(
      [
        typeToken(flavour, "CvmSecrets"),
        typeToken(flavour, "RegistryCredential"),
        typeToken(flavour, "OwnerKey"),
        viaPlugin(flavour) ? "pulumi:providers:cvm-secrets" : "pulumi:providers:pulumi-nodejs",
        "pulumi:pulumi:Stack",
      ].sort(),
    );
  }, 240_000);

  test("second up and preview --expect-no-changes: nothing happens, zero writes, zero restarts", async () => {
    const before = await writes();
    const restarts = (await s.emu.admin.counts()).restarts[cvm];
    await s.cli(["preview", "--expect-no-changes", ...QUIET]);
    const again = await s.cli(["up", "--yes", ...QUIET]);
    expect(again.stdout).toMatch(new RegExp(`${resources} unchanged`));
    expect(again.stdout).not.toMatch(/updated/);
    expect(await writes()).toBe(before);
    expect((await s.emu.admin.counts()).restarts[cvm]).toBe(restarts);
  }, 240_000);

  test("rotate one secret: preview --diff names the key and the restart; the PR summary too; up applies it", async () => {
    await setSecrets(s, { stripeKey: STRIPE2 });
    const before = await writes();
    const diff = await s.cli(["preview", "--diff", ...QUIET]);
    expect(diff.stdout).toMatch(/~\s+STRIPE_KEY\s*:\s*"fp-[0-9a-f]{16}" => "fp-[0-9a-f]{16}"/);
    expect(diff.stdout).not.toMatch(/~\s+DATABASE_URL\s*:/);
    // The update shows the changed fingerprint — the plugin's detailed diff only that, a dynamic
    // provider's diff every input — and nothing internal.
    expect(shownProperties(diff.stdout, "CvmSecrets", "api")).toEqual(
      viaPlugin(flavour) ? ["fingerprints"] : ["cvms", "env", "fingerprints", "onDelete", "rollout"],
    );
    // Provider lines go to stderr with --diff, to the diagnostics of stdout without it.
    expect(`${diff.stdout}${diff.stderr}`).toContain(
      said(flavour, `1 CVM restarts: keys changed: STRIPE_KEY (${typed})`),
    );
    if (viaPlugin(flavour)) expect(`${diff.stdout}${diff.stderr}`).not.toContain("CvmSecrets api:");
    const json = await s.cli(["preview", "--json", ...QUIET]);
    if (viaPlugin(flavour)) {
      // The plugin's diff is detailed: the changed key, not just "something changed".
      const steps = JSON.parse(json.stdout).steps as Array<{
        urn: string;
        diffReasons?: string[];
        detailedDiff?: Record<string, { kind: string }> | null;
      }>;
      const api = steps.find((step) => step.urn.endsWith("::api"))!;
      expect(api.diffReasons).toEqual(["fingerprints"]);
      expect(api.detailedDiff).toEqual({ "fingerprints.STRIPE_KEY": { kind: "update", inputDiff: true } });
    }
    const md = await summary(json.stdout);
    expect(md).toContain("STRIPE_KEY");
    expect(md).toContain(typed);
    expect(md).not.toContain("DATABASE_URL`"); // not listed as changed
    expect(await writes()).toBe(before); // previews never write

    const up = await s.cli(["up", "--yes", ...QUIET]);
    expect(up.stdout).toMatch(/~ 1 updated/);
    expect((await s.emu.admin.guest(cvm)).env).toEqual({
      DATABASE_URL: DB,
      STRIPE_KEY: STRIPE2,
      ...REGISTRY,
    });
    expect((await writes()) - before).toBe(1);
  }, 240_000);

  test("refresh after the app's key changed on the server: the next up refuses, naming the fix", async () => {
    const info = await s.emu.admin.guest(cvm);
    expect(info.status).toBe("running");
    const state = await exportState(s);
    const res = state.resources.find((r) => String(r.type).endsWith(":CvmSecrets")) as {
      outputs: { appIds: Record<string, string> };
    };
    await s.emu.admin.rotateKey(res.outputs.appIds[cvm] as string);
    await s.cli(["refresh", "--yes", ...QUIET]);
    const before = await writes();
    const preview = await s.cli(["preview", "--diff", ...QUIET]);
    expect(`${preview.stdout}${preview.stderr}`).toContain("the app's encryption key changed on the server");
    const up = await s.cli(["up", "--yes", ...QUIET], { allowFail: true });
    expect(up.code).not.toBe(0);
    expect(`${up.stdout}${up.stderr}`).toContain("allowKeyChange");
    expect(await writes()).toBe(before);
  }, 240_000);

  test("destroy clears the env on the CVM", async () => {
    await s.cli(["destroy", "--yes", ...QUIET]);
    const guest = await s.emu.admin.guest(cvm);
    expect(guest.env).toEqual({});
    expect((await exportState(s)).resources).toHaveLength(0);
  }, 240_000);

  test("leak scan: state, every CLI output, provider stderr, emulator log and PR summaries hold no secret", async () => {
    const state = await exportState(s);
    expectNoLeak([...s.transcript, state.text, ...prSummaries], [...SECRETS, s.emu.apiKey]);
  }, 60_000);
}
