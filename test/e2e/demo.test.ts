/**
 * `npm run demo` keeps working: scripts/demo.js against the built package, with the toolchain
 * on PATH (scripts/demo.sh sets that up from a fresh clone).
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "../support/pulumi";

test("the demo runs: up, guest view with lengths only, a no-op second up", async () => {
  const env = {
    ...process.env,
    PATH: `${path.join(REPO_ROOT, ".toolchain", "bin")}${path.delimiter}${path.join(REPO_ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH}`,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    NODE_ENV: undefined,
    NODE_OPTIONS: undefined,
  };
  const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, "scripts", "demo.js")], {
      env,
      cwd: REPO_ROOT,
    });
    let text = "";
    child.stdout.on("data", (d) => {
      text += d;
    });
    child.stderr.on("data", (d) => {
      text += d;
    });
    child.on("close", (c) => resolve({ code: c ?? -1, out: text }));
  });
  expect({ code, tail: code === 0 ? "" : out.slice(-3000) }).toEqual({ code: 0, tail: "" });
  expect(out).toMatch(/DATABASE_URL = <\d+ chars>/);
  expect(out).toMatch(/STRIPE_KEY = <\d+ chars>/);
  expect(out).toMatch(/DSTACK_DOCKER_PASSWORD = <\d+ chars>/);
  expect(out).not.toMatch(/ghp_demo[0-9a-f]{32}/);
  expect(out).toContain("API writes during the second up: 0");
  expect(out).not.toMatch(/sk_demo_[0-9a-f]{32}/);
  expect(out).not.toMatch(/postgres:\/\/app:[0-9a-f]{24}@/);
}, 300_000);
