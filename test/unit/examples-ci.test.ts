/**
 * The CI example is a file users copy: its `cvm-secrets pr-summary` step must be a command our
 * CLI accepts, the workflow must be valid YAML with the permissions a PR comment needs, and its
 * comment step (run here with a stand-in `gh` that answers from a list of comments and applies
 * the step's `--jq` filter with jq, as gh does) must edit its own marked comment and no other.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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

test("the API key comes from the stack's config, as in the quickstart; forks get no secrets", () => {
  const text = readFileSync(WORKFLOW, "utf8");
  const doc = parse(text);
  const envs = [doc.env, doc.jobs.preview.env, ...doc.jobs.preview.steps.map((s: Step) => s.env)];
  for (const env of envs) expect(Object.keys(env ?? {})).not.toContain("PHALA_CLOUD_API_KEY");
  expect(text).not.toContain("secrets.PHALA_CLOUD_API_KEY");
  expect(text).toContain("pulumi config set --secret cvm-secrets:apiKey <key>");
  // The backend's credentials: Pulumi Cloud's token, or a self-managed backend's passphrase.
  expect(doc.jobs.preview.env).toEqual({
    PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
    PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
  });
  // A fork's pull request runs no job with secrets; the other job says why, once.
  const sameRepo = "github.event.pull_request.head.repo.full_name == github.repository";
  expect(doc.jobs.preview.if).toBe(sameRepo);
  expect(doc.jobs["fork-notice"].if).toBe(sameRepo.replace("==", "!="));
  expect(doc.jobs["fork-notice"].env).toBeUndefined();
  expect(JSON.stringify(doc.jobs["fork-notice"])).not.toContain("secrets.");
  expect(doc.jobs["fork-notice"].steps[0].run).toMatch(
    /^echo "::notice title=pulumi preview skipped::This pull request comes from a fork/,
  );
  expect(Object.keys(doc.jobs)).toEqual(["preview", "fork-notice"]);
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
  expect(comment.run).not.toContain("--edit-last");
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

describe("the comment step: a sticky comment found by its hidden marker", () => {
  const MARKER = "<!-- cvm-secrets pr-summary: prod -->";
  const BOT = "github-actions[bot]";
  let dir: string;

  beforeAll(() => {
    expect(spawnSync("jq", ["--version"]).status).toBe(0); // gh applies --jq filters as jq does
    dir = mkdtempSync(path.join(tmpdir(), "cvms-ci-gh-"));
    // A stand-in gh: records each call, lists $GH_COMMENTS through the step's --jq filter, and
    // keeps the body a PATCH or a new comment would carry.
    const gh = path.join(dir, "gh");
    writeFileSync(
      gh,
      `#!/usr/bin/env node
const { appendFileSync, copyFileSync } = require("node:fs");
const { execFileSync } = require("node:child_process");
const args = process.argv.slice(2);
appendFileSync(process.env.GH_CALLS, JSON.stringify(args) + "\\n");
const after = (flag) => args[args.indexOf(flag) + 1];
if (args[0] === "api" && args.includes("--jq")) {
  process.stdout.write(execFileSync("jq", ["-r", after("--jq"), process.env.GH_COMMENTS]));
} else if (args[0] === "api") {
  copyFileSync(after("-F").replace(/^body=@/, ""), process.env.GH_BODY);
} else {
  copyFileSync(after("--body-file"), process.env.GH_BODY);
}
`,
    );
    chmodSync(gh, 0o755);
  });

  function runComment(comments: unknown[], summary: string) {
    const step: Step = parse(readFileSync(WORKFLOW, "utf8")).jobs.preview.steps.find(
      (s: Step) => s.name === "Comment",
    );
    const files = {
      GH_CALLS: path.join(dir, `calls-${Math.random()}`),
      GH_COMMENTS: path.join(dir, "comments.json"),
      GH_BODY: path.join(dir, "body.md"),
    };
    writeFileSync(files.GH_COMMENTS, JSON.stringify(comments));
    writeFileSync(files.GH_CALLS, "");
    if (existsSync(files.GH_BODY)) writeFileSync(files.GH_BODY, "");
    writeFileSync(path.join(dir, "summary.md"), summary);
    const env = { ...step.env!, REPO: "acme/infra", PR: "7", RUNNER_TEMP: dir };
    const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run!], {
      env: { ...process.env, ...env, ...files, PATH: `${dir}${path.delimiter}${process.env.PATH}` },
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const calls = readFileSync(files.GH_CALLS, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as string[]);
    return { calls, body: readFileSync(files.GH_BODY, "utf8") };
  }

  test("the step's marker is the one documented", () => {
    const step: Step = parse(readFileSync(WORKFLOW, "utf8")).jobs.preview.steps.find(
      (s: Step) => s.name === "Comment",
    );
    expect(step.env!.MARKER).toBe(MARKER);
  });

  test("no marked comment yet: one new comment, the summary and the marker", () => {
    const { calls, body } = runComment(
      [{ id: 11, user: { login: BOT }, body: "another workflow's comment" }],
      "### prod: 1 to update\n",
    );
    expect(calls.map((c) => c[0])).toEqual(["api", "pr"]);
    expect(calls[1]!.slice(0, 5)).toEqual(["pr", "comment", "7", "--repo", "acme/infra"]);
    expect(body).toBe(`### prod: 1 to update\n\n${MARKER}\n`);
  });

  test("the bot's marked comment is edited in place; a person's comment quoting the marker is not", () => {
    const { calls, body } = runComment(
      [
        { id: 21, user: { login: "a-reviewer" }, body: `as the bot says: ${MARKER}` },
        { id: 22, user: { login: BOT }, body: "another workflow's comment" },
        { id: 23, user: { login: BOT }, body: `### prod: 2 unchanged\n\n${MARKER}\n` },
      ],
      "### prod: 1 to update\n",
    );
    expect(calls).toHaveLength(2);
    expect(calls[1]!.slice(0, 4)).toEqual([
      "api",
      "--method",
      "PATCH",
      "repos/acme/infra/issues/comments/23",
    ]);
    expect(body).toBe(`### prod: 1 to update\n\n${MARKER}\n`);
  });
});
