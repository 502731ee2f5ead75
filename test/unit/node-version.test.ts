/**
 * An unsupported Node.js gets one sentence naming the version it needs, at import of the package
 * and of the emulator, and from both commands — not a stack trace from inside undici.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { isSupportedNode, MIN_NODE_VERSION, unsupportedNodeMessage } from "../../provider/node-version";

const ROOT = path.resolve(__dirname, "../..");
const NODE = path.join(ROOT, "node_modules", ".bin", "node");

test("the version rule: undici's floor, 22.19.0", () => {
  expect(MIN_NODE_VERSION).toBe(require("undici/package.json").engines.node.replace(">=", ""));
  for (const v of ["22.19.0", "22.19.1", "22.20.0", "24.0.0", "25.1.2"])
    expect(isSupportedNode(v)).toBe(true);
  for (const v of ["22.18.9", "22.0.0", "20.20.2", "18.19.0"]) expect(isSupportedNode(v)).toBe(false);
  expect(unsupportedNodeMessage("20.11.1")).toContain("needs Node.js ≥ 22.19 (this is Node.js 20.11.1)");
});

describe("on Node.js 20 (process.versions.node replaced before anything loads)", () => {
  let dir: string;
  let fake: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "cvms-old-node-"));
    fake = path.join(dir, "node20.js");
    writeFileSync(fake, 'Object.defineProperty(process.versions, "node", { value: "20.11.1" });\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]) =>
    spawnSync(NODE, ["-r", fake, ...args], { cwd: ROOT, encoding: "utf8", env: { PATH: process.env.PATH } });

  test.each([
    ["cvm-secrets", ["bin/cvm-secrets.js", "--help"]],
    ["cvm-secrets-emulator", ["bin/cvm-secrets-emulator.js", "--help"]],
  ])("%s exits 1 with the sentence", (name, args) => {
    const r = run(args);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`${name}: ${unsupportedNodeMessage("20.11.1")}\n`);
  });

  test.each(["pulumi-cvm-secrets", "pulumi-cvm-secrets/emulator"])(
    "require(%j) throws CVMS_CONFIGURATION, loading no undici",
    (mod) => {
      const script = `try { require(${JSON.stringify(mod)}); console.log("loaded"); } catch (e) {
      console.log(JSON.stringify({ code: e.code, message: e.message,
        undici: Object.keys(require.cache).some((f) => f.includes("/undici/")) })); }`;
      const r = run(["-e", script]);
      expect(JSON.parse(r.stdout)).toEqual({
        code: "CVMS_CONFIGURATION",
        message: unsupportedNodeMessage("20.11.1"),
        undici: false,
      });
    },
  );
});
