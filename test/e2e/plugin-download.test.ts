/**
 * The provider plugin as Pulumi fetches it from a release, offline: `npm run plugin:archives`
 * (scripts/plugin-archives.sh, cached by version outside the clone) builds the linux-amd64
 * archive; a server on 127.0.0.1 serves it at the path of a GitHub release asset
 * (`/<owner>/<repo>/releases/download/v<version>/<asset>`), and Pulumi is pointed at it the way it
 * supports mirrors: PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES, whose regular expression is matched
 * against the schema's `pluginDownloadURL` (Pulumi, sdk/go/common/workspace/plugins.go:
 * `PluginDescriptor.GetSource`, `pluginDownloadOverrideArray.get`). Automatic plugin acquisition is
 * on, the Pulumi home is fresh and PATH holds only the Pulumi CLI and the YAML language host: no
 * `node` anywhere, so the plugin runs on the runtime its archive carries.
 */
import { execFileSync } from "node:child_process";
import {
  cpSync,
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Emulator, startEmulator } from "../../emulator/index";
import { NPM_ENV, packedFiles } from "../support/package";
import { type PulumiWorkspace, pulumiWorkspace, REPO_ROOT } from "../support/pulumi";

jest.setTimeout(900_000);

const QUIET = ["--non-interactive", "--color", "never"];
const VERSION = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string }
).version;
const SCHEMA = JSON.parse(readFileSync(path.join(REPO_ROOT, "schema.json"), "utf8")) as {
  pluginDownloadURL: string;
};
const ASSET = `pulumi-resource-cvm-secrets-v${VERSION}-linux-amd64.tar.gz`;
const SECRETS = {
  databaseUrl: "postgres://app:pw-plugin-download@db.internal/prod",
  stripeKey: "sk_live_plugin_download_5150",
  ghcrToken: "ghp_plugin_download_token_5151",
};
const COMPOSE =
  "services:\n  api:\n    image: ghcr.io/acme/api:1\n    environment:\n      - DATABASE_URL=${DATABASE_URL}\n      - STRIPE_KEY=${STRIPE_KEY}\n";

let work: string;
let archive: string;
let bin: string;
let server: Server;
let base: string;
let emu: Emulator;
const requests: string[] = [];
const timings: string[] = [];

/** `owner/repo` of the schema's `github://api.github.com/<owner>/<repo>`. */
const REPO = SCHEMA.pluginDownloadURL.replace(/^github:\/\/api\.github\.com\//, "");

/** scripts/plugin-archives.sh for linux-amd64 (dist/ as built); returns the archive's path. */
function buildArchive(): string {
  const start = Date.now();
  const out = execFileSync(
    "bash",
    [path.join(REPO_ROOT, "scripts", "plugin-archives.sh"), "--platform", "linux-amd64", "--prebuilt"],
    { env: NPM_ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 840_000 },
  );
  timings.push(`plugin:archives linux-amd64 ${Date.now() - start} ms`);
  return out.trim().split("\n").pop() as string;
}

beforeAll(async () => {
  archive = buildArchive();
  expect(path.basename(archive)).toBe(ASSET);
  work = mkdtempSync(path.join(tmpdir(), "cvms-plugin-download-"));

  // The release's asset path, as github.com serves it; anything else is a 404.
  const assetPath = `/${REPO}/releases/download/v${VERSION}/${ASSET}`;
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.method !== "GET" || req.url !== assetPath) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": statSync(archive).size,
    });
    createReadStream(archive).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // PATH: the Pulumi CLI and the YAML language host, nothing else.
  bin = path.join(work, "bin");
  mkdirSync(bin);
  for (const tool of ["pulumi", "pulumi-language-yaml"]) {
    symlinkSync(realpathSync(path.join(REPO_ROOT, ".toolchain", "bin", tool)), path.join(bin, tool));
  }
  emu = await startEmulator({ restartMs: 50 });
});

afterAll(async () => {
  await emu?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (work) rmSync(work, { recursive: true, force: true });
  if (timings.length) process.stderr.write(`[plugin-download] ${timings.join("; ")}\n`);
});

test("the archive: the launcher, its Node.js runtime and the package at the root; no archive in the npm package", () => {
  const lines = execFileSync("tar", ["-tzvf", archive], { encoding: "utf8", maxBuffer: 64 << 20 })
    .trim()
    .split("\n");
  const entry = (name: string) => lines.find((l) => l.endsWith(` ./${name}`) || l.endsWith(` ${name}`));
  expect(entry("pulumi-resource-cvm-secrets")).toMatch(/^-rwx/);
  expect(entry("node/bin/node")).toMatch(/^-rwx/);
  expect(entry("node/LICENSE")).toBeDefined(); // Node.js's license travels with its binary
  expect(entry("node_modules/pulumi-cvm-secrets/dist/provider/plugin/main.js")).toBeDefined();
  expect(lines.filter((l) => l.startsWith("l"))).toEqual([]);
  // package.json `files` leaves dist/release out, or every archive would carry the earlier ones.
  expect(lines.filter((l) => l.includes("/dist/release/"))).toEqual([]);
  expect(packedFiles().filter((f) => f.startsWith("dist/release"))).toEqual([]);
});

/** A fresh Pulumi home, automatic plugin acquisition on, the release URL overridden to the server. */
function workspace(dir: string): PulumiWorkspace {
  const escaped = SCHEMA.pluginDownloadURL.replace(/[.]/g, "\\.");
  return pulumiWorkspace(dir, {
    PATH: bin,
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "false",
    PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES: `^${escaped}$=${base}/${REPO}/releases/download/v\${VERSION}`,
  });
}

async function plugins(ws: PulumiWorkspace): Promise<string[][]> {
  const listed = JSON.parse((await ws.ok(["plugin", "ls", "--json"])).stdout) as Array<
    Record<string, string>
  >;
  return listed.map((p) => [p.name!, p.kind!, p.version!]);
}

test("the YAML quickstart: Pulumi downloads the plugin by itself and the CVM gets the env", async () => {
  const dir = path.join(work, "quickstart");
  cpSync(path.join(REPO_ROOT, "examples", "yaml", "quickstart"), dir, { recursive: true });
  const ws = workspace(dir);
  try {
    expect(ws.env.PATH).toBe(bin);
    expect(readdirSync(bin).sort()).toEqual(["pulumi", "pulumi-language-yaml"]); // no node
    expect(await plugins(ws)).toEqual([]);
    const cvm = await emu.admin.createCvm({ name: "download-api", docker_compose_file: COMPOSE });
    await ws.ok(["stack", "init", "dev", ...QUIET]);
    await ws.ok(["config", "set", "cvm-secrets:apiUrl", emu.url]);
    await ws.ok(["config", "set", "--secret", "cvm-secrets:apiKey", emu.apiKey]);
    await ws.ok(["config", "set", "cvmId", cvm.id]);
    for (const [key, value] of Object.entries(SECRETS)) {
      await ws.ok(["config", "set", "--secret", key, value]);
    }
    const start = Date.now();
    const up = await ws.ok(["up", "--yes", ...QUIET]);
    timings.push(`first up with the download ${Date.now() - start} ms`);

    expect((await emu.admin.guest(cvm.id)).env).toEqual({
      DATABASE_URL: SECRETS.databaseUrl,
      STRIPE_KEY: SECRETS.stripeKey,
      DSTACK_DOCKER_REGISTRY: "ghcr.io",
      DSTACK_DOCKER_USERNAME: "acme-bot",
      DSTACK_DOCKER_PASSWORD: SECRETS.ghcrToken,
    });
    expect(requests).toEqual([`GET /${REPO}/releases/download/v${VERSION}/${ASSET}`]);
    expect(await plugins(ws)).toEqual([["cvm-secrets", "resource", VERSION]]);
    const again = await ws.ok(["up", "--yes", ...QUIET]);
    expect(again.stdout).toMatch(/4 unchanged/); // with the YAML quickstart's OwnerKey
    expect(requests).toHaveLength(1); // installed once, then used from the plugin cache
    const text = `${up.stdout}${up.stderr}${again.stdout}${again.stderr}`;
    for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);
  } finally {
    ws.dispose();
  }
});

test("pulumi plugin install resource cvm-secrets <version> --server <the schema's pluginDownloadURL>", async () => {
  const dir = path.join(work, "install");
  mkdirSync(dir);
  const ws = workspace(dir);
  try {
    requests.length = 0;
    await ws.ok([
      "plugin",
      "install",
      "resource",
      "cvm-secrets",
      VERSION,
      "--server",
      SCHEMA.pluginDownloadURL,
    ]);
    expect(requests).toEqual([`GET /${REPO}/releases/download/v${VERSION}/${ASSET}`]);
    expect(await plugins(ws)).toEqual([["cvm-secrets", "resource", VERSION]]);
    const schema = JSON.parse((await ws.ok(["package", "get-schema", "cvm-secrets"])).stdout);
    expect([schema.name, schema.version, schema.pluginDownloadURL]).toEqual([
      "cvm-secrets",
      VERSION,
      SCHEMA.pluginDownloadURL,
    ]);
  } finally {
    ws.dispose();
  }
});
