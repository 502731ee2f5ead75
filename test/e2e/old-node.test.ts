/**
 * `pulumi preview` with a Node.js older than this package runs on, first on PATH: the program
 * of the dynamic classes (the import fails) and a Pulumi YAML program (the engine starts the
 * plugin with that Node) each end with the one sentence naming the Node found and the one
 * needed — no stack frame, no "unhandled exception", no "exited prematurely ... a bug in the
 * provider". The old Node is /usr/bin/node when it is one, else Node 24 reporting 20.11.1.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { isSupportedNode, unsupportedNodeMessage } from "../../provider/node-version";
import { QUIET } from "../support/e2e";
import { pulumiPath, pulumiWorkspace, REPO_ROOT, scratchProgram } from "../support/pulumi";

let oldNodeDir: string;
let version: string;

beforeAll(() => {
  oldNodeDir = mkdtempSync(path.join(tmpdir(), "cvms-old-node-"));
  const system = "/usr/bin/node";
  const systemVersion = (() => {
    try {
      return execFileSync(system, ["-p", "process.versions.node"], { encoding: "utf8" }).trim();
    } catch {
      return undefined;
    }
  })();
  if (systemVersion !== undefined && !isSupportedNode(systemVersion)) {
    symlinkSync(system, path.join(oldNodeDir, "node"));
    version = systemVersion;
  } else {
    const fake = path.join(oldNodeDir, "node20.js");
    writeFileSync(fake, 'Object.defineProperty(process.versions, "node", { value: "20.11.1" });\n');
    const node = path.join(REPO_ROOT, "node_modules", ".bin", "node");
    writeFileSync(path.join(oldNodeDir, "node"), `#!/bin/sh\nexec "${node}" -r "${fake}" "$@"\n`, {
      mode: 0o755,
    });
    version = "20.11.1";
  }
});

afterAll(() => rmSync(oldNodeDir, { recursive: true, force: true }));

/** The diagnostics of a failed preview, with the lines that are not this package's left out. */
async function preview(files: Record<string, string>, pathPrefix: string[]): Promise<string> {
  const program = scratchProgram(files);
  const ws = pulumiWorkspace(program.dir, {
    PATH: [oldNodeDir, ...pathPrefix, pulumiPath()].join(path.delimiter),
  });
  try {
    await ws.ok(["stack", "init", "dev", ...QUIET]);
    const r = await ws.run(["preview", ...QUIET]);
    expect(r.code).not.toBe(0);
    return `${r.stdout}\n${r.stderr}`;
  } finally {
    ws.dispose();
    program.dispose();
  }
}

function expectOneSentence(output: string, prefix: string): void {
  const sentence = unsupportedNodeMessage(version);
  const errors = output.split("\n").filter((l) => /^\s+error: /.test(l));
  expect(errors.map((l) => l.trim())).toEqual([`error: ${prefix}${sentence}`]);
  expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m); // a stack frame
  expect(output).not.toContain("unhandled exception");
  expect(output).not.toContain("exited prematurely");
  expect(output).not.toContain("rpc error");
}

test("the dynamic classes: the program's import fails with the sentence alone", async () => {
  const output = await preview(
    {
      "Pulumi.yaml": "name: old-node-dynamic\nruntime: nodejs\n",
      "package.json": JSON.stringify({ name: "old-node-dynamic", private: true, main: "index.js" }),
      "index.js": 'require("pulumi-cvm-secrets");\n',
    },
    [],
  );
  expectOneSentence(output, "");
}, 300_000);

test("the plugin (a YAML program): the provider's check fails with the sentence, once", async () => {
  const output = await preview(
    {
      "Pulumi.yaml": [
        "name: old-node-yaml",
        "runtime: yaml",
        "resources:",
        "  app:",
        "    type: cvm-secrets:index:CvmSecrets",
        "    properties:",
        '      cvms: ["cvm_x"]',
        "      env:",
        '        A: "1"',
        "",
      ].join("\n"),
    },
    [path.join(REPO_ROOT, "bin")],
  );
  expectOneSentence(output, "pulumi:providers:cvm-secrets resource 'default' has a problem: ");
}, 300_000);
