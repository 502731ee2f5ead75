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

/** Runs the CLI in-process; `out` is standard output and error together. */
async function runCli(args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const collect = (t: string) => {
    out += t;
  };
  const code = await main(args, { stdout: collect, stderr: collect, readStdin: () => "", env: {} });
  return { code, out };
}

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
  const { code, out } = await runCli(resolved);
  expect(code).toBe(0);
  expect(out).toContain("### prod");
  expect(out).toContain("No CVM restarts.");
});

interface Step {
  id?: string;
  name?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  "continue-on-error"?: boolean;
}

test("the Phala Cloud API key is not handed to the pull request's code", () => {
  const text = readFileSync(WORKFLOW, "utf8");
  const doc = parse(text);
  const envs = [doc.env, doc.jobs.preview.env, ...doc.jobs.preview.steps.map((s: Step) => s.env)];
  for (const env of envs) expect(Object.keys(env ?? {})).not.toContain("PHALA_CLOUD_API_KEY");
  expect(text).not.toContain("secrets.PHALA_CLOUD_API_KEY");
  // The preview it runs is check + diff only, which never builds an API client.
  expect(doc.jobs.preview.steps.find((s: Step) => s.id === "preview").run).not.toContain("--refresh");
});

test("a failed preview replaces the sticky comment with a note and fails the job", async () => {
  const steps: Step[] = parse(readFileSync(WORKFLOW, "utf8")).jobs.preview.steps;
  const byName = (name: string) => steps.find((s) => s.name === name)!;
  expect(byName("Preview (JSON)")["continue-on-error"]).toBe(true);
  expect(byName("Summarise")["continue-on-error"]).toBe(true);
  const failed = "steps.preview.outcome != 'success' || steps.summary.outcome != 'success'";
  const note = byName("Note a failed preview");
  expect(note.if).toBe(failed);
  expect(note.run).toContain("The preview failed");
  expect(note.run).toContain('> "$RUNNER_TEMP/summary.md"');
  const comment = byName("Comment");
  expect(comment.if).toBe("always()");
  expect(comment.run).toContain("--edit-last");
  expect(steps.indexOf(comment)).toBeGreaterThan(steps.indexOf(note));
  expect(byName("Fail on a failed preview")).toMatchObject({ if: failed, run: "exit 1" });
  // The summarise step fails on a failed preview's JSON, so the note replaces its output.
  const dir = mkdtempSync(path.join(tmpdir(), "cvms-ci-"));
  const file = path.join(dir, "preview.json");
  writeFileSync(file, JSON.stringify({ steps: [], diagnostics: [{ severity: "error", message: "boom" }] }));
  const { code, out } = await runCli(["pr-summary", file, "--title", "prod"]);
  expect(code).toBe(1);
  expect(out).toContain("the preview failed");
});
