/**
 * What only the resource provider plugin can do, on the real engine against the emulator: one
 * program driving two Phala workspaces through two explicit providers, `pulumi import` of a CVM
 * whose env was set elsewhere (then one push, said in the preview, then a no-op), and
 * `customTimeouts` cutting a rollout short.
 */
import { type Emulator, startEmulator } from "../../emulator/index";
import { cvmWithDashboardEnv, expectNoLeak, exportState, flavourEnv, QUIET } from "../support/e2e";
import { type PulumiWorkspace, pulumiWorkspace, tsProgram } from "../support/pulumi";

jest.setTimeout(300_000);

interface Run {
  code: number;
  text: string;
}

/** A plugin program and workspace; every output kept for the leak scan. */
function workspace(name: string, index: string) {
  const program = tsProgram(name, index);
  const pulumi = pulumiWorkspace(program.dir, flavourEnv("plugin"));
  const transcript: string[] = [];
  const run = async (args: string[], allowFail = false): Promise<Run> => {
    const r = await pulumi.run([...args, ...QUIET], { timeoutMs: 240_000 });
    const text = `${r.stdout}\n${r.stderr}`;
    transcript.push(text);
    if (r.code !== 0 && !allowFail) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${text}`);
    return { code: r.code, text };
  };
  return {
    pulumi,
    transcript,
    run,
    cli: (args: string[]) => pulumi.ok(args),
    /** `stack init dev`; with an emulator, its URL and API key as the stack's provider config. */
    async initStack(emu?: Emulator) {
      await pulumi.ok(["stack", "init", "dev", "--non-interactive"]);
      if (!emu) return;
      await pulumi.ok(["config", "set", "cvm-secrets:apiUrl", emu.url]);
      await pulumi.ok(["config", "set", "--secret", "cvm-secrets:apiKey", emu.apiKey]);
    },
    dispose() {
      pulumi.dispose();
      program.dispose();
    },
  } satisfies { pulumi: PulumiWorkspace; [k: string]: unknown };
}

/** The outputs of the CvmSecrets resource in an exported state (the parts these tests read). */
function cvmSecretsOutputs(state: { resources: Array<Record<string, unknown>> }): {
  applied: Record<string, string>;
  pushed: Record<string, string>;
  envKeys: string[];
} {
  const found = state.resources.find((r) => r.type === "cvm-secrets:index:CvmSecrets");
  if (!found) throw new Error("no CvmSecrets in state");
  return found.outputs as ReturnType<typeof cvmSecretsOutputs>;
}

test("two explicit providers: one program, two workspaces with their own API keys", async () => {
  const emuA = await startEmulator({ restartMs: 50 });
  const emuB = await startEmulator({ restartMs: 50 });
  expect(emuA.apiKey).not.toBe(emuB.apiKey);
  const cvmA = (await emuA.admin.createCvm({ name: "ws-a-api" })).id;
  const cvmB = (await emuB.admin.createCvm({ name: "ws-b-api" })).id;
  const w = workspace(
    "cvms-two-providers",
    `import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets, Provider } from "pulumi-cvm-secrets/plugin";
const cfg = new pulumi.Config();
const a = new Provider("workspace-a", { apiUrl: cfg.require("urlA"), apiKey: cfg.requireSecret("keyA") });
const b = new Provider("workspace-b", { apiUrl: cfg.require("urlB"), apiKey: cfg.requireSecret("keyB") });
const one = new CvmSecrets("one", { cvms: [cfg.require("cvmA")], env: { TOKEN: cfg.requireSecret("tokenA") }, composeCheck: "off" }, { provider: a });
const two = new CvmSecrets("two", { cvms: [cfg.require("cvmB")], env: { TOKEN: cfg.requireSecret("tokenB") }, composeCheck: "off" }, { provider: b });
export const keys = pulumi.all([one.envKeys, two.envKeys]);
`,
  );
  const TOKEN_A = "two-providers-token-a-5151";
  const TOKEN_B = "two-providers-token-b-6262";
  try {
    await w.initStack();
    for (const [k, v] of Object.entries({ urlA: emuA.url, urlB: emuB.url, cvmA, cvmB }))
      await w.pulumi.ok(["config", "set", k, v]);
    for (const [k, v] of Object.entries({
      keyA: emuA.apiKey,
      keyB: emuB.apiKey,
      tokenA: TOKEN_A,
      tokenB: TOKEN_B,
    }))
      await w.pulumi.ok(["config", "set", "--secret", k, v]);
    // No stack-wide cvm-secrets:apiKey and none in the environment: only the providers' own keys.
    const up = await w.run(["up", "--yes"]);
    expect(up.text).toMatch(/\+ 7 created/); // the stack, two providers, two resources and their OwnerKeys
    expect((await emuA.admin.guest(cvmA)).env).toEqual({ TOKEN: TOKEN_A });
    expect((await emuB.admin.guest(cvmB)).env).toEqual({ TOKEN: TOKEN_B });
    expect((await emuA.admin.counts()).writes).toBe(1);
    expect((await emuB.admin.counts()).writes).toBe(1);
    const state = await exportState(w);
    const providers = state.resources
      .filter((r) => r.type === "pulumi:providers:cvm-secrets")
      .map((r) => String(r.urn).split("::").pop());
    expect(providers.sort()).toEqual(["workspace-a", "workspace-b"]);
    // Nothing changed: a no-op for both workspaces.
    await w.run(["preview", "--expect-no-changes"]);
    const again = await w.run(["up", "--yes"]);
    expect(again.text).not.toMatch(/updated/);
    expect((await emuA.admin.counts()).writes + (await emuB.admin.counts()).writes).toBe(2);
    await w.run(["destroy", "--yes"]);
    expect((await emuA.admin.guest(cvmA)).env).toEqual({});
    expect((await emuB.admin.guest(cvmB)).env).toEqual({});
    expectNoLeak([...w.transcript, state.text], [TOKEN_A, TOKEN_B, emuA.apiKey, emuB.apiKey]);
  } finally {
    w.dispose();
    await emuA.close();
    await emuB.close();
  }
});

test("pulumi import adopts a CVM with no write; the next up pushes once, said by the preview; then a no-op", async () => {
  const emu = await startEmulator({ restartMs: 50 });
  const ELSEWHERE = "import-set-elsewhere-7373";
  const VALUE = "import-program-value-8484";
  const cvm = await cvmWithDashboardEnv(emu, "import-api", { API_KEY: ELSEWHERE });
  const w = workspace(
    "cvms-plugin-import",
    `import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets } from "pulumi-cvm-secrets/plugin";
const cfg = new pulumi.Config();
const cvm = cfg.get("cvm");
if (cvm) new CvmSecrets("api", { cvms: [cvm], env: { API_KEY: cfg.requireSecret("value") }, composeCheck: "off" });
`,
  );
  try {
    await w.initStack(emu);
    const before = (await emu.admin.counts()).writes;
    // No code generation: this repository's stand-in Node.js language host cannot generate
    // programs (a real one prints the resource's code from the schema).
    const imported = await w.run([
      "import",
      "cvm-secrets:index:CvmSecrets",
      "api",
      cvm,
      "--yes",
      "--generate-code=false",
    ]);
    expect(imported.text).toMatch(/= 1 imported/);
    expect(imported.text).toContain("nothing written");
    expect((await emu.admin.counts()).writes).toBe(before);
    expect((await emu.admin.guest(cvm)).env).toEqual({ API_KEY: ELSEWHERE });
    const outputs = cvmSecretsOutputs(await exportState(w));
    expect(outputs.applied).toEqual({ [cvm]: "imported" });
    expect(outputs.envKeys).toEqual(["API_KEY"]);

    // The program takes the resource over: the preview says the one push and why.
    await w.pulumi.ok(["config", "set", "cvm", cvm]);
    await w.pulumi.ok(["config", "set", "--secret", "value", VALUE]);
    const preview = await w.run(["preview", "--diff"]);
    expect(preview.text).toContain(
      `1 CVM restarts: imported: its env was set outside this stack and cannot be read back (${cvm})`,
    );
    expect((await emu.admin.counts()).writes).toBe(before);
    const up = await w.run(["up", "--yes"]);
    expect(up.text).toMatch(/~ 1 updated/);
    expect((await emu.admin.guest(cvm)).env).toEqual({ API_KEY: VALUE });
    expect((await emu.admin.counts()).writes).toBe(before + 1);
    // From then on this resource owns the env: nothing to do.
    await w.run(["preview", "--expect-no-changes"]);
    const again = await w.run(["up", "--yes"]);
    expect(again.text).not.toMatch(/updated/);
    expect((await emu.admin.counts()).writes).toBe(before + 1);
    const exported = await exportState(w);
    expectNoLeak([...w.transcript, exported.text], [ELSEWHERE, VALUE, emu.apiKey]);
  } finally {
    w.dispose();
    await emu.close();
  }
});

test("customTimeouts: a create that outlasts it stops there, naming customTimeouts, and state says what is not done", async () => {
  // Restarts take 30 s; the resource allows 3 s (its rollout alone would wait 600 s).
  const emu: Emulator = await startEmulator({ restartMs: 30_000 });
  const cvm = (await emu.admin.createCvm({ name: "timeouts-api" })).id;
  const w = workspace(
    "cvms-plugin-timeouts",
    `import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets } from "pulumi-cvm-secrets/plugin";
const cfg = new pulumi.Config();
new CvmSecrets("api", { cvms: [cfg.require("cvm")], env: { API_KEY: pulumi.secret("timeouts-value-9595") }, composeCheck: "off" }, { customTimeouts: { create: "3s" } });
`,
  );
  try {
    await w.initStack(emu);
    await w.pulumi.ok(["config", "set", "cvm", cvm]);
    const up = await w.run(["up", "--yes", "--skip-preview"], true);
    expect(up.code).not.toBe(0);
    expect(up.text).toContain(`CVM ${cvm} was not running again when the resource's customTimeouts ran out`);
    expect(up.text).toContain(`Not done: ${cvm}`);
    // Created but not initialised: the engine kept the state that says the CVM is not done.
    const state = await exportState(w);
    const outputs = cvmSecretsOutputs(state);
    expect(outputs.applied).toEqual({});
    expect(Object.keys(outputs.pushed)).toEqual([cvm]);
    expectNoLeak([...w.transcript, state.text], ["timeouts-value-9595", emu.apiKey]);
  } finally {
    w.dispose();
    await emu.close();
  }
});
