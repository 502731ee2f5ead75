/**
 * A CvmSecrets declared with the `import` resource option is refused in the program, on the
 * engine, with the reason and the alternative (`adopt`) — one line, no stack trace, no write.
 * (`pulumi import` on the command line cannot be helped from here: the engine hands the
 * dynamic-provider host no `__provider` to load, and it fails inside Pulumi's own code.)
 */
import { startEmulator } from "../../emulator/index";
import { pulumiWorkspace, tsProgram } from "../support/pulumi";

test("the import option: one clear error naming adopt, and no API write", async () => {
  const emu = await startEmulator({ restartMs: 50 });
  const cvm = (await emu.admin.createCvm({ name: "import-api" })).id;
  const program = tsProgram(
    "cvms-import",
    `import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets } from "pulumi-cvm-secrets";
new CvmSecrets("api", { cvms: [${JSON.stringify(cvm)}], env: { API_KEY: pulumi.secret("import-e2e-value") } }, { import: ${JSON.stringify(cvm)} });
`,
  );
  const pulumi = pulumiWorkspace(program.dir);
  try {
    await pulumi.ok(["stack", "init", "dev", "--non-interactive"]);
    await pulumi.ok(["config", "set", "cvm-secrets:apiUrl", emu.url]);
    await pulumi.ok(["config", "set", "--secret", "cvm-secrets:apiKey", emu.apiKey]);
    const result = await pulumi.run(["up", "--yes", "--non-interactive", "--color", "never"]);
    const out = `${result.stdout}\n${result.stderr}`;
    expect(result.code).not.toBe(0);
    expect(out).toContain("CvmSecrets api cannot be imported: a CVM's encrypted env cannot be read back");
    expect(out).toContain("set `adopt: true`");
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
    expect(out).not.toContain("import-e2e-value");
    expect((await emu.admin.counts()).writes).toBe(0);
  } finally {
    pulumi.dispose();
    program.dispose();
    await emu.close();
  }
}, 180_000);
