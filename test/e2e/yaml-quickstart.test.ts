/**
 * examples/yaml/quickstart — the README quickstart in Pulumi YAML — on the real engine, the real
 * YAML language host and the provider plugin, against the emulator: first up (what the CVM
 * decrypted), a no-op second up, a rotation with a reviewable preview, destroy, and a leak scan.
 */
import { type E2eStack, e2eStack, expectNoLeak, exportState, QUIET, setSecrets } from "../support/e2e";

const DB = "postgres://app:pw-yaml-quickstart@db.internal/prod";
const STRIPE = "sk_live_yaml_quickstart_1111";
const STRIPE2 = "sk_live_yaml_quickstart_2222";
const GHCR = "ghp_yaml_quickstart_token_3333";
const REGISTRY = {
  DSTACK_DOCKER_REGISTRY: "ghcr.io",
  DSTACK_DOCKER_USERNAME: "acme-bot",
  DSTACK_DOCKER_PASSWORD: GHCR,
};
const COMPOSE =
  "services:\n  api:\n    image: ghcr.io/acme/api:1.4.2\n    environment:\n      - DATABASE_URL=${DATABASE_URL}\n      - STRIPE_KEY=${STRIPE_KEY}\n";

let s: E2eStack;
let cvm: string;

beforeAll(async () => {
  s = await e2eStack("yaml/quickstart", "dev", 150, "plugin");
  cvm = (await s.emu.admin.createCvm({ name: "yaml-api", docker_compose_file: COMPOSE })).id;
  await s.cli(["config", "set", "cvmId", "yaml-api"]); // by name, as typed
  await setSecrets(s, { databaseUrl: DB, stripeKey: STRIPE, ghcrToken: GHCR });
}, 120_000);

afterAll(async () => {
  await s?.dispose();
});

const writes = async (): Promise<number> => (await s.emu.admin.counts()).writes;

test("first up: the plugin's resources, the guest sees exactly the env, outputs are right", async () => {
  const up = await s.cli(["up", "--yes", ...QUIET]);
  expect(up.stdout).toMatch(/\+ 3 created/);
  expect(up.stdout).toContain(`CvmSecrets api: ${cvm}: running again after`);
  const state = await exportState(s);
  expect(state.resources.map((r) => r.type).sort()).toEqual([
    "cvm-secrets:index:CvmSecrets",
    "cvm-secrets:index:RegistryCredential",
    "pulumi:providers:cvm-secrets",
    "pulumi:pulumi:Stack",
  ]);
  expect((await s.emu.admin.guest(cvm)).env).toEqual({ DATABASE_URL: DB, STRIPE_KEY: STRIPE, ...REGISTRY });
  const outputs = JSON.parse((await s.cli(["stack", "output", "--json"])).stdout);
  expect(outputs.envKeys).toEqual([
    "DATABASE_URL",
    "DSTACK_DOCKER_PASSWORD",
    "DSTACK_DOCKER_REGISTRY",
    "DSTACK_DOCKER_USERNAME",
    "STRIPE_KEY",
  ]);
  expect(outputs.lastRollout.restarted).toEqual([cvm]);
  expect(Object.keys(outputs.fingerprints)).toEqual(outputs.envKeys);
}, 240_000);

test("second up and preview --expect-no-changes: nothing happens, zero writes, zero restarts", async () => {
  const before = await writes();
  const restarts = (await s.emu.admin.counts()).restarts[cvm];
  await s.cli(["preview", "--expect-no-changes", ...QUIET]);
  const again = await s.cli(["up", "--yes", ...QUIET]);
  expect(again.stdout).toMatch(/3 unchanged/);
  expect(again.stdout).not.toMatch(/updated/);
  expect(await writes()).toBe(before);
  expect((await s.emu.admin.counts()).restarts[cvm]).toBe(restarts);
}, 240_000);

test("rotate one secret: preview --diff names the key and the restart, up applies it", async () => {
  await setSecrets(s, { stripeKey: STRIPE2 });
  const before = await writes();
  const diff = await s.cli(["preview", "--diff", ...QUIET]);
  expect(diff.stdout).toMatch(/~\s+STRIPE_KEY\s*:\s*"fp-[0-9a-f]{16}" => "fp-[0-9a-f]{16}"/);
  expect(diff.stdout).not.toMatch(/~\s+DATABASE_URL\s*:/);
  expect(`${diff.stdout}${diff.stderr}`).toContain(
    "CvmSecrets api: 1 CVM restarts: keys changed: STRIPE_KEY (yaml-api)",
  );
  expect(await writes()).toBe(before); // previews never write
  const up = await s.cli(["up", "--yes", ...QUIET]);
  expect(up.stdout).toMatch(/~ 1 updated/);
  expect((await s.emu.admin.guest(cvm)).env).toEqual({ DATABASE_URL: DB, STRIPE_KEY: STRIPE2, ...REGISTRY });
  expect((await writes()) - before).toBe(1);
}, 240_000);

test("destroy clears the env on the CVM", async () => {
  await s.cli(["destroy", "--yes", ...QUIET]);
  expect((await s.emu.admin.guest(cvm)).env).toEqual({});
  expect((await exportState(s)).resources).toHaveLength(0);
}, 240_000);

test("leak scan: state, every CLI output and the emulator log hold no secret", async () => {
  const state = await exportState(s);
  expectNoLeak([...s.transcript, state.text], [DB, STRIPE, STRIPE2, GHCR, s.emu.apiKey]);
}, 60_000);
