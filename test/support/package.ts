/**
 * The package as a user gets it: `npm pack` of this repository, installed with npm into a fresh
 * project outside the repository (no link back to the repository's node_modules).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO_ROOT } from "./pulumi";

const NODE_BIN = path.join(REPO_ROOT, "node_modules", ".bin");

/** The environment npm and node run with: the repository's Node 24 first on PATH. */
export const NPM_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: `${NODE_BIN}${path.delimiter}${process.env.PATH ?? ""}`,
  NODE_ENV: undefined,
  NODE_OPTIONS: undefined,
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
};

/** The version of a package installed in the repository (so scratch installs match the lockfile). */
export function repoVersion(name: string): string {
  const file = path.join(REPO_ROOT, "node_modules", ...name.split("/"), "package.json");
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

/**
 * `npm pack` of the repository into `dest`; returns the tarball. It packs `dist/` as built
 * (`npm test` builds it before jest): running `prepack` here would rewrite `dist/` under tests
 * that are reading it in parallel.
 */
export function packPackage(dest: string): string {
  if (!existsSync(path.join(REPO_ROOT, "dist", "provider", "index.js"))) {
    throw new Error("dist/ is not built: run `npm run build` (npm test does it first)");
  }
  return npmPack(dest);
}

/** The package.json `npm pack` puts in the tarball (dist/ need not be built). */
export function packedManifest(): Record<string, unknown> {
  const dir = mkdtempSync(path.join(tmpdir(), "cvms-manifest-"));
  try {
    const manifest = execFileSync("tar", ["-xOzf", npmPack(dir), "package/package.json"], {
      encoding: "utf8",
    });
    return JSON.parse(manifest) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `npm pack --ignore-scripts` of the repository into `dest`; returns the tarball. */
function npmPack(dest: string): string {
  const out = execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dest], {
    cwd: REPO_ROOT,
    env: NPM_ENV,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const [info] = JSON.parse(out.slice(out.indexOf("["))) as Array<{ filename: string }>;
  return path.join(dest, info!.filename);
}

/** The files `npm pack` would put in the tarball (paths relative to the package root). */
export function packedFiles(): string[] {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: REPO_ROOT,
    env: NPM_ENV,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const [info] = JSON.parse(out.slice(out.indexOf("["))) as Array<{ files: Array<{ path: string }> }>;
  return info!.files.map((f) => f.path);
}

/** What `pulumi new typescript` writes as tsconfig.json (module commonjs, moduleResolution node). */
export const PULUMI_NEW_TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

export interface InstalledProject {
  dir: string;
  /** Runs a command in the project; throws with its output on a non-zero exit. */
  exec(cmd: string, args: string[], options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number }): string;
  dispose(): void;
}

/**
 * A fresh project dir with `files`, and `npm install` of the packed tarball plus `deps`
 * (name → version) over what `pulumi new typescript` installs: `@pulumi/pulumi`, `typescript`
 * and `@types/node`, at the repository's versions.
 */
export function installedProject(
  tarball: string,
  files: Record<string, string>,
  deps: Record<string, string> = {},
): InstalledProject {
  const dir = mkdtempSync(path.join(tmpdir(), "cvms-installed-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  if (!files["package.json"]) {
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "scratch", private: true }));
  }
  const defaults = Object.fromEntries(
    ["@pulumi/pulumi", "typescript", "@types/node"].map((name) => [name, repoVersion(name)]),
  );
  const specs = Object.entries({ ...defaults, ...deps }).map(([name, version]) => `${name}@${version}`);
  const exec: InstalledProject["exec"] = (cmd, args, options = {}) => {
    try {
      return execFileSync(cmd, args, {
        cwd: dir,
        env: { ...NPM_ENV, ...options.env },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        timeout: options.timeoutMs ?? 300_000,
      });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; status?: number };
      throw new Error(`${cmd} ${args.join(" ")} exited ${e.status}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
    }
  };
  exec("npm", ["install", "--prefer-offline", "--no-package-lock", tarball, ...specs]);
  return { dir, exec, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
