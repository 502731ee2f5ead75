/**
 * Issue 20, case 8 (the owner tag across backends), provider functions against the emulator: a
 * push's owner tag is made with the resource's owner key (an `OwnerKey`'s `key`), so
 *   - a replacement holding the key (`pulumi up --replace` keeps the OwnerKey) recognises its
 *     predecessor's push and takes over without `adopt`;
 *   - the same URN with another key (the same project, stack and names in another backend) is
 *     another party: refused without `adopt`, no write, the guest keeps its env;
 *   - a push tagged with the URN alone (no owner key: a version before owner keys, or a program
 *     that declares none) proves nothing: refused without `adopt`, naming OwnerKey; with `adopt`
 *     taken over with a warning;
 *   - `ownerKey` appearing or changing alone is no change: no write, no restart.
 * Each asserts on what the guest runs and on the writes sent.
 */
import type { Emulator } from "../../emulator/index";
import * as impl from "../../provider/cvm-secrets/index";
import { ErrorCodes } from "../../provider/errors";
import { delta, failedUp, providerLines, up, useFreshEmulator } from "../support/provider-harness";

const OURS = { API_KEY: "sk_owner_key_ours_1", DB_URL: "postgres://u:pw-ours@db/a" };
const NEXT = { API_KEY: "sk_owner_key_next_2", DB_URL: "postgres://u:pw-next@db/a" };
const THEIRS = { API_KEY: "sk_owner_key_theirs_3", DB_URL: "postgres://u:pw-theirs@db/b" };
const COMPOSE =
  "services:\n  app:\n    image: ghcr.io/acme/api:1\n    environment:\n      - API_KEY=${API_KEY}\n      - DB_URL=${DB_URL}\n";
// The same project, stack, type and name: what two backends holding one program compute.
const URN = "urn:pulumi:prod::shop::pulumi-nodejs:dynamic/cvm-secrets:CvmSecrets::api";
const KEY_A = "a1".repeat(32);
const KEY_B = "b2".repeat(32);

let emu: Emulator;
useFreshEmulator(40, (started) => {
  emu = started;
});

async function cvm(): Promise<string> {
  const made = await emu.admin.createCvm({
    name: `api-${Math.random().toString(36).slice(2, 9)}`,
    docker_compose_file: COMPOSE,
  });
  return made.id;
}

async function patches(fn: () => Promise<unknown>): Promise<number> {
  const before = (await emu.admin.counts()).requests;
  await fn();
  return delta(before, (await emu.admin.counts()).requests)["PATCH /cvms/{id}/envs"] ?? 0;
}

const args = (cvms: string[], env: Record<string, string>, ownerKey?: string, adopt?: boolean) => ({
  ownerUrn: URN,
  cvms,
  env,
  ...(ownerKey !== undefined && { ownerKey }),
  ...(adopt !== undefined && { adopt }),
});

describe("the owner tag across backends (issue 20, case 8)", () => {
  test("a replacement holding the owner key takes its predecessor's CVM over without adopt", async () => {
    const id = await cvm();
    const first = await up(undefined, args([id], OURS, KEY_A));
    // `pulumi up --replace` on a fresh runner: a new resource (no state, no journal), same key.
    const count = await patches(() => up(undefined, args([id], NEXT, KEY_A)));
    expect(count).toBe(1);
    expect((await emu.admin.guest(id)).env).toEqual(NEXT);
    expect(providerLines.some((l) => l.includes(`${id}: its env was pushed by this stack's api`))).toBe(true);
    // The replaced resource's delete leaves the replacement's env alone.
    expect(await patches(() => impl.remove(first.resource.id, first.resource.outputs))).toBe(0);
    expect((await emu.admin.guest(id)).env).toEqual(NEXT);
  });

  test("the same URN with another owner key (another backend) is refused without adopt: no write", async () => {
    const id = await cvm();
    await up(undefined, args([id], THEIRS, KEY_B));
    let err: Error & { code?: string } = new Error("none");
    const count = await patches(async () => {
      err = await failedUp(undefined, args([id], OURS, KEY_A));
    });
    expect(count).toBe(0);
    expect(err.code).toBe(ErrorCodes.INVALID_INPUT);
    expect(err.message).toContain(`cvms[0] (${id}) already carries an env`);
    expect(err.message).toContain("adopt: true");
    expect((await emu.admin.guest(id)).env).toEqual(THEIRS);
  });

  test.each([
    ["without an owner key", undefined],
    ["with an owner key", KEY_A],
  ])(
    "a push tagged with the URN alone is refused %s, naming OwnerKey; adopt takes it over",
    async (_, key) => {
      const id = await cvm();
      await up(undefined, args([id], THEIRS)); // v1: URN only
      let err: Error & { code?: string } = new Error("none");
      const count = await patches(async () => {
        err = await failedUp(undefined, args([id], OURS, key));
      });
      expect(count).toBe(0);
      expect(err.message).toContain("made without an owner key");
      expect(err.message).toContain("cvm-secrets:OwnerKey");
      expect(err.message).toContain("adopt: true");
      expect((await emu.admin.guest(id)).env).toEqual(THEIRS);
      providerLines.length = 0;
      await up(undefined, args([id], OURS, key, true));
      expect((await emu.admin.guest(id)).env).toEqual(OURS);
      expect(providerLines.some((l) => l.includes(`${id}: its latest app revision`))).toBe(true);
    },
  );

  test("ownerKey appearing (an upgrade) or changing alone is no change: no write, no restart", async () => {
    const id = await cvm();
    const before = await up(undefined, args([id], OURS));
    const restarts = (await emu.admin.counts()).requests;
    const added = await up(before.resource, args([id], OURS, KEY_A));
    expect(added.changed).toBe(false);
    const changed = await up(added.resource, args([id], OURS, KEY_B));
    expect(changed.changed).toBe(false);
    expect(delta(restarts, (await emu.admin.counts()).requests)["PATCH /cvms/{id}/envs"]).toBeUndefined();
    // Its next push carries the new key's tag: a replacement with that key recognises it.
    const rotated = await up(changed.resource, args([id], NEXT, KEY_B));
    expect(rotated.changed).toBe(true);
    expect(await patches(() => up(undefined, args([id], OURS, KEY_B)))).toBe(1);
    expect((await emu.admin.guest(id)).env).toEqual(OURS);
  });

  test("the owner key is never an output, and a malformed one is refused by check", async () => {
    const id = await cvm();
    const made = await up(undefined, args([id], OURS, KEY_A));
    expect(JSON.stringify(made.resource.outputs)).not.toContain(KEY_A);
    const bad = await up(undefined, args([id], OURS, "not-a-key"));
    expect(bad.failures?.map((f) => f.reason)).toEqual([
      "ownerKey: must be the key of a cvm-secrets OwnerKey (64 lowercase hex digits)",
    ]);
  });
});
