/**
 * The SDK steps of the release (scripts/release/), run as the workflow runs them, on the built
 * dist/ and the toolchain's pulumi and cvm-sdkgen:
 * - python-sdk.sh builds the Python SDK's sdist and wheel (Debian's python3-build, offline):
 *   both carry the package version and the plugin's name, and every module of the SDK;
 * - go-sdk-tag.sh --dry-run, against a scratch git repository: a commit over HEAD adding exactly
 *   the generated SDK under sdk/go, tagged sdk/go/v<version>, the branch and work tree untouched;
 *   and Go itself resolves the module at that version from the tag.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execOrThrow } from "../support/exec";
import { REPO_ROOT } from "../support/pulumi";

jest.setTimeout(300_000);

const VERSION = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string }
).version;
const GO_MODULE = "github.com/pulumi-cvm-secrets/pulumi-cvm-secrets/sdk/go";
// Every SDK names where the engine downloads its plugin (the schema's pluginDownloadURL).
const PLUGIN_JSON = {
  resource: true,
  name: "cvm-secrets",
  version: VERSION,
  server: (
    JSON.parse(readFileSync(path.join(REPO_ROOT, "schema.json"), "utf8")) as { pluginDownloadURL: string }
  ).pluginDownloadURL,
};

const sh = (cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  execOrThrow(cmd, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    timeoutMs: 280_000,
  });

let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), "cvms-release-sdks-"));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("python-sdk.sh", () => {
  /** Names and chosen members of an sdist (tar.gz) or wheel (zip), read by Python's own modules. */
  function archive(file: string): { names: string[]; members: Record<string, string> } {
    const script = [
      "import json, sys, tarfile, zipfile",
      "f = sys.argv[1]",
      "if f.endswith('.whl'):",
      "    z = zipfile.ZipFile(f); names = z.namelist(); read = lambda n: z.read(n).decode()",
      "else:",
      "    t = tarfile.open(f); names = [m.name for m in t.getmembers() if m.isfile()]",
      "    read = lambda n: t.extractfile(n).read().decode()",
      "pick = [n for n in names if n.endswith(('pulumi-plugin.json', 'METADATA', 'PKG-INFO', 'pyproject.toml'))]",
      "print(json.dumps({'names': sorted(names), 'members': {n: read(n) for n in pick}}))",
    ].join("\n");
    return JSON.parse(sh("python3", ["-c", script, file]));
  }

  let sdist: string;
  let wheel: string;

  beforeAll(() => {
    const out = sh("bash", ["scripts/release/python-sdk.sh", path.join(work, "python")])
      .trim()
      .split("\n");
    [sdist, wheel] = [out[0]!, out[1]!];
  });

  test("prints the sdist and the wheel, named by the package version", () => {
    expect(path.basename(sdist)).toBe(`pulumi_cvm_secrets-${VERSION}.tar.gz`);
    expect(path.basename(wheel)).toBe(`pulumi_cvm_secrets-${VERSION}-py3-none-any.whl`);
  });

  test("the wheel: the SDK's modules, the plugin's name and version, the distribution's metadata", () => {
    const { names, members } = archive(wheel);
    const modules = names.filter((n) => n.startsWith("pulumi_cvm_secrets/"));
    expect(modules).toEqual(
      expect.arrayContaining(
        [
          "__init__.py",
          "_inputs.py",
          "_utilities.py",
          "config/__init__.py",
          "config/vars.py",
          "cvm_secrets.py",
          "outputs.py",
          "provider.py",
          "py.typed",
          "pulumi-plugin.json",
          "registry_credential.py",
        ].map((f) => `pulumi_cvm_secrets/${f}`),
      ),
    );
    expect(JSON.parse(members["pulumi_cvm_secrets/pulumi-plugin.json"]!)).toEqual(PLUGIN_JSON);
    const metadata = members[`pulumi_cvm_secrets-${VERSION}.dist-info/METADATA`]!;
    expect(metadata).toMatch(/^Name: pulumi[-_]cvm[-_]secrets$/m);
    expect(metadata).toMatch(new RegExp(`^Version: ${VERSION.replaceAll(".", "\\.")}$`, "m"));
    expect(metadata).toMatch(/^Requires-Dist: pulumi ?\(?<4\.0\.0,>=3/m);
  });

  test("the sdist: pyproject.toml at the package version, the README it names, the same modules", () => {
    const { names, members } = archive(sdist);
    const root = `pulumi_cvm_secrets-${VERSION}`;
    expect(names).toEqual(expect.arrayContaining([`${root}/README.md`, `${root}/pyproject.toml`]));
    expect(members[`${root}/pyproject.toml`]).toMatch(new RegExp(`^\\s*version = "${VERSION}"$`, "m"));
    expect(JSON.parse(members[`${root}/pulumi_cvm_secrets/pulumi-plugin.json`]!)).toEqual(PLUGIN_JSON);
    const wheelModules = archive(wheel).names.filter((n) => n.startsWith("pulumi_cvm_secrets/"));
    for (const module of wheelModules) expect(names).toContain(`${root}/${module}`);
  });
});

describe("go-sdk-tag.sh --dry-run", () => {
  const TAG = `sdk/go/v${VERSION}`;
  let repo: string;
  let head: string;
  let printed: string;
  const git = (...args: string[]) => sh("git", ["-C", repo, ...args]).trim();

  beforeAll(() => {
    repo = path.join(work, "repo");
    mkdirSync(path.join(repo, "sdk", "go"), { recursive: true });
    writeFileSync(path.join(repo, "README.md"), "the project\n");
    // A stale file where the SDK goes: the tagged tree must hold the generated SDK only.
    writeFileSync(path.join(repo, "sdk", "go", "stale.go"), "package stale\n");
    sh("git", ["init", "-q", "-b", "main", repo]);
    git("add", ".");
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "init");
    head = git("rev-parse", "HEAD");
    printed = sh("bash", ["scripts/release/go-sdk-tag.sh", "--dry-run", "--repo", repo]).trim();
  });

  test("an annotated tag sdk/go/v<version> on a commit over HEAD: HEAD's files plus exactly the SDK", () => {
    const commit = git("rev-parse", `${TAG}^{commit}`);
    expect(printed).toBe(`${TAG} ${commit}`);
    expect(git("cat-file", "-t", TAG)).toBe("tag");
    expect(git("rev-parse", `${commit}^`)).toBe(head);
    const files = git("ls-tree", "-r", "--name-only", commit).split("\n");
    expect(files).toContain("README.md");
    expect(files).not.toContain("sdk/go/stale.go");
    expect(files).toEqual(
      expect.arrayContaining(
        [
          "go.mod",
          "cvmsecrets/provider.go",
          "cvmsecrets/cvmSecrets.go",
          "cvmsecrets/registryCredential.go",
        ].map((f) => `sdk/go/${f}`),
      ),
    );
    expect(git("show", `${commit}:sdk/go/go.mod`)).toMatch(new RegExp(`^module ${GO_MODULE}\\n`));
    expect(JSON.parse(git("show", `${commit}:sdk/go/cvmsecrets/pulumi-plugin.json`))).toEqual(PLUGIN_JSON);
  });

  test("the branch, the index and the work tree are untouched", () => {
    expect(git("rev-parse", "HEAD")).toBe(head);
    expect(git("status", "--porcelain")).toBe("");
  });

  test("Go resolves the module at v<version> from the tag", () => {
    // The repository's URL answered by the scratch repository (git's insteadOf), fetched directly.
    const gitConfig = path.join(work, "gitconfig");
    writeFileSync(
      gitConfig,
      `[url "file://${repo}"]\n\tinsteadOf = https://${GO_MODULE.replace(/\/sdk\/go$/, "")}\n`,
    );
    const consumer = path.join(work, "consumer");
    mkdirSync(consumer);
    const out = sh("go", ["mod", "download", "-json", `${GO_MODULE}@v${VERSION}`], {
      cwd: consumer,
      env: {
        GIT_CONFIG_GLOBAL: gitConfig,
        GOMODCACHE: path.join(work, "gomodcache"),
        GOFLAGS: "-modcacherw",
        GOPROXY: "direct",
        GOSUMDB: "off",
        GOTOOLCHAIN: "local",
      },
    });
    const info = JSON.parse(out) as {
      Version: string;
      Origin: { Ref: string; Subdir: string; Hash: string };
    };
    expect(info.Version).toBe(`v${VERSION}`);
    expect(info.Origin).toMatchObject({
      Ref: `refs/tags/${TAG}`,
      Subdir: "sdk/go",
      Hash: git("rev-parse", `${TAG}^{commit}`),
    });
  });

  test("a second run refuses: the tag exists", () => {
    expect(() => sh("bash", ["scripts/release/go-sdk-tag.sh", "--dry-run", "--repo", repo])).toThrow(
      `tag ${TAG} exists already`,
    );
  });
});
