/**
 * `kms.rpcUrl` given as a plain literal in the program (an RPC provider's URL with its API key in
 * the path): the classes register it as a secret, so the state keeps it only as ciphertext, in
 * the inputs and in the outputs, and no CLI output (text, --diff, --json), Pulumi home log nor
 * the provider process's own stderr prints it — through create, an update and a refresh. The
 * CVM's KMS is off chain, so the URL is never dialled: what is measured is where it travels.
 *
 * Run for the dynamic classes (rpc-url-secret.dynamic.test.ts) and through the provider plugin
 * (rpc-url-secret.plugin.test.ts).
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { type Captured, expectNoLeakIn, PROVIDER_TRACE_ENV, runCaptured } from "../../support/cli-logs";
import {
  type E2eStack,
  e2eStack,
  exportState,
  forFlavour,
  QUIET,
  type TypeScriptFlavour,
} from "../../support/e2e";

const RPC_KEY = "rpckey-e2e-Vq7t3Lm9";
const VALUE = "sk_rpc_url_secret_e2e_4455";

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets } from "pulumi-cvm-secrets";
const cfg = new pulumi.Config();
new CvmSecrets("api", {
  cvms: [cfg.require("cvm")],
  env: { API_KEY: cfg.requireSecret("value"), ROUND: cfg.require("round") },
  kms: { rpcUrl: "https://rpc.example/v2/${RPC_KEY}" },
  composeCheck: "off",
});
`;

export function rpcUrlSecretSuite(flavour: TypeScriptFlavour): void {
  jest.setTimeout(420_000);
  let s: E2eStack;
  const captured: Captured[] = [];

  const run = async (label: string, args: string[]): Promise<void> => {
    const r = await runCaptured(s.pulumi, label, [...args, ...QUIET], { env: PROVIDER_TRACE_ENV });
    captured.push(...r.captured);
    expect([label, r.code]).toEqual([label, 0]);
  };

  beforeAll(async () => {
    s = await e2eStack("quickstart", "dev", 150, flavour);
    writeFileSync(path.join(s.dir, "index.ts"), forFlavour(PROGRAM, flavour));
    await s.cli(["config", "set", "cvm", (await s.emu.admin.createCvm({ name: "rpc-url-api" })).id]);
    await s.cli(["config", "set", "--secret", "value", VALUE]);
    await s.cli(["config", "set", "round", "1"]);
  }, 120_000);

  afterAll(async () => {
    await s?.dispose();
  });

  test("create, update and refresh: the state holds kms.rpcUrl only as ciphertext, no output or log prints it", async () => {
    await run("preview --diff (create)", ["preview", "--diff"]);
    await run("up --json", ["up", "--yes", "--json"]);
    await s.cli(["config", "set", "round", "2"]);
    await run("up --diff (update)", ["up", "--yes", "--diff"]);
    await run("refresh --json", ["refresh", "--yes", "--json"]);
    const state = await exportState(s);
    captured.push({ label: "stack export", text: state.text });
    const api = state.resources.find((r) => String(r.urn).endsWith("::api")) as {
      inputs: { kms?: unknown };
      outputs: { kms?: unknown };
    };
    // Kept (the provider needs it for the next run), as a secret in both places.
    expect(JSON.stringify(api.inputs.kms)).toContain("ciphertext");
    expect(JSON.stringify(api.outputs.kms)).toContain("ciphertext");
    expectNoLeakIn(captured, [RPC_KEY, VALUE, s.emu.apiKey]);
  });
}
