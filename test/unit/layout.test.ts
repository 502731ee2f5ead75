/**
 * The tree as CONTRIBUTING.md's Layout draws it, and the package's export map: exactly the public
 * surface plus the four module paths that users' state stores (the dynamic-provider stubs
 * `require()` them by name, so they must resolve forever, whatever the files behind them are
 * called).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  exports: Record<string, unknown>;
  imports?: Record<string, unknown>;
  typesVersions: Record<string, Record<string, string[]>>;
};

/** Module paths stored in state by every release so far (provider/dynamic/*-stub.ts). */
const STORED = {
  "./impl/cvm-secrets": "./dist/provider/dynamic/cvm-secrets-impl.js",
  "./impl/settings": "./dist/provider/runtime/settings.js",
  "./impl/registry-credential": "./dist/provider/dynamic/registry-credential-impl.js",
  "./impl/owner-key": "./dist/provider/cvm-secrets/owner-key.js",
};

test("exports: the public surface and the four stored paths, no wildcard", () => {
  expect(Object.keys(pkg.exports).sort()).toEqual(
    [".", "./emulator", "./plugin", "./package.json", ...Object.keys(STORED)].sort(),
  );
  for (const [name, target] of Object.entries(STORED)) expect(pkg.exports[name]).toBe(target);
  expect(Object.keys(pkg.exports).some((k) => k.includes("*"))).toBe(false);
  expect(Object.keys(pkg.typesVersions["*"]!).sort()).toEqual(["emulator", "plugin"]);
  // Tests and bench/ reach internals through a package-private import, never a published path.
  expect(Object.keys(pkg.imports ?? {})).toEqual(["#internal/*"]);
});

test("each stored path names the module its stub requires, and that source exists", () => {
  const stubs = ["cvm-secrets-stub.ts", "registry-credential-stub.ts", "owner-key-stub.ts"].map((f) =>
    readFileSync(path.join(ROOT, "provider/dynamic", f), "utf8"),
  );
  const required = new Set(
    stubs.flatMap((s) =>
      [...s.matchAll(/require\("pulumi-cvm-secrets\/(impl\/[a-z-]+)"\)/g)].map((m) => m[1]!),
    ),
  );
  expect([...required].sort()).toEqual(
    Object.keys(STORED)
      .map((k) => k.slice(2))
      .sort(),
  );
  for (const target of Object.values(STORED)) {
    const source = target.replace(/^\.\/dist\//, "").replace(/\.js$/, ".ts");
    expect(statSync(path.join(ROOT, source)).isFile()).toBe(true);
  }
});

test("CONTRIBUTING.md's Layout names every folder under provider/, and only folders that exist", () => {
  const contributing = readFileSync(path.join(ROOT, "CONTRIBUTING.md"), "utf8");
  expect(contributing).toContain("\n## Layout\n");
  const section = contributing.slice(contributing.indexOf("\n## Layout\n"));
  const block = section.slice(section.indexOf("```") + 3, section.indexOf("```", section.indexOf("```") + 3));
  const lines = block.split("\n");
  // Folders are named `name/` at the start of a line, indented two spaces per level under provider/.
  const named: string[] = [];
  const stack: string[] = [];
  for (const line of lines) {
    const m = /^( *)([a-z][\w.-]*)\/\s/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 2;
    stack.length = depth;
    stack[depth] = m[2]!;
    named.push(stack.join("/"));
  }
  const folders = (dir: string): string[] =>
    readdirSync(path.join(ROOT, dir))
      .filter((n) => statSync(path.join(ROOT, dir, n)).isDirectory())
      .flatMap((n) => [`${dir}/${n}`, ...folders(`${dir}/${n}`)]);
  const actual = ["provider", ...folders("provider")].sort();
  expect(named.filter((n) => n === "provider" || n.startsWith("provider/")).sort()).toEqual(actual);
});
