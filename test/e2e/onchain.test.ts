/**
 * An on-chain KMS app (kms_type `base`) on the real Pulumi engine against the strict emulator
 * (documented shapes: the CVM reports no env key, the signed key is the key): create through both
 * 465 phases, no-op, rotation (no on-chain step), adding and removing a key (465 again), adding a
 * replica (shares the compose, so no env_keys and no 465) and removing one, refresh, destroy
 * (clears without env_keys, so no 465) — and a leak scan over all of it.
 */
import { type E2eStack, e2eStack, expectNoLeak, exportState, QUIET, setSecrets } from "../support/e2e";
import { delta } from "../support/provider-harness";

const TOKENS = ["tok_e2e_onchain_first_AAAA", "tok_e2e_onchain_second_BBBB"];
const COMPOSE =
  "services:\n  api:\n    image: ghcr.io/acme/api:2\n    environment:\n      - API_TOKEN=${API_TOKEN}\n";
const TX = (n: number) => `0x${n.toString(16).padStart(2, "0").repeat(32)}`;

let s: E2eStack;
let ids: string[];
let app: string;

async function setCvms(list: string[]): Promise<void> {
  await s.cli(["config", "rm", "cvmIds"]).catch(() => undefined);
  for (const [i, id] of list.entries()) await s.cli(["config", "set", "--path", `cvmIds[${i}]`, id]);
}

async function restarts(): Promise<Record<string, number>> {
  return (await s.emu.admin.counts()).restarts;
}

async function guests(list: string[]) {
  return Promise.all(list.map((id) => s.emu.admin.guest(id)));
}

/** `pulumi up` that must stop at phase 1: returns the compose hash the error asks to register. */
async function upNeedsRegistration(): Promise<string> {
  const failed = await s.cli(["up", "--yes", ...QUIET], { allowFail: true });
  expect(failed.code).not.toBe(0);
  const text = `${failed.stdout}${failed.stderr}`;
  const hash = /Register compose hash (0x[0-9a-f]{64}) on the DstackApp contract/.exec(text)?.[1];
  expect(hash).toBeDefined();
  expect(text).not.toContain("0x0x");
  return hash as string;
}

beforeAll(async () => {
  s = await e2eStack("onchain", "dev", 150);
  const first = await s.emu.admin.createCvm({ name: "chain-a", kms: "base", docker_compose_file: COMPOSE });
  app = first.app_id;
  const second = await s.emu.admin.createCvm({ name: "chain-b", app_id: app, docker_compose_file: COMPOSE });
  ids = [first.id, second.id];
  await setCvms(ids);
  await s.cli(["config", "set", "trustedSigner", first.k256_pubkey]);
  await setSecrets(s, { apiToken: TOKENS[0] as string });
}, 120_000);

afterAll(async () => {
  await s?.dispose();
});

test("create: phase 1 names the hash and changes nothing; phase 2 finishes on every replica", async () => {
  const before = await restarts();
  const hash = await upNeedsRegistration();
  expect(delta(before, await restarts())).toEqual({});
  expect((await guests(ids)).map((g) => g.allowed_envs)).toEqual([[], []]);

  await s.cli(["config", "set", "transactionHash", TX(1)]);
  await s.cli(["up", "--yes", ...QUIET]);
  const after = await guests(ids);
  expect(after.map((g) => g.env)).toEqual([{ API_TOKEN: TOKENS[0] }, { API_TOKEN: TOKENS[0] }]);
  // Replicas share one compose: both run the registered hash.
  expect(after.map((g) => `0x${g.compose_hash}`)).toEqual([hash, hash]);
}, 300_000);

test("no-op: nothing to change, zero writes", async () => {
  await s.cli(["preview", "--expect-no-changes", ...QUIET]);
  const before = (await s.emu.admin.counts()).writes;
  await s.cli(["up", "--yes", ...QUIET]);
  expect((await s.emu.admin.counts()).writes).toBe(before);
}, 240_000);

test("rotation: values only, no on-chain step; each replica restarts once", async () => {
  await setSecrets(s, { apiToken: TOKENS[1] as string });
  const before = await restarts();
  await s.cli(["up", "--yes", ...QUIET]);
  expect(delta(before, await restarts())).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
  expect((await guests(ids)).map((g) => g.env)).toEqual([{ API_TOKEN: TOKENS[1] }, { API_TOKEN: TOKENS[1] }]);
}, 240_000);

test("adding and removing a key: each needs a registration, then applies", async () => {
  await s.cli(["config", "set", "--path", "extraEnv.FEATURE_X", "on"]);
  await upNeedsRegistration();
  await s.cli(["config", "set", "transactionHash", TX(2)]);
  await s.cli(["up", "--yes", ...QUIET]);
  for (const g of await guests(ids)) {
    expect(g.allowed_envs.sort()).toEqual(["API_TOKEN", "FEATURE_X"]);
    expect(g.env).toEqual({ API_TOKEN: TOKENS[1], FEATURE_X: "on" });
  }
  await s.cli(["config", "rm", "extraEnv"]);
  await upNeedsRegistration();
  await s.cli(["config", "set", "transactionHash", TX(3)]);
  await s.cli(["up", "--yes", ...QUIET]);
  for (const g of await guests(ids)) {
    expect(g.allowed_envs).toEqual(["API_TOKEN"]);
    expect(g.env).toEqual({ API_TOKEN: TOKENS[1] });
  }
}, 400_000);

test("adding a replica of the app: it shares the allow-list, so no 465; only it restarts", async () => {
  const third = await s.emu.admin.createCvm({ name: "chain-c", app_id: app });
  expect((await s.emu.admin.guest(third.id)).allowed_envs).toEqual(["API_TOKEN"]);
  ids.push(third.id);
  await setCvms(ids);
  const before = await restarts();
  const patches = (await s.emu.admin.counts()).requests["PATCH /cvms/{id}/envs"] ?? 0;
  await s.cli(["up", "--yes", ...QUIET]);
  expect(delta(before, await restarts())).toEqual({ [third.id]: 1 });
  expect((await s.emu.admin.counts()).requests["PATCH /cvms/{id}/envs"]).toBe(patches + 1);
  expect((await s.emu.admin.guest(third.id)).env).toEqual({ API_TOKEN: TOKENS[1] });
}, 240_000);

test("removing a replica clears its env without touching its allow-list (no 465)", async () => {
  const removed = ids.pop() as string;
  await setCvms(ids);
  const before = await restarts();
  await s.cli(["up", "--yes", ...QUIET]);
  expect(delta(before, await restarts())).toEqual({ [removed]: 1 });
  const guest = await s.emu.admin.guest(removed);
  expect(guest.env).toEqual({});
  expect(guest.allowed_envs).toEqual(["API_TOKEN"]);
}, 240_000);

test("refresh: nothing drifted, nothing to do", async () => {
  await s.cli(["refresh", "--yes", ...QUIET]);
  await s.cli(["preview", "--expect-no-changes", ...QUIET]);
}, 240_000);

test("destroy clears every replica without rewriting allowed_envs, so it finishes", async () => {
  await s.cli(["destroy", "--yes", ...QUIET]);
  for (const g of await guests(ids)) {
    expect(g.env).toEqual({});
    expect(g.allowed_envs).toEqual(["API_TOKEN"]);
  }
}, 240_000);

test("leak scan over every run", async () => {
  const state = await exportState(s);
  expectNoLeak([...s.transcript, state.text], [...TOKENS, s.emu.apiKey]);
}, 60_000);
