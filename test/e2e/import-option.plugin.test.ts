/**
 * The `import` resource option through the provider plugin, on the real engine: a CVM whose env
 * was set elsewhere is imported and taken over in one `up` (the engine runs the import, then one
 * update: the push its preview names); the preview writes nothing; afterwards the program's env
 * runs in the guest and an unchanged `up` is a no-op. (The dynamic classes refuse the option:
 * import-option.dynamic.test.ts.)
 */
import { startEmulator } from "../../emulator/index";
import { cvmWithDashboardEnv, expectNoLeak, flavourEnv, QUIET } from "../support/e2e";
import { pulumiWorkspace, tsProgram } from "../support/pulumi";

jest.setTimeout(300_000);

const ELSEWHERE = "import-option-elsewhere-6161";
const VALUE = "import-option-program-6262";

test("the import option: import and one push in one up, nothing written by the preview, then a no-op", async () => {
  const emu = await startEmulator({ restartMs: 50 });
  const cvm = await cvmWithDashboardEnv(emu, "import-opt-api", { API_KEY: ELSEWHERE });
  const program = tsProgram(
    "cvms-plugin-import-option",
    `import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets } from "pulumi-cvm-secrets/plugin";
const cfg = new pulumi.Config();
new CvmSecrets("api", { cvms: [cfg.require("cvm")], env: { API_KEY: cfg.requireSecret("value") }, composeCheck: "off" }, { import: cfg.require("cvm") });
`,
  );
  const pulumi = pulumiWorkspace(program.dir, flavourEnv("plugin"));
  const transcript: string[] = [];
  const run = async (args: string[]): Promise<string> => {
    const r = await pulumi.ok([...args, ...QUIET]);
    const text = `${r.stdout}\n${r.stderr}`;
    transcript.push(text);
    return text;
  };
  try {
    await pulumi.ok(["stack", "init", "dev", "--non-interactive"]);
    await pulumi.ok(["config", "set", "cvm-secrets:apiUrl", emu.url]);
    await pulumi.ok(["config", "set", "--secret", "cvm-secrets:apiKey", emu.apiKey]);
    await pulumi.ok(["config", "set", "cvm", cvm]);
    await pulumi.ok(["config", "set", "--secret", "value", VALUE]);
    const before = await emu.admin.counts();

    const preview = await run(["preview", "--diff"]);
    expect(preview).toMatch(/= 1 to import/);
    expect(preview).toMatch(/~ 1 to update/);
    expect(preview).toContain(
      `1 CVM restarts: imported: its env was set outside this stack and cannot be read back (${cvm})`,
    );
    expect((await emu.admin.counts()).writes).toBe(before.writes);
    expect((await emu.admin.guest(cvm)).env).toEqual({ API_KEY: ELSEWHERE });

    const up = await run(["up", "--yes"]);
    expect(up).toMatch(/= 1 imported/);
    expect(up).toMatch(/~ 1 updated/);
    const after = await emu.admin.counts();
    expect(after.writes).toBe(before.writes + 1);
    expect((after.restarts[cvm] ?? 0) - (before.restarts[cvm] ?? 0)).toBe(1);
    expect((await emu.admin.guest(cvm)).env).toEqual({ API_KEY: VALUE });

    // The option stays in the program (as users leave it): the engine ignores it once the
    // resource is in state, and nothing is left to do.
    await run(["preview", "--expect-no-changes"]);
    const again = await run(["up", "--yes", "--expect-no-changes"]);
    expect(again).not.toMatch(/updated|imported/);
    expect((await emu.admin.counts()).writes).toBe(after.writes);
    const state = await pulumi.ok(["stack", "export"]);
    expectNoLeak([...transcript, state.stdout], [ELSEWHERE, VALUE, emu.apiKey]);
  } finally {
    pulumi.dispose();
    program.dispose();
    await emu.close();
  }
});
