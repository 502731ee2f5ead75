/**
 * The npm publish, rehearsed: the package packed by scripts/release/npm-pack.sh and published by
 * scripts/release/npm-publish.sh (provenance off: it needs a CI's identity token) to a local npm
 * registry on 127.0.0.1 (test/support/npm-registry.ts). Then, in a fresh TypeScript project
 * outside the repository, the install line of the README runs verbatim — the registry given only
 * through npm's own configuration (`npm_config_registry`) — and the quickstart program
 * (examples/quickstart) runs `pulumi up` against the emulator: the CVM's guest gets the env.
 *
 * Times (2 shared cores): verdaccio's first install into the cache about 35 s; the rest of the
 * file about 2 minutes, most of it `npm install` proxied through the local registry.
 */
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmulator } from "../../emulator/index";
import { execOrThrow } from "../support/exec";
import { type NpmRegistry, startNpmRegistry } from "../support/npm-registry";
import { NPM_ENV, PULUMI_NEW_TSCONFIG, repoVersion } from "../support/package";
import { pulumiWorkspace, REPO_ROOT } from "../support/pulumi";

const NAME = "pulumi-cvm-secrets";
const VERSION = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string }
).version;

/**
 * The install-by-name line users are told to run: the first `npm install pulumi-cvm-secrets…`
 * in README.md, else in docs/ (where the README's sections may move).
 */
function installLine(): string {
  const docs = path.join(REPO_ROOT, "docs");
  const pages = [
    path.join(REPO_ROOT, "README.md"),
    ...(existsSync(docs)
      ? readdirSync(docs, { recursive: true, encoding: "utf8" })
          .filter((f) => f.endsWith(".md"))
          .sort()
          .map((f) => path.join(docs, f))
      : []),
  ];
  for (const page of pages) {
    const match = /(?:^|`)(npm (?:install|i) pulumi-cvm-secrets(?:@[\w.^~-]+)?)(?=[\s`]|$)/m.exec(
      readFileSync(page, "utf8"),
    );
    if (match) return match[1]!.trim();
  }
  throw new Error("neither README.md nor docs/ has an `npm install pulumi-cvm-secrets` line");
}

/** `sha512-<base64>`, npm's integrity of a file. */
const integrity = (file: string) =>
  `sha512-${createHash("sha512").update(readFileSync(file)).digest("base64")}`;

/**
 * The environment commands run with: NPM_ENV less the npm configuration the test runner inherited
 * from an npm that started it (`npm test` and `npx` export theirs as npm_config_*, e.g.
 * omit_lockfile_registry_resolved), plus `env`.
 */
function runEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const own = Object.keys(NPM_ENV).filter((k) => /^npm_/i.test(k) && NPM_ENV[k] !== process.env[k]);
  const inherited = Object.keys(process.env).filter((k) => /^npm_/i.test(k) && !own.includes(k));
  return { ...NPM_ENV, ...Object.fromEntries(inherited.map((k) => [k, undefined])), ...env };
}

const run = (cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  execOrThrow(cmd, args, { cwd: options.cwd ?? REPO_ROOT, env: runEnv(options.env), timeoutMs: 400_000 });

/** A compose that reads the quickstart's keys (as the CVM of suites/quickstart.ts). */
const COMPOSE =
  "services:\n  api:\n    image: ghcr.io/acme/api:1.4.2\n    environment:\n      - DATABASE_URL=${DATABASE_URL}\n      - STRIPE_KEY=${STRIPE_KEY}\n";

const lastLine = (out: string) => out.trim().split("\n").pop()!;

let work: string;
let registry: NpmRegistry;
let tarball: string;
/** npm's configuration for a user of the registry: its address, and no user config of ours. */
let userEnv: NodeJS.ProcessEnv;
const timings: Record<string, number> = {};

async function timed<T>(label: string, f: () => T | Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    return await f();
  } finally {
    timings[label] = Date.now() - start;
  }
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), "cvms-npm-publish-"));
  registry = await timed("registry start (with verdaccio install if cold)", () =>
    startNpmRegistry(work, NAME),
  );
  timings["verdaccio install"] = registry.installMs;
  const emptyConfig = path.join(work, "user.npmrc");
  writeFileSync(emptyConfig, "");
  userEnv = { npm_config_registry: registry.url, npm_config_userconfig: emptyConfig };
  tarball = lastLine(run("bash", ["scripts/release/npm-pack.sh", path.join(work, "pack")]));
  await timed("npm publish", () =>
    run("bash", ["scripts/release/npm-publish.sh", "--no-provenance", tarball], {
      env: { npm_config_userconfig: registry.publisherConfig },
    }),
  );
}, 900_000);

afterAll(async () => {
  await registry?.close();
  if (work) rmSync(work, { recursive: true, force: true });
  console.log(
    `npm publish rehearsal timings (ms): ${Object.entries(timings)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  );
});

test("the registry serves the published version as latest, with the packed tarball's bytes", async () => {
  const doc = (await (await fetch(`${registry.url}${NAME}`)).json()) as {
    "dist-tags": Record<string, string>;
    versions: Record<string, { dist: { integrity: string; tarball: string } }>;
  };
  expect(doc["dist-tags"]).toEqual({ latest: VERSION });
  expect(Object.keys(doc.versions)).toEqual([VERSION]);
  const dist = doc.versions[VERSION]!.dist;
  expect(dist.integrity).toBe(integrity(tarball));
  const served = Buffer.from(await (await fetch(dist.tarball)).arrayBuffer());
  expect(createHash("sha256").update(served).digest("hex")).toBe(
    createHash("sha256").update(readFileSync(tarball)).digest("hex"),
  );
});

test("npm-publish.sh refuses a tarball whose manifest is another version, and publishes nothing", async () => {
  const unpacked = path.join(work, "other");
  mkdirSync(unpacked);
  run("tar", ["-xzf", tarball, "-C", unpacked]);
  const manifest = path.join(unpacked, "package", "package.json");
  const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { version: string };
  writeFileSync(manifest, JSON.stringify({ ...pkg, version: "9.9.9" }));
  const other = path.join(work, "other.tgz");
  run("tar", ["-czf", other, "-C", unpacked, "package"]);
  expect(() =>
    run("bash", ["scripts/release/npm-publish.sh", "--no-provenance", other], {
      env: { npm_config_userconfig: registry.publisherConfig },
    }),
  ).toThrow(`holds version 9.9.9, package.json says ${VERSION}`);
  const doc = (await (await fetch(`${registry.url}${NAME}`)).json()) as { versions: Record<string, unknown> };
  expect(Object.keys(doc.versions)).toEqual([VERSION]);
});

test("a fresh TypeScript project: the README's install line verbatim, then the quickstart's `pulumi up` against the emulator", async () => {
  const line = installLine();
  expect(line).toMatch(/^npm (install|i) pulumi-cvm-secrets(@\S+)?$/);
  const dir = path.join(work, "project");
  mkdirSync(dir);
  for (const file of ["Pulumi.yaml", "index.ts"]) {
    cpSync(path.join(REPO_ROOT, "examples", "quickstart", file), path.join(dir, file));
  }
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "quickstart", main: "index.ts", private: true }),
  );
  writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(PULUMI_NEW_TSCONFIG, null, 4));
  // What `pulumi new typescript` installs, through the same registry.
  await timed("npm install of the template's packages", () =>
    run(
      "npm",
      ["install", ...["@pulumi/pulumi", "typescript", "@types/node"].map((n) => `${n}@${repoVersion(n)}`)],
      { cwd: dir, env: userEnv },
    ),
  );
  await timed("the README's install line", () => run("bash", ["-c", line], { cwd: dir, env: userEnv }));

  // The package came by name from the local registry, and is the tarball that was packed.
  const lock = JSON.parse(readFileSync(path.join(dir, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version: string; resolved: string; integrity: string }>;
  };
  expect(lock.packages[`node_modules/${NAME}`]).toMatchObject({
    version: VERSION,
    resolved: `${registry.url}${NAME}/-/${NAME}-${VERSION}.tgz`,
    integrity: integrity(tarball),
  });
  const deps = (
    JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    }
  ).dependencies;
  // saved as npm saves a version it resolved (`^x.y.z`), or as the line pinned it
  expect([`^${VERSION}`, `~${VERSION}`, VERSION]).toContain(deps[NAME]);

  const emu = await startEmulator({ restartMs: 50 });
  const pulumi = pulumiWorkspace(dir);
  try {
    const cvm = (await emu.admin.createCvm({ name: "rehearsal-api", docker_compose_file: COMPOSE })).id;
    const config: Array<[string, string, boolean]> = [
      ["cvmId", cvm, false],
      ["cvm-secrets:apiUrl", emu.url, false],
      ["cvm-secrets:apiKey", emu.apiKey, true],
      ["databaseUrl", "postgres://app:pw-npm-rehearsal@db/prod", true],
      ["stripeKey", "sk_live_npm_rehearsal", true],
      ["ghcrToken", "ghp_npm_rehearsal", true],
    ];
    await pulumi.ok(["stack", "init", "dev", "--non-interactive"]);
    for (const [key, value, secret] of config) {
      await pulumi.ok(["config", "set", ...(secret ? ["--secret"] : []), key, value]);
    }
    const up = await timed("pulumi up", () =>
      pulumi.ok(["up", "--yes", "--non-interactive", "--color", "never"]),
    );
    expect(up.stdout).toMatch(/\+ 4 created/); // the stack, the credential, the CvmSecrets and its OwnerKey
    expect((await emu.admin.guest(cvm)).env).toEqual({
      DATABASE_URL: "postgres://app:pw-npm-rehearsal@db/prod",
      STRIPE_KEY: "sk_live_npm_rehearsal",
      DSTACK_DOCKER_REGISTRY: "ghcr.io",
      DSTACK_DOCKER_USERNAME: "acme-bot",
      DSTACK_DOCKER_PASSWORD: "ghp_npm_rehearsal",
    });
    await pulumi.ok(["destroy", "--yes", "--non-interactive"]);
  } finally {
    pulumi.dispose();
    await emu.close();
  }
}, 900_000);
