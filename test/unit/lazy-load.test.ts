/**
 * A preview's provider process — the plugin's and the dynamic provider's — runs only check and
 * diff, so it must not load what only the write paths need (the HTTP client with undici, zod,
 * yaml, the curve libraries): that was ≈ 0.45 s per CLI run (bench/RESULTS.md, profile of the
 * plugin at N = 200). Runs the built package (`npm run build`) in a fresh Node process.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const NODE = path.join(ROOT, "node_modules", ".bin", "node");
const HEAVY = /node_modules\/(zod|undici|@noble|yaml)\/|dist\/provider\/api\//;

// The journal diff opens lives under PULUMI_HOME.
let home: string;
beforeAll(() => {
  home = mkdtempSync(path.join(tmpdir(), "cvms-lazy-"));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

function loadedBy(script: string): string[] {
  const r = spawnSync(
    NODE,
    [
      "-e",
      `require("@pulumi/pulumi");
const before = new Set(Object.keys(require.cache));
(async () => {
${script}
  const added = Object.keys(require.cache).filter((k) => !before.has(k));
  process.stdout.write(JSON.stringify(added));
})().catch((e) => { console.error(e); process.exit(1); });`,
    ],
    { cwd: ROOT, encoding: "utf8", env: { PATH: process.env.PATH, PULUMI_HOME: home } },
  );
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as string[];
}

const CHECK_AND_DIFF = `
  const impl = require("./dist/provider/cvm-secrets/index.js");
  const news = { cvms: ["cvm_lazy"], env: { API_KEY: "lazy-value" }, resourceName: "api" };
  const checked = await impl.check({}, news);
  await impl.diff("id", checked.inputs, checked.inputs);`;

test("the plugin's server and a CvmSecrets check + diff load no write-path module", () => {
  const loaded = loadedBy(`require("./dist/provider/plugin/server.js");${CHECK_AND_DIFF}`);
  expect(loaded.some((k) => k.includes("dist/provider/cvm-secrets/check"))).toBe(true);
  expect(loaded.filter((k) => HEAVY.test(k))).toEqual([]);
});

test("the dynamic provider's check + diff load no write-path module either", () => {
  const loaded = loadedBy(CHECK_AND_DIFF);
  expect(loaded.filter((k) => HEAVY.test(k))).toEqual([]);
});

test("the write path still loads them on first use (the test would see a lazy load that broke)", () => {
  const loaded = loadedBy(`require("./dist/provider/cvm-secrets/apply.js");`);
  expect(loaded.some((k) => HEAVY.test(k))).toBe(true);
});
