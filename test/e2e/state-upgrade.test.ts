/**
 * State written by an older release still loads (issue 23): a stack deployed with the package as
 * it was before provider/ was cut by role (test/fixtures/pulumi-cvm-secrets-883cff8.tgz, see the
 * README there), then run with the package built from this checkout, the way the other e2e tests
 * install it. The dynamic providers serialized into that state (`__provider`) require the
 * implementation by the module paths `pulumi-cvm-secrets/impl/{settings,cvm-secrets,
 * registry-credential}`, which the old package served through a wildcard export and this one
 * maps explicitly: the upgraded `up` is a no-op (no env write, no restart), a refresh reads with
 * the stored providers, a rotation restarts each replica once, and destroy clears the CVMs.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";
import {
  type E2eStack,
  e2eStack,
  expectNoLeak,
  exportState,
  QUIET,
  replicasOfOneApp,
  setSecrets,
} from "../support/e2e";
import { REPO_ROOT } from "../support/pulumi";

const REVISION = "883cff8";
const FIXTURE = path.join(REPO_ROOT, "test", "fixtures", `pulumi-cvm-secrets-${REVISION}.tgz`);
const PACKAGE = "pulumi-cvm-secrets";

const TOKEN = "tok_e2e_state_upgrade_AAAA";
const TOKEN2 = "tok_e2e_state_upgrade_BBBB";
const GHCR = "ghp_e2e_state_upgrade_CCCC";
/** Not a config secret: the CLI masks only those, so a leak of this one would show in clear. */
const LITERAL = "lit_e2e_state_upgrade_DDDD";
const SECRETS = [TOKEN, TOKEN2, GHCR, LITERAL];
const COMPOSE =
  "services:\n  api:\n    image: ghcr.io/acme/api:3\n    environment:\n      - API_TOKEN=${API_TOKEN}\n      - SIGNING_KEY=${SIGNING_KEY}\n";
const REGISTRY = {
  DSTACK_DOCKER_REGISTRY: "ghcr.io",
  DSTACK_DOCKER_USERNAME: "acme-bot",
  DSTACK_DOCKER_PASSWORD: GHCR,
};

/** Two replicas of one app and their pull credential, written against the old package's API. */
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets, RegistryCredential } from "${PACKAGE}";

const cfg = new pulumi.Config();

const ghcr = new RegistryCredential("ghcr", {
  type: "ghcr",
  username: "acme-bot",
  token: cfg.requireSecret("ghcrToken"),
});

const api = new CvmSecrets("api", {
  cvms: cfg.requireObject<string[]>("cvmIds"),
  env: { API_TOKEN: cfg.requireSecret("apiToken"), SIGNING_KEY: pulumi.secret("${LITERAL}") },
  registry: ghcr,
  rollout: { maxUnavailable: 1 },
});

export const envKeys = api.envKeys;
`;

const FILES = {
  "Pulumi.yaml": "name: state-upgrade\nruntime: nodejs\ndescription: state written by an older release\n",
  "package.json": JSON.stringify({ name: "state-upgrade", private: true, main: "index.ts" }),
  "tsconfig.json": JSON.stringify({
    compilerOptions: {
      strict: true,
      target: "ES2022",
      module: "commonjs",
      moduleResolution: "node",
      esModuleInterop: true,
    },
  }),
  "index.ts": PROGRAM,
};

const ENV_WRITE = "PATCH /cvms/{id}/envs";

let s: E2eStack;
let ids: string[];
/** Every state exported along the way, for the leak scan. */
const states: string[] = [];

/**
 * The project's node_modules as a directory of links to the repository's, except this package:
 * the old release, unpacked from the fixture tarball (what `npm install <tarball>` puts there;
 * its dependencies are at the same versions as this checkout's).
 */
function installOldPackage(dir: string): void {
  const modules = path.join(dir, "node_modules");
  rmSync(modules, { recursive: true, force: true });
  mkdirSync(modules);
  for (const entry of readdirSync(path.join(REPO_ROOT, "node_modules"))) {
    if (entry === PACKAGE) continue;
    symlinkSync(path.join(REPO_ROOT, "node_modules", entry), path.join(modules, entry));
  }
  const target = path.join(modules, PACKAGE);
  mkdirSync(target);
  execFileSync("tar", ["-xzf", FIXTURE, "-C", target, "--strip-components=1"]);
}

/** The project back on the repository's node_modules, whose `pulumi-cvm-secrets` is this checkout. */
function installThisCheckout(dir: string): void {
  const modules = path.join(dir, "node_modules");
  rmSync(modules, { recursive: true, force: true });
  symlinkSync(path.join(REPO_ROOT, "node_modules"), modules, "dir");
}

/** Where the project's `require("pulumi-cvm-secrets/impl/cvm-secrets")` lands. */
function resolvedImpl(dir: string): string {
  return execFileSync(
    process.execPath,
    ["-p", `require.resolve("${PACKAGE}/impl/cvm-secrets", { paths: [process.cwd()] })`],
    { cwd: dir, encoding: "utf8" },
  ).trim();
}

async function counts(): Promise<{ envWrites: number; writes: number; restarts: Record<string, number> }> {
  const c = await s.emu.admin.counts();
  return { envWrites: c.requests[ENV_WRITE] ?? 0, writes: c.writes, restarts: c.restarts };
}

async function providers(): Promise<string[]> {
  const state = await exportState(s);
  states.push(state.text);
  return state.resources
    .filter((r) => String(r.type).startsWith("pulumi-nodejs:dynamic/"))
    .map((r) => String((r.outputs as Record<string, unknown>).__provider));
}

beforeAll(async () => {
  s = await e2eStack(FILES, "dev", 150);
  installOldPackage(s.dir);
  ids = await replicasOfOneApp(s.emu, ["upgrade-a", "upgrade-b"], COMPOSE);
  for (const [i, id] of ids.entries()) await s.cli(["config", "set", "--path", `cvmIds[${i}]`, id]);
  await setSecrets(s, { apiToken: TOKEN, ghcrToken: GHCR });
}, 180_000);

afterAll(async () => {
  await s?.dispose();
});

test("the old release deploys two replicas and a registry credential", async () => {
  // The project really runs the old package: its wildcard export, its pre-move file layout.
  const pkg = JSON.parse(readFileSync(path.join(s.dir, "node_modules", PACKAGE, "package.json"), "utf8"));
  expect(pkg.exports["./impl/*"]).toBe("./dist/provider/impl/*.js");
  expect(resolvedImpl(s.dir)).toBe(
    path.join(s.dir, "node_modules", PACKAGE, "dist", "provider", "impl", "cvm-secrets.js"),
  );

  const up = await s.cli(["up", "--yes", ...QUIET]);
  expect(up.stdout).toMatch(/\+ 3 created/);
  for (const id of ids) {
    expect((await s.emu.admin.guest(id)).env).toEqual({
      API_TOKEN: TOKEN,
      SIGNING_KEY: LITERAL,
      ...REGISTRY,
    });
  }
  const stored = await providers();
  expect(stored).toHaveLength(2);
  expect(stored.join("\n")).toContain(`${PACKAGE}/impl/cvm-secrets`);
  expect(stored.join("\n")).toContain(`${PACKAGE}/impl/registry-credential`);
}, 240_000);

test("with this checkout: up adds the CvmSecrets' OwnerKey and changes nothing else: no env write, no restart", async () => {
  installThisCheckout(s.dir);
  expect(resolvedImpl(s.dir)).toBe(
    path.join(REPO_ROOT, "dist", "provider", "dynamic", "cvm-secrets-impl.js"),
  );

  const before = await counts();
  const preview = await s.cli(["preview", ...QUIET]);
  expect(preview.stdout).toMatch(/\+ 1 to create/);
  expect(preview.stdout).toMatch(/3 unchanged/);
  const up = await s.cli(["up", "--yes", ...QUIET]);
  expect(up.stdout).toMatch(/\+ 1 created/);
  expect(up.stdout).toMatch(/3 unchanged/);
  const after = await counts();
  expect(after.envWrites).toBe(before.envWrites);
  expect(after.writes).toBe(before.writes);
  expect(after.restarts).toEqual(before.restarts);
  // The OwnerKey's provider is stored by its own stable module path; the CvmSecrets now has its key.
  expect((await providers()).join("\n")).toContain(`${PACKAGE}/impl/owner-key`);
  await s.cli(["preview", "--expect-no-changes", ...QUIET]);
}, 240_000);

test("refresh reads through the providers stored by the old release: nothing changes", async () => {
  const before = await counts();
  await s.cli(["refresh", "--yes", "--expect-no-changes", ...QUIET]);
  await s.cli(["preview", "--expect-no-changes", ...QUIET]);
  expect(await counts()).toEqual(before);
}, 240_000);

test("a rotation restarts each replica once", async () => {
  await setSecrets(s, { apiToken: TOKEN2 });
  const before = await counts();
  const up = await s.cli(["up", "--yes", ...QUIET]);
  expect(up.stdout).toMatch(/~ 1 updated/);
  expect(await providers()).toHaveLength(3);
  const after = await counts();
  expect(after.envWrites - before.envWrites).toBe(2);
  for (const id of ids) {
    expect((after.restarts[id] ?? 0) - (before.restarts[id] ?? 0)).toBe(1);
    expect((await s.emu.admin.guest(id)).env).toEqual({
      API_TOKEN: TOKEN2,
      SIGNING_KEY: LITERAL,
      ...REGISTRY,
    });
  }
}, 240_000);

test("destroy clears the env on both CVMs", async () => {
  await s.cli(["destroy", "--yes", ...QUIET]);
  for (const id of ids) expect((await s.emu.admin.guest(id)).env).toEqual({});
  expect((await exportState(s)).resources).toHaveLength(0);
}, 240_000);

test("leak scan: state, every CLI output and the emulator log hold no secret", async () => {
  const state = await exportState(s);
  expectNoLeak([...s.transcript, ...states, state.text], [...SECRETS, s.emu.apiKey]);
}, 60_000);
