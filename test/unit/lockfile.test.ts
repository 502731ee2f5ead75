/**
 * The lockfile is complete: every optional dependency of every locked package (the other
 * platforms' biome, swc and resolver binaries included) has its own entry, so `npm ci` (what
 * .ci/run and the README use) accepts it on any platform instead of refusing it as out of sync.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const ROOT = path.resolve(__dirname, "../..");
const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, LockEntry>;
};
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as LockEntry;

/** Where npm would look for `name` required from the package at `from` (node_modules walk-up). */
function resolveIn(from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
    const at = dir.lastIndexOf("node_modules/");
    dir = at <= 0 ? "" : dir.slice(0, at - 1);
  }
}

test("every optional dependency in the lockfile has an entry of its own", () => {
  const missing: string[] = [];
  for (const [where, entry] of Object.entries(lock.packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      if (!resolveIn(where, name)) missing.push(`${name} (optional dependency of ${where || "the root"})`);
    }
  }
  expect(missing).toEqual([]);
});

test("the lockfile's root matches package.json", () => {
  const root = lock.packages[""]!;
  expect(root.dependencies).toEqual(pkg.dependencies);
  expect(root.devDependencies).toEqual(pkg.devDependencies);
});
