/**
 * The provider objects that land in `__provider` (twice per resource) must stay tiny, capture
 * nothing, and still work after Pulumi's round trip through require-from-string
 * (pulumi/pulumi, sdk/nodejs/dynamic/index.ts and sdk/nodejs/runtime/closure/createClosure.ts).
 */

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const NODE = path.join(ROOT, "node_modules", ".bin", "node");
const SECRET_API_KEY = "phak_serialization-test-secret-0123456789";

interface Serialized {
  bytes: number;
  containsSecrets: boolean;
  text: string;
}

function serialize(moduleName: string, exportName: string): Serialized {
  const run = spawnSync(
    NODE,
    [path.join(__dirname, "../support/serialize-provider.js"), moduleName, exportName],
    {
      cwd: ROOT,
      encoding: "utf8",
      // A credential in the environment must not end up in the text.
      env: { ...process.env, PHALA_CLOUD_API_KEY: SECRET_API_KEY, NODE_OPTIONS: "" },
    },
  );
  if (run.status !== 0) throw new Error(`serialization failed:\n${run.stderr}`);
  return JSON.parse(run.stdout) as Serialized;
}

const PROVIDERS = [
  ["#internal/provider/dynamic/cvm-secrets-stub", "cvmSecretsProvider"],
  ["#internal/provider/dynamic/registry-credential-stub", "registryCredentialProvider"],
  ["#internal/provider/dynamic/owner-key-stub", "ownerKeyProvider"],
] as const;

describe.each(PROVIDERS)("%s", (moduleName, exportName) => {
  let serialized: Serialized;
  beforeAll(() => {
    serialized = serialize(moduleName, exportName);
  });

  test("stays under 4 KB and captures no secret", () => {
    expect(serialized.bytes).toBeLessThan(4096);
    expect(serialized.containsSecrets).toBe(false);
    expect(serialized.text).not.toContain(SECRET_API_KEY);
  });

  test("captures no machine path and no module-level value", () => {
    expect(serialized.text).not.toContain(ROOT);
    // Only the package's own implementation is loaded, by package name, at run time.
    const requires = [...serialized.text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(requires.length).toBeGreaterThan(0);
    for (const r of requires) expect(r).toMatch(/^pulumi-cvm-secrets\/impl\/[a-z-]+$/);
    // Each resolves through the package's export map, as the provider process will resolve it.
    const script = `for (const r of ${JSON.stringify([...new Set(requires)])}) require.resolve(r)`;
    expect(() => execFileSync(process.execPath, ["-e", script], { cwd: ROOT })).not.toThrow();
  });

  test("where the package is not installed, configure says so and what to do", () => {
    // The provider process of a program whose node_modules lacks the package: the stub is
    // loaded from state as Pulumi does (require-from-string), from a directory with no modules.
    const dir = mkdtempSync(path.join(tmpdir(), "cvms-no-package-"));
    try {
      writeFileSync(path.join(dir, "provider.txt"), serialized.text);
      const script = `
        const text = require("node:fs").readFileSync("provider.txt", "utf8");
        const provider = require(${JSON.stringify(require.resolve("require-from-string"))})(text).handler();
        provider.configure({ config: { get: () => undefined } }).then(
          () => console.log("configured"),
          (e) => console.log(e.message),
        );`;
      const out = execFileSync(NODE, ["-e", script], {
        cwd: dir,
        encoding: "utf8",
        env: { PATH: process.env.PATH },
      });
      expect(out).toContain("pulumi-cvm-secrets is not installed where this program runs");
      expect(out).toContain("Cannot find module 'pulumi-cvm-secrets/impl/settings'");
      expect(out).toContain("run `npm install pulumi-cvm-secrets` in its directory");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("survives the require-from-string round trip and exposes every method", () => {
    const requireFromString = require("require-from-string") as (code: string) => { handler(): unknown };
    const provider = requireFromString(serialized.text).handler() as Record<string, unknown>;
    for (const method of ["configure", "check", "diff", "create", "update", "delete", "read"]) {
      expect(typeof provider[method]).toBe("function");
    }
  });
});
