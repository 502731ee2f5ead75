/**
 * The CI example is a file users copy: its `cvm-secrets pr-summary` step must be a command our
 * CLI accepts, and the workflow must be valid YAML with the permissions a PR comment needs.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { main } from "../../provider/cli/main";

const WORKFLOW = path.join(__dirname, "../../examples/ci/pull-request-preview.yml");

test("the workflow parses and grants what commenting needs", () => {
  const doc = parse(readFileSync(WORKFLOW, "utf8"));
  expect(doc.on.pull_request).toBeDefined();
  expect(doc.permissions["pull-requests"]).toBe("write");
  const runs: string[] = doc.jobs.preview.steps.map((s: { run?: string }) => s.run ?? "");
  expect(runs.some((r) => r.startsWith("pulumi preview") && r.includes("--json"))).toBe(true);
});

test("its pr-summary invocation runs with our CLI", async () => {
  const doc = parse(readFileSync(WORKFLOW, "utf8"));
  const step = doc.jobs.preview.steps.find((s: { run?: string }) =>
    s.run?.includes("cvm-secrets pr-summary"),
  );
  const args: string[] = step.run
    .split(">")[0]
    .trim()
    .split(/\s+/)
    .slice(2)
    .map((a: string) => a.replace(/"/g, ""));
  const dir = mkdtempSync(path.join(tmpdir(), "cvms-ci-"));
  const file = path.join(dir, "preview.json");
  writeFileSync(file, JSON.stringify({ steps: [], changeSummary: { same: 2 } }));
  const resolved = args.map((a) => a.replace("$RUNNER_TEMP/preview.json", file));
  let out = "";
  const code = await main(resolved, {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      out += t;
    },
    readStdin: () => "",
    env: {},
  });
  expect(code).toBe(0);
  expect(out).toContain("### prod");
  expect(out).toContain("No CVM restarts.");
});
