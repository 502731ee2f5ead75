/**
 * The real YAML language host (`pulumi-language-yaml`, built by scripts/toolchain.sh from the Go
 * module github.com/pulumi/pulumi-yaml) on the real engine, offline: a `runtime: yaml` program
 * with config, a secret, built-in functions and stack outputs, but no resources, goes through up,
 * a no-op preview, a config change and destroy; a program with an undefined reference is refused
 * by the host's own type checker.
 */
import { readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import { type PulumiWorkspace, pulumiWorkspace, REPO_ROOT, scratchProgram } from "../support/pulumi";

const QUIET = ["--non-interactive", "--color", "never"];
const TOKEN = "tok_yaml_host_e2e_5b1d";

const PROGRAM = `name: yaml-host-smoke
runtime: yaml
description: the YAML language host, no resources
config:
  greeting:
    type: string
  token:
    type: string
    secret: true
  replicas:
    type: integer
    default: 2
variables:
  names:
    fn::split:
      - ","
      - api-1,api-2,api-3
outputs:
  message: \${greeting}, world
  first: \${names[0]}
  doc:
    fn::toJSON:
      greeting: \${greeting}
      replicas: \${replicas}
  token: \${token}
  stack: \${pulumi.stack}
`;

let program: { dir: string; dispose(): void };
let pulumi: PulumiWorkspace;

beforeAll(() => {
  program = scratchProgram({ "Pulumi.yaml": PROGRAM });
  pulumi = pulumiWorkspace(program.dir);
});

afterAll(() => {
  pulumi?.dispose();
  program?.dispose();
});

test("the host on PATH is the Go binary the toolchain built", () => {
  const link = path.join(REPO_ROOT, ".toolchain", "bin", "pulumi-language-yaml");
  const target = realpathSync(link);
  expect(path.basename(path.dirname(target))).toMatch(/^pulumi-language-yaml-v\d+\.\d+\.\d+$/);
  expect(readFileSync(target).subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46])); // ELF
});

test("up, stack outputs, preview --expect-no-changes, a config change, destroy", async () => {
  await pulumi.ok(["stack", "init", "dev", ...QUIET]);
  await pulumi.ok(["config", "set", "greeting", "hello"]);
  await pulumi.ok(["config", "set", "--secret", "token", TOKEN]);

  const up = await pulumi.ok(["up", "--yes", "--skip-preview", ...QUIET]);
  expect(up.stdout).toMatch(/\+ 1 created/); // the stack itself
  expect(`${up.stdout}${up.stderr}`).not.toContain(TOKEN);

  const outputs = JSON.parse((await pulumi.ok(["stack", "output", "--json"])).stdout);
  expect(outputs).toEqual({
    message: "hello, world",
    first: "api-1",
    doc: JSON.stringify({ greeting: "hello", replicas: 2 }),
    token: "[secret]",
    stack: "dev",
  });
  const shown = JSON.parse((await pulumi.ok(["stack", "output", "--json", "--show-secrets"])).stdout);
  expect(shown.token).toBe(TOKEN);
  expect((await pulumi.ok(["stack", "export"])).stdout).not.toContain(TOKEN);

  await pulumi.ok(["preview", "--expect-no-changes", ...QUIET]);

  await pulumi.ok(["config", "set", "greeting", "bonjour"]);
  await pulumi.ok(["up", "--yes", "--skip-preview", ...QUIET]);
  expect(JSON.parse((await pulumi.ok(["stack", "output", "--json"])).stdout).message).toBe("bonjour, world");

  await pulumi.ok(["destroy", "--yes", ...QUIET]);
  await pulumi.ok(["stack", "rm", "dev", "--yes"]);
}, 240_000);

test("the host's type checker refuses an undefined reference before anything runs", async () => {
  const bad = scratchProgram({
    "Pulumi.yaml": "name: yaml-host-bad\nruntime: yaml\noutputs:\n  x: ${nowhere.value}\n",
  });
  const ws = pulumiWorkspace(bad.dir);
  try {
    await ws.ok(["stack", "init", "dev", ...QUIET]);
    const preview = await ws.run(["preview", ...QUIET]);
    expect(preview.code).not.toBe(0);
    expect(`${preview.stdout}${preview.stderr}`).toMatch(/nowhere/);
  } finally {
    ws.dispose();
    bad.dispose();
  }
}, 120_000);
