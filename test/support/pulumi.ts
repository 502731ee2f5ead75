/**
 * Runs the real Pulumi CLI (built by scripts/toolchain.sh) offline against a file:// backend in
 * a private temporary home (the variables: pulumi/pulumi, sdk/go/common/env/env.go; the
 * passphrase secrets manager: pkg/secrets/passphrase/manager.go).
 */
import { type SpawnOptions, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "../..");
const TOOLCHAIN_BIN = path.join(REPO_ROOT, ".toolchain", "bin");
const NODE_BIN = path.join(REPO_ROOT, "node_modules", ".bin");

export interface PulumiResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface PulumiWorkspace {
  /** Directory of the program (holds Pulumi.yaml). */
  dir: string;
  /** Environment every command runs with. */
  env: NodeJS.ProcessEnv;
  /** Runs `pulumi <args>` in `dir`; never throws on a non-zero exit. */
  run(
    args: string[],
    options?: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number },
  ): Promise<PulumiResult>;
  /** Like run, but throws with the CLI output when the exit code is not 0. */
  ok(
    args: string[],
    options?: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number },
  ): Promise<PulumiResult>;
  /** Removes the temporary home and state. */
  dispose(): void;
}

export function assertToolchain(): void {
  if (!existsSync(path.join(TOOLCHAIN_BIN, "pulumi"))) {
    throw new Error("the Pulumi CLI is not set up: run `npm run toolchain` (npm test does it for you)");
  }
}

/** PATH as every Pulumi run gets it: the toolchain and Node 24 first. */
export function pulumiPath(): string {
  return `${TOOLCHAIN_BIN}${path.delimiter}${NODE_BIN}${path.delimiter}${process.env.PATH ?? ""}`;
}

/** Extra env for a workspace whose program ts-node type-checks, as in a user's `pulumi up`. */
export const TYPECHECKED: NodeJS.ProcessEnv = { PULUMI_NODEJS_TRANSPILE_ONLY: "false" };

/**
 * A private Pulumi home + file:// backend for a program directory. When `programDir` is
 * outside the repository, `node_modules` is linked into it so the SDK and this package resolve.
 */
export function pulumiWorkspace(programDir: string, extraEnv: NodeJS.ProcessEnv = {}): PulumiWorkspace {
  assertToolchain();
  const scratch = mkdtempSync(path.join(tmpdir(), "cvms-pulumi-"));
  const home = path.join(scratch, "home");
  const state = path.join(scratch, "state");
  mkdirSync(home);
  mkdirSync(state);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: pulumiPath(),
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: "test-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    // A TypeScript program runs through ts-node, which type-checks it first unless told not to:
    // about 3 s of CPU on every `preview`/`up`/`refresh` (measured: 5.4 s user against 2.4 s).
    // `tsc -p tsconfig.json` type-checks examples/ already; the runs a user's first hour depends
    // on (the quickstart, README's blocks) opt back in with TYPECHECKED.
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    // jest sets NODE_ENV=test and may leave NODE_OPTIONS; neither belongs in a user's run.
    NODE_ENV: undefined,
    NODE_OPTIONS: undefined,
    ...extraEnv,
  };
  const run: PulumiWorkspace["run"] = (args, options = {}) =>
    new Promise((resolve, reject) => {
      const spawnOptions: SpawnOptions = {
        cwd: programDir,
        env: { ...env, ...options.env },
        stdio: ["pipe", "pipe", "pipe"],
      };
      const child = spawn(path.join(TOOLCHAIN_BIN, "pulumi"), args, spawnOptions);
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr?.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
      child.stdin?.end(options.input ?? "");
    });
  return {
    dir: programDir,
    env,
    run,
    async ok(args, options) {
      const result = await run(args, options);
      if (result.code !== 0) {
        throw new Error(`pulumi ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
      }
      return result;
    },
    dispose() {
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** Creates a throw-away program directory outside the repository with the given files. */
export function scratchProgram(files: Record<string, string>): { dir: string; dispose(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "cvms-program-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A scratch TypeScript Pulumi program: Pulumi.yaml, package.json, tsconfig.json and index.ts. */
export function tsProgram(name: string, index: string): { dir: string; dispose(): void } {
  return scratchProgram({
    "Pulumi.yaml": `name: ${name}\nruntime: nodejs\ndescription: ${name} (test program)\n`,
    "package.json": JSON.stringify({ name, private: true, main: "index.ts" }),
    "tsconfig.json": JSON.stringify({
      compilerOptions: {
        strict: true,
        target: "ES2022",
        module: "commonjs",
        // Said, not defaulted: ts-node's transpile-only mode otherwise pairs commonjs with NodeNext
        // resolution and refuses the program (TS5110).
        moduleResolution: "node",
        esModuleInterop: true,
        skipLibCheck: true,
      },
    }),
    "index.ts": index,
  });
}
