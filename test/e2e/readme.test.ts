/**
 * README.md as written: its quickstart program and its shell commands, taken from the README's
 * code blocks, run in a fresh Pulumi project outside the repository with the package installed
 * from `npm pack`, against the shipped emulator started by the README's own command — offline.
 *
 * What the harness adds (a user has these from `pulumi new typescript`): Pulumi.yaml,
 * package.json, the template's tsconfig.json, a stack, a passphrase and a file backend, and
 * PULUMI_SKIP_CONFIRMATIONS for the "yes" a user types at `pulumi up`. The one change to the
 * README's text: port 8787 becomes a free port, so parallel runs cannot collide.
 *
 * It runs twice: with `@pulumi/pulumi` at the floor of the package's peer range and at the
 * version the repository pins (the newest release when this was written); the engine is the
 * toolchain's CLI either way.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { codeBlocks } from "../support/markdown";
import {
  type InstalledProject,
  installedProject,
  PULUMI_NEW_TSCONFIG,
  packPackage,
  repoVersion,
} from "../support/package";
import { type PulumiWorkspace, pulumiWorkspace, REPO_ROOT, TYPECHECKED } from "../support/pulumi";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const README = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
// The quickstart's blocks, each found by what it does: the program, its config, the emulator's
// "try it offline" commands, then preview and up (the order this test runs them in).
const quickstart = codeBlocks(README).filter((b) => b.section === "Quickstart");
const program = quickstart.find((b) => b.lang === "ts")!;
const shell = quickstart.filter((b) => b.lang === "sh");
const emulatorBlock = shell.find((b) => b.text.includes("npx cvm-secrets-emulator"))!;
const configBlock = shell.find((b) => b !== emulatorBlock && b.text.includes("pulumi config set"));
const runBlock = shell.find((b) => b.text.includes("pulumi up"));
/** The placeholder values the quickstart's config commands set, verbatim. */
const PLACEHOLDERS = ["postgres://…", "sk_live_…", "ghp_…"];

/** The floor of the `@pulumi/pulumi` peer range (`^3.216.0` → 3.216.0). */
const PEER_FLOOR = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
    peerDependencies: Record<string, string>;
  }
).peerDependencies["@pulumi/pulumi"]!.replace(/^[\^~>=]+/, "");

let work: string;
let tarball: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), "cvms-readme-"));
  tarball = packPackage(work);
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test("the README has the blocks this test runs", () => {
  expect(shell).toHaveLength(3);
  expect(program.text).toContain('from "pulumi-cvm-secrets"');
  expect(configBlock?.text).toContain("pulumi config set");
  expect(runBlock?.text).toContain("pulumi up");
  expect(emulatorBlock?.text).toContain("npx cvm-secrets-emulator");
  expect(emulatorBlock.text).toContain("8787");
});

describe.each([
  ["the peer range's floor", PEER_FLOOR],
  ["the pinned (newest) release", repoVersion("@pulumi/pulumi")],
])("with @pulumi/pulumi at %s (%s)", (_label, sdkVersion) => {
  let project: InstalledProject;
  let pulumi: PulumiWorkspace;

  beforeAll(() => {
    project = installedProject(
      tarball,
      {
        "Pulumi.yaml": "name: quickstart\nruntime: nodejs\ndescription: the README quickstart\n",
        "package.json": JSON.stringify({ name: "quickstart", main: "index.ts", private: true }),
        "tsconfig.json": JSON.stringify(PULUMI_NEW_TSCONFIG, null, 4),
        "index.ts": program.text,
      },
      { "@pulumi/pulumi": sdkVersion },
    );
    pulumi = pulumiWorkspace(project.dir, TYPECHECKED);
  }, 300_000);

  afterAll(() => {
    pulumi?.dispose();
    project?.dispose();
  });

  test("the installed SDK is that version", () => {
    const installed = JSON.parse(
      readFileSync(path.join(project.dir, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8"),
    ) as { version: string };
    expect(installed.version).toBe(sdkVersion);
  });

  test("quickstart config, then the emulator commands, then preview and up: the CVM gets the env", async () => {
    await pulumi.ok(["stack", "init", "dev", "--non-interactive"]);
    const port = await freePort();
    const script = [
      "set -euo pipefail",
      configBlock!.text,
      emulatorBlock.text.replaceAll("8787", String(port)),
      runBlock!.text,
      // harness: what the seeded CVM's guest decrypted
      `node -e 'fetch("http://127.0.0.1:${port}/_emulator/cvms/demo-api/guest",` +
        `{headers:{"X-API-Key":process.env.PHALA_CLOUD_API_KEY}}).then(r=>r.text()).then(t=>console.log("GUEST "+t))'`,
    ].join("\n");
    const scriptFile = path.join(work, `readme-${sdkVersion}.sh`);
    writeFileSync(scriptFile, script);
    const result = await new Promise<{ code: number; out: string }>((resolve) => {
      // Its own process group, so the emulator the README starts in the background (npx and its
      // node child) is stopped with it.
      const child = spawn("bash", [scriptFile], {
        cwd: project.dir,
        // No terminal here to answer `pulumi up`'s "Do you want to perform this update?" with yes.
        env: { ...pulumi.env, PULUMI_SKIP_CONFIRMATIONS: "true" },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      const stopGroup = () => {
        try {
          process.kill(-child.pid!, "SIGTERM");
        } catch {
          // already gone
        }
      };
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on("data", (d: Buffer) => {
        out += d.toString();
      });
      const timer = setTimeout(stopGroup, 540_000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        stopGroup();
        setTimeout(() => resolve({ code: code ?? -1, out }), 200);
      });
    });
    if (result.code !== 0)
      throw new Error(`the README commands failed (exit ${result.code}):\n${result.out}`);
    expect(result.out).toMatch(/CvmSecrets api/);
    expect(result.out).toMatch(/\+ 4 created/); // the stack, the credential, the CvmSecrets and its OwnerKey
    const guestLine = result.out.split("\n").find((l) => l.startsWith("GUEST "))!;
    const guest = JSON.parse(guestLine.slice("GUEST ".length)) as { env: Record<string, string> };
    expect(guest.env).toEqual({
      DATABASE_URL: "postgres://…",
      STRIPE_KEY: "sk_live_…",
      DSTACK_DOCKER_REGISTRY: "ghcr.io",
      DSTACK_DOCKER_USERNAME: "acme-bot",
      DSTACK_DOCKER_PASSWORD: "ghp_…",
    });
    // Only the harness's guest line may show the values.
    const rest = result.out.replace(guestLine, "");
    for (const value of PLACEHOLDERS) expect(rest).not.toContain(value);
  }, 600_000);
});
