/**
 * The `cvm-secrets` command as a user runs it: the packed package installed from its tarball
 * into a fresh project, the bin npm links in node_modules/.bin (and the package's own bin/
 * launcher) executed directly, the env fed on standard input and from files. Node reads
 * `--env-file` from every argument, even after the script's name, unless `--` precedes it
 * (nodejs/node#54232): the unit tests call `main()` and cannot see that.
 */

import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { guestDecrypt, x25519Public } from "../support/node-envelope";
import { type InstalledProject, installedProject, NPM_ENV, packPackage } from "../support/package";

let work: string;
let p: InstalledProject;
const secret = randomBytes(32);
const publicKey = x25519Public(secret).toString("hex");

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), "cvms-cli-"));
  p = installedProject(packPackage(work), {});
  // Loaded only if Node reads an env file given to the CLI (its NODE_OPTIONS applied).
  writeFileSync(
    path.join(work, "node-read-the-file.js"),
    'process.stderr.write("NODE READ THE ENV FILE\\n");\n',
  );
  // Reports, as the CLI process exits, whether a key of the env file reached its environment.
  writeFileSync(
    path.join(work, "report-env.js"),
    'process.on("exit", () => process.stderr.write(`CLI_FILE_ONLY in process.env: ${"CLI_FILE_ONLY" in process.env}\\n`));\n',
  );
  writeFileSync(
    path.join(work, "prod.env"),
    `NODE_OPTIONS=--require ${path.join(work, "node-read-the-file.js")}\nCLI_FILE_ONLY=from-the-file\n`,
  );
}, 300_000);

afterAll(() => {
  p?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The two ways a user runs the command: the bin npm links, and the package's launcher. */
const BINS: Record<string, string[]> = {
  "node_modules/.bin/cvm-secrets": ["node_modules", ".bin", "cvm-secrets"],
  "node_modules/pulumi-cvm-secrets/bin/cvm-secrets.js": [
    "node_modules",
    "pulumi-cvm-secrets",
    "bin",
    "cvm-secrets.js",
  ],
};
const bin = (name = "node_modules/.bin/cvm-secrets") => path.join(p.dir, ...BINS[name]!);

function run(bin: string, args: string[], input = "", env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(bin, args, {
    cwd: p.dir,
    input,
    encoding: "utf8",
    env: { ...NPM_ENV, ...env },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const decrypted = (stdout: string) =>
  Object.fromEntries(guestDecrypt(stdout.trim(), secret).env.map(({ key, value }) => [key, value]));

test.each(Object.keys(BINS))("`encrypt --env-file - < prod.env` through %s", (name) => {
  const r = run(bin(name), ["encrypt", "--public-key", publicKey, "--env-file", "-"], "A=1\nB=two words\n");
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(decrypted(r.stdout)).toEqual({ A: "1", B: "two words" });
});

test.each(["--env-file FILE", "--env-file=FILE", "-e FILE"])(
  "a real file (%s) is read by the CLI only: none of its keys reaches the CLI's process environment",
  (form) => {
    const args = form.split(" ").map((a) => a.replace("FILE", path.join(work, "prod.env")));
    const r = run(bin(), ["encrypt", "--public-key", publicKey, ...args], "", {
      NODE_OPTIONS: `--require ${path.join(work, "report-env.js")}`,
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("CLI_FILE_ONLY in process.env: false\n");
    expect(decrypted(r.stdout)).toEqual({
      NODE_OPTIONS: `--require ${path.join(work, "node-read-the-file.js")}`,
      CLI_FILE_ONLY: "from-the-file",
    });
  },
);

test("the file's NODE_OPTIONS is not applied when nothing else sets NODE_OPTIONS", () => {
  const r = run(bin(), ["encrypt", "--public-key", publicKey, "--env-file", path.join(work, "prod.env")]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(Object.keys(decrypted(r.stdout))).toEqual(["NODE_OPTIONS", "CLI_FILE_ONLY"]);
});

test("`--env-file-if-exists` and `--inspect` after the command are the CLI's (refused as unknown), not Node's", () => {
  for (const flag of ["--env-file-if-exists", "--inspect"]) {
    const r = run(bin(), ["encrypt", "--public-key", publicKey, flag, path.join(work, "absent.env")]);
    expect(r.status).toBe(2);
    expect(r.stderr.split("\n")[0]).toMatch(
      new RegExp(`^cvm-secrets encrypt: unknown option ${flag}; expected one of `),
    );
  }
});
