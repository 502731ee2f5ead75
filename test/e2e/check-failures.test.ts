/**
 * Bad input fails during `pulumi preview`, before any write, with the input and the rule — and
 * the engine's own rendering of check failures (`property X value {…} has a problem`) must not
 * print a secret either.
 */
import { e2eStack, expectNoLeak, QUIET } from "../support/e2e";
import { scratchProgram } from "../support/pulumi";

jest.setTimeout(300_000);

const SECRET = "sk_live_check_failure_value_777";
const PW = "short-pw-check-failure-888";

test("bad env key, reserved key and a bad registry password fail preview without a value", async () => {
  const s = await e2eStack("quickstart");
  try {
    const cvm = (await s.emu.admin.createCvm({ name: "check-api" })).id;
    // Replace the program with one that has three mistakes.
    const program = scratchProgram({});
    program.dispose();
    const fs = await import("node:fs");
    fs.writeFileSync(
      `${s.dir}/index.ts`,
      `import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets, RegistryCredential } from "pulumi-cvm-secrets";
const cfg = new pulumi.Config();
const reg = new RegistryCredential("reg", { type: "ghcr", username: "bot", token: cfg.requireSecret("tok") });
new CvmSecrets("api", {
  cvms: ["${cvm}"],
  env: { "BAD-KEY": cfg.requireSecret("v"), DSTACK_APP_ID: cfg.requireSecret("v"), DSTACK_DOCKER_PASSWORD: cfg.requireSecret("v") },
  registry: reg,
});
if (cfg.getBoolean("hub")) new RegistryCredential("hub", { type: "dockerhub", username: "someone@example.com", password: cfg.requireSecret("pw") });
`,
    );
    await s.cli(["config", "set", "--secret", "v", SECRET]);
    await s.cli(["config", "set", "--secret", "tok", SECRET]);
    await s.cli(["config", "set", "--secret", "pw", PW]);
    const before = (await s.emu.admin.counts()).writes;
    const preview = await s.cli(["preview", ...QUIET], { allowFail: true });
    expect(preview.code).not.toBe(0);
    const text = `${preview.stdout}${preview.stderr}`;
    expect(text).toContain("env.BAD-KEY");
    expect(text).toContain("must match ^[A-Za-z_][A-Za-z0-9_]*$");
    expect(text).toContain("env.DSTACK_APP_ID");
    expect(text).toContain("env.DSTACK_DOCKER_PASSWORD");
    expect((await s.emu.admin.counts()).writes).toBe(before);
    await s.cli(["config", "set", "hub", "true"]);
    const hub = await s.cli(["preview", ...QUIET], { allowFail: true });
    expect(hub.code).not.toBe(0);
    expect(`${hub.stdout}${hub.stderr}`).toContain("must be the Docker ID, not the e-mail address");
    const json = await s.cli(["preview", "--json", ...QUIET], { allowFail: true });
    expectNoLeak([...s.transcript, json.stdout], [SECRET, PW, s.emu.apiKey]);
  } finally {
    await s.dispose();
  }
});
