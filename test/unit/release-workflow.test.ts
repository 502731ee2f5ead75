/**
 * The release workflow (.github/workflows/release.yml) as GitHub would load it, and the small
 * release scripts that need no toolchain. The workflow stays thin: every step that does release
 * work calls a script in scripts/release/ that exists and is executable, every such script is
 * called, npm publishes with provenance from a job allowed an identity token, and the plugin
 * archive matrix covers each platform Pulumi downloads once. The SDK and npm steps themselves
 * run in test/e2e/release-sdks.test.ts and test/e2e/npm-publish.test.ts.
 */
import { execFileSync } from "node:child_process";
import {
  accessSync,
  constants,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "../..");
const RELEASE = path.join(ROOT, "scripts", "release");
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string })
  .version;

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  strategy?: { matrix: { include: Array<{ runner: string; platforms: string }> } };
  steps: Step[];
}
interface Workflow {
  on: { push: { tags: string[] } };
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = parse(
  readFileSync(path.join(ROOT, ".github", "workflows", "release.yml"), "utf8"),
) as Workflow;
const runs = (job: string): string[] => workflow.jobs[job]!.steps.flatMap((s) => (s.run ? [s.run] : []));
const scriptsIn = (run: string): string[] =>
  [...run.matchAll(/scripts\/release\/([\w-]+\.sh)/g)].map((m) => m[1]!);
/** The release scripts: the executable .sh files (lib.sh and sdk-schema.sh are sourced, not run). */
const RELEASE_SCRIPTS = readdirSync(RELEASE)
  .filter((f) => f.endsWith(".sh"))
  .filter((f) => {
    try {
      accessSync(path.join(RELEASE, f), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  })
  .sort();

function bash(args: string[]): { code: number; out: string } {
  try {
    return {
      code: 0,
      out: execFileSync("bash", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }),
    };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, out: `${e.stdout}${e.stderr}` };
  }
}

describe("release.yml", () => {
  test("runs on a v* tag, read-only unless a job says otherwise", () => {
    expect(workflow.on.push.tags).toEqual(["v*"]);
    expect(workflow.permissions).toEqual({ contents: "read" });
  });

  test("every script a step calls exists in scripts/release/ and is executable; every release script is called", () => {
    const called = new Set(Object.keys(workflow.jobs).flatMap((job) => runs(job).flatMap(scriptsIn)));
    for (const script of called) {
      expect({ script, executable: RELEASE_SCRIPTS.includes(script) }).toEqual({ script, executable: true });
    }
    expect([...called].sort()).toEqual(RELEASE_SCRIPTS);
  });

  test("steps are thin: each run is one command, a release script, the CI entry point, or npm's install/build", () => {
    for (const job of Object.keys(workflow.jobs)) {
      for (const run of runs(job)) {
        expect(run.trim().split("\n")).toHaveLength(1);
        expect(run).toMatch(
          /^(bash scripts\/release\/[\w-]+\.sh\b|bash \.ci\/run$|bash scripts\/toolchain\.sh$|npm ci\b|npm run build$)/,
        );
      }
    }
  });

  test("the tests gate everything: the tag is checked and .ci/run runs before archives and publish", () => {
    expect(runs("test")).toEqual(['bash scripts/release/check-tag.sh "$GITHUB_REF_NAME"', "bash .ci/run"]);
    expect(workflow.jobs.archives!.needs).toBe("test");
    expect(workflow.jobs.publish!.needs).toEqual(["test", "archives"]);
  });

  test("npm publishes with provenance (no --no-provenance) from the only job allowed an identity token", () => {
    const publish = runs("publish").filter((r) => scriptsIn(r).includes("npm-publish.sh"));
    expect(publish).toHaveLength(1);
    expect(publish[0]).not.toContain("--no-provenance");
    expect(workflow.jobs.publish!.permissions).toEqual({ contents: "write", "id-token": "write" });
    for (const [name, job] of Object.entries(workflow.jobs)) {
      if (name !== "publish") expect(job.permissions?.["id-token"]).toBeUndefined();
    }
    const setupNode = workflow.jobs.publish!.steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
    expect(setupNode?.with?.["registry-url"]).toBe("https://registry.npmjs.org");
  });

  test("publish orders its steps: pack, Python SDK, npm publish, GitHub release with every asset, Go tag last", () => {
    const order = runs("publish").flatMap(scriptsIn);
    expect(order).toEqual([
      "npm-pack.sh",
      "python-sdk.sh",
      "npm-publish.sh",
      "github-release.sh",
      "go-sdk-tag.sh",
    ]);
    const release = runs("publish").find((r) => scriptsIn(r).includes("github-release.sh"))!;
    // the npm tarball, the plugin archives (downloaded into dist/release) and the Python sdist and wheel
    for (const asset of ["dist/release/*.tgz", "dist/release/*.tar.gz", "dist/release/python/*"]) {
      expect(release).toContain(asset);
    }
    const steps = workflow.jobs.publish!.steps;
    const download = steps.findIndex((s) => s.uses?.startsWith("actions/download-artifact@"));
    expect(download).toBeGreaterThanOrEqual(0);
    expect(download).toBeLessThan(steps.findIndex((s) => s.run === release));
  });

  test("the plugin archive matrix builds each of linux, darwin, windows × amd64, arm64 exactly once", () => {
    const platforms = workflow.jobs.archives!.strategy!.matrix.include.flatMap((m) =>
      m.platforms.split(/\s+/),
    );
    const expected = ["linux", "darwin", "windows"].flatMap((os) =>
      ["amd64", "arm64"].map((a) => `${os}-${a}`),
    );
    expect(platforms.sort()).toEqual(expected.sort());
    expect(runs("archives")).toContain("bash scripts/release/plugin-archives.sh ${{ matrix.platforms }}");
  });
});

describe("check-tag.sh", () => {
  test("accepts v + package.json's version", () => {
    expect(bash(["scripts/release/check-tag.sh", `v${VERSION}`]).code).toBe(0);
  });

  test.each([[`${VERSION}`], [`v${VERSION}.1`], ["v0.0.0-other"]])("refuses %s", (tag) => {
    const r = bash(["scripts/release/check-tag.sh", tag]);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(`the tag is '${tag}' but package.json says version ${VERSION}`);
  });
});

describe("github-release.sh --dry-run", () => {
  let dir: string;
  let changelog: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "cvms-release-notes-"));
    changelog = path.join(dir, "CHANGELOG.md");
    writeFileSync(
      changelog,
      [
        "# Changelog",
        "",
        "## [Unreleased]",
        "",
        "- not yet",
        "",
        "## [1.2.0] — 2026-12-07",
        "",
        "### Added",
        "",
        "- the thing",
        "",
        "## [1.1.0] — 2026-11-23",
        "",
        "- older",
        "",
      ].join("\n"),
    );
    writeFileSync(path.join(dir, "a.tgz"), "a");
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const release = (tag: string, asset: string) =>
    bash([
      "scripts/release/github-release.sh",
      "--dry-run",
      "--changelog",
      changelog,
      tag,
      path.join(dir, asset),
    ]);

  test("the notes are the tag's CHANGELOG section only; the assets are uploaded to that tag", () => {
    const r = release("v1.2.0", "a.tgz");
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        "### Added",
        "",
        "- the thing",
        "gh release create v1.2.0 --verify-tag --title v1.2.0 --notes-file NOTES",
        `gh release upload v1.2.0 --clobber ${path.join(dir, "a.tgz")}`,
        "",
      ].join("\n"),
    );
  });

  test("refuses a tag without a CHANGELOG section, and a missing asset", () => {
    const noSection = release("v1.3.0", "a.tgz");
    expect(noSection.code).not.toBe(0);
    expect(noSection.out).toContain("has no section '## [1.3.0]'");
    const noFile = release("v1.2.0", "b.tgz");
    expect(noFile.code).not.toBe(0);
    expect(noFile.out).toContain(`no file ${path.join(dir, "b.tgz")}`);
  });
});
