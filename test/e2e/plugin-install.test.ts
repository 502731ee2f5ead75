/**
 * The provider plugin as a user installs it, from tarballs: `npm pack` of this package, then
 * scripts/plugin-pack.sh (`npm run plugin:pack`) makes the plugin tarball. Each of the three ways
 * the engine can find the plugin — `pulumi plugin install resource cvm-secrets <v> --file`, a
 * `plugins: providers:` entry in Pulumi.yaml, and PATH — runs a Pulumi YAML program against the
 * emulator in a fresh Pulumi home, with neither the repository's bin/ nor its node_modules
 * reachable; `pulumi package get-schema` returns the package schema.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Emulator, startEmulator } from "../../emulator/index";
import { NPM_ENV, packPackage, repoVersion } from "../support/package";
import { type PulumiWorkspace, pulumiWorkspace, REPO_ROOT } from "../support/pulumi";

jest.setTimeout(300_000);

const QUIET = ["--non-interactive", "--color", "never"];
const VERSION = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string }
).version;
const TOKEN = "tok_plugin_install_e2e_7c41";
// Only the toolchain (pulumi, the YAML host), Node 24 and the system's tools: no repository bin/.
const PATH_WITHOUT_PLUGIN = [
  path.join(REPO_ROOT, ".toolchain", "bin"),
  path.join(REPO_ROOT, "node_modules", ".bin"),
  "/usr/bin",
  "/bin",
].join(path.delimiter);
const COMPOSE =
  "services:\n  api:\n    image: ghcr.io/acme/api:1\n    environment:\n      - API_TOKEN=${API_TOKEN}\n";
const AMBIENT_WARNING = /using pulumi-resource-cvm-secrets from \$PATH/;

const program = (plugins = ""): string => `name: plugin-install
runtime: yaml
${plugins}config:
  cvmId:
    type: string
  token:
    type: string
    secret: true
resources:
  api:
    type: cvm-secrets:CvmSecrets
    properties:
      cvms:
        - \${cvmId}
      env:
        API_TOKEN: \${token}
outputs:
  envKeys: \${api.envKeys}
`;

let work: string;
let pluginTarball: string;
let emu: Emulator;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), "cvms-plugin-install-"));
  const pkg = packPackage(work);
  const out = execFileSync(
    "bash",
    [path.join(REPO_ROOT, "scripts", "plugin-pack.sh"), "--package", pkg, "--out", work],
    {
      env: NPM_ENV,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 240_000,
    },
  );
  pluginTarball = out.trim().split("\n").pop() as string;
  emu = await startEmulator({ restartMs: 50 });
});

afterAll(async () => {
  await emu?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A program directory outside the repository (no node_modules) and a fresh Pulumi home. */
function project(name: string, yaml: string, env: NodeJS.ProcessEnv = {}): PulumiWorkspace {
  const dir = path.join(work, name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, "Pulumi.yaml"), yaml);
  return pulumiWorkspace(dir, { PATH: PATH_WITHOUT_PLUGIN, ...env });
}

function extract(into: string): string {
  mkdirSync(into, { recursive: true });
  execFileSync("tar", ["-xzf", pluginTarball, "-C", into]);
  return into;
}

/** stack init, config, `up`: the CVM decrypts the env; returns everything the CLI printed. */
async function upOnNewCvm(ws: PulumiWorkspace, cvmName: string): Promise<string> {
  const cvm = await emu.admin.createCvm({ name: cvmName, docker_compose_file: COMPOSE });
  await ws.ok(["stack", "init", "dev", ...QUIET]);
  await ws.ok(["config", "set", "cvm-secrets:apiUrl", emu.url]);
  await ws.ok(["config", "set", "--secret", "cvm-secrets:apiKey", emu.apiKey]);
  await ws.ok(["config", "set", "cvmId", cvm.id]);
  await ws.ok(["config", "set", "--secret", "token", TOKEN]);
  const up = await ws.ok(["up", "--yes", ...QUIET]);
  expect((await emu.admin.guest(cvm.id)).env).toEqual({ API_TOKEN: TOKEN });
  const again = await ws.ok(["up", "--yes", ...QUIET]);
  expect(again.stdout).toMatch(/2 unchanged/);
  const text = `${up.stdout}${up.stderr}${again.stdout}${again.stderr}`;
  expect(text).not.toContain(TOKEN);
  return text;
}

test("the plugin tarball: the executable at the root, the package and its dependencies beside it", () => {
  expect(path.basename(pluginTarball)).toBe(`pulumi-resource-cvm-secrets-v${VERSION}.tgz`);
  const listing = execFileSync("tar", ["-tzvf", pluginTarball], { encoding: "utf8", maxBuffer: 64 << 20 });
  const lines = listing.trim().split("\n");
  const entry = (name: string) => lines.find((l) => l.endsWith(` ${name}`) || l.endsWith(` ./${name}`));
  expect(entry("pulumi-resource-cvm-secrets")).toMatch(/^-rwx/);
  for (const file of [
    "node_modules/pulumi-cvm-secrets/bin/pulumi-resource-cvm-secrets",
    "node_modules/pulumi-cvm-secrets/dist/provider/plugin/main.js",
    "node_modules/pulumi-cvm-secrets/schema.json",
    "node_modules/@pulumi/pulumi/package.json",
  ]) {
    expect({ file, found: entry(file) !== undefined }).toEqual({ file, found: true });
  }
  expect(lines.filter((l) => l.startsWith("l"))).toEqual([]); // no symlinks to extract
  expect(lines.filter((l) => l.endsWith(".node"))).toEqual([]); // no native addons: any OS, any CPU
  const dir = extract(path.join(work, "inspect"));
  const sdk = JSON.parse(readFileSync(path.join(dir, "node_modules/@pulumi/pulumi/package.json"), "utf8"));
  expect(sdk.version).toBe(repoVersion("@pulumi/pulumi"));
});

test("pulumi plugin install --file: the engine finds it in the plugin cache; get-schema returns the schema", async () => {
  const ws = project("installed", program());
  await ws.ok(["plugin", "install", "resource", "cvm-secrets", VERSION, "--file", pluginTarball]);
  const listed = JSON.parse((await ws.ok(["plugin", "ls", "--json"])).stdout) as Array<
    Record<string, unknown>
  >;
  expect(listed.map((p) => [p.name, p.kind, p.version])).toEqual([["cvm-secrets", "resource", VERSION]]);

  const schema = JSON.parse((await ws.ok(["package", "get-schema", "cvm-secrets"])).stdout);
  const shipped = JSON.parse(readFileSync(path.join(REPO_ROOT, "schema.json"), "utf8"));
  // The CLI prints the schema as it parsed it (empty lists dropped), so compare what it declares.
  expect(schema.name).toBe("cvm-secrets");
  expect(schema.version).toBe(VERSION);
  expect(Object.keys(schema.resources).sort()).toEqual([
    "cvm-secrets:index:CvmSecrets",
    "cvm-secrets:index:OwnerKey",
    "cvm-secrets:index:RegistryCredential",
  ]);
  const keys = (o: object | undefined) => Object.keys(o ?? {}).sort();
  for (const [type, resource] of Object.entries(
    shipped.resources as Record<string, Record<string, object>>,
  )) {
    expect(keys(schema.resources[type].inputProperties)).toEqual(keys(resource.inputProperties));
    expect(keys(schema.resources[type].properties)).toEqual(keys(resource.properties));
  }
  expect(keys(schema.types)).toEqual(keys(shipped.types));
  expect(keys(schema.config.variables)).toEqual(keys(shipped.config.variables));
  expect(schema.config.variables.apiKey.secret).toBe(true);
  expect(schema.provider.inputProperties.apiKey.secret).toBe(true);

  const text = await upOnNewCvm(ws, "installed-api");
  expect(text).not.toMatch(AMBIENT_WARNING);
  ws.dispose();
});

test("a `plugins: providers:` entry in Pulumi.yaml: the plugin directory next to the program", async () => {
  const yaml = program(
    "plugins:\n  providers:\n    - name: cvm-secrets\n      path: ./plugins/cvm-secrets\n",
  );
  const ws = project("project-plugin", yaml);
  extract(path.join(ws.dir, "plugins", "cvm-secrets"));
  const listed = JSON.parse((await ws.ok(["plugin", "ls", "--json"])).stdout) as unknown[];
  expect(listed).toEqual([]); // nothing installed in this home
  const text = await upOnNewCvm(ws, "project-plugin-api");
  expect(text).not.toMatch(AMBIENT_WARNING);
  // get-schema also takes the executable's path.
  const schema = JSON.parse(
    (await ws.ok(["package", "get-schema", "./plugins/cvm-secrets/pulumi-resource-cvm-secrets"])).stdout,
  );
  expect(schema.name).toBe("cvm-secrets");
  ws.dispose();
});

test("PATH: the extracted plugin directory on PATH (Pulumi warns that it uses it)", async () => {
  const dir = extract(path.join(work, "on-path"));
  const ws = project("path-plugin", program(), { PATH: `${dir}${path.delimiter}${PATH_WITHOUT_PLUGIN}` });
  const text = await upOnNewCvm(ws, "path-plugin-api");
  expect(text).toMatch(AMBIENT_WARNING);
  ws.dispose();
});

test("without the plugin anywhere, the engine says which plugin is missing", async () => {
  const ws = project("no-plugin", program());
  await ws.ok(["stack", "init", "dev", ...QUIET]);
  await ws.ok(["config", "set", "cvmId", "x"]);
  await ws.ok(["config", "set", "--secret", "token", TOKEN]);
  const preview = await ws.run(["preview", ...QUIET]);
  expect(preview.code).not.toBe(0);
  expect(`${preview.stdout}${preview.stderr}`).toMatch(/cvm-secrets/);
  ws.dispose();
});
