/**
 * docs/emulator.md's "In a test" block as written: run by Node as a user's ES module would run
 * it, importing `pulumi-cvm-secrets/emulator` (the package's own export, built to dist/), with
 * one harness line before its last that prints what the block's objects hold. It must start an
 * emulator on loopback, create the CVM, read what its guest decrypted (nothing yet) and close.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { codeBlocks } from "../support/markdown";
import { REPO_ROOT } from "../support/pulumi";

const block = codeBlocks(readFileSync(path.join(REPO_ROOT, "docs/emulator.md"), "utf8")).find(
  (b) => b.section === "In a test" && b.lang === "ts",
);

test("the block starts an emulator, creates a CVM, reads its guest and closes", () => {
  expect(block?.text).toContain('from "pulumi-cvm-secrets/emulator"');
  const lines = block!.text.trimEnd().split("\n");
  expect(lines[lines.length - 1]).toBe("await emu.close();");
  const harness =
    'console.log("HARNESS " + JSON.stringify({ url: emu.url, apiKey: typeof emu.apiKey, guest: await emu.admin.guest(cvm.id) }));';
  const script = [...lines.slice(0, -1), harness, lines[lines.length - 1]].join("\n");
  // `-e` resolves imports from the working directory: the repository, which links the package
  // into its own node_modules as an installed copy would be found.
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  const line = out.split("\n").find((l) => l.startsWith("HARNESS "));
  const seen = JSON.parse(line!.slice("HARNESS ".length)) as {
    url: string;
    apiKey: string;
    guest: { status: string; env: Record<string, string> };
  };
  expect(seen.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
  expect(seen.apiKey).toBe("string");
  expect(seen.guest).toMatchObject({ status: "running", env: {} });
}, 90_000);
