/**
 * The CvmSecrets provider against the emulator (issue 4): guest view equals the env, one PATCH
 * per target, rolling waves, no-op means zero writes, replicas, faults with truthful partial
 * state, key pinning, on-chain KMS (signed key, wrong signer, 465 and phase 2), delete, refresh.
 * Every error message is scanned for the secret values used.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { type Emulator, startEmulator } from "../../emulator/index";
import { envDigest, legacyFingerprint, nextFingerprint } from "../../provider/core/fingerprint";
import * as impl from "../../provider/cvm-secrets/index";
import { ErrorCodes } from "../../provider/errors";
import { configure } from "../../provider/runtime/settings";
import { hostileProxy } from "../support/hostile-proxy";
import {
  delta,
  failedUp,
  maxConcurrentRestarts,
  providerLines,
  type Resource,
  up,
  useEmulator,
} from "../support/provider-harness";

const SECRETS = { API_KEY: "sk_live_provider_test_1", DB_URL: "postgres://u:pw-provider-2@db/prod" };
const ROTATED = "sk_live_rotated_value_3";
const ALL_SECRETS = [...Object.values(SECRETS), ROTATED];
const COMPOSE =
  "services:\n  app:\n    image: ghcr.io/acme/api:1\n    environment:\n      - API_KEY=${API_KEY}\n      - DB_URL=${DB_URL}\n      - EXTRA=${EXTRA:-none}\n";

let emu: Emulator;

beforeEach(async () => {
  emu = await startEmulator({ restartMs: 60 });
  useEmulator(emu);
});
afterEach(async () => {
  await emu.close();
});

function scan(text: string): void {
  for (const s of ALL_SECRETS) expect(text).not.toContain(s);
}

async function cvms(n: number, app?: string, kms?: "phala" | "ethereum" | "base"): Promise<string[]> {
  const ids: string[] = [];
  let appId = app;
  for (let i = 0; i < n; i++) {
    const cvm = await emu.admin.createCvm({
      name: `api-${i}-${Math.random().toString(36).slice(2, 7)}`,
      app_id: appId,
      kms,
      docker_compose_file: COMPOSE,
    });
    appId = cvm.app_id;
    ids.push(cvm.id);
  }
  return ids;
}

async function counts() {
  return (await emu.admin.counts()).requests;
}

describe("CvmSecrets provider on the emulator", () => {
  test("create: the guest sees exactly the env; outputs are right; then a no-op makes no request", async () => {
    const [cvm] = await cvms(1);
    const before = await counts();
    const { resource } = await up(undefined, { cvms: [cvm], env: SECRETS });
    const created = delta(before, await counts());
    expect(created["PATCH /cvms/{id}/envs"]).toBe(1);
    const guest = await emu.admin.guest(cvm as string);
    expect(guest.env).toEqual(SECRETS);
    expect(guest.allowed_envs.sort()).toEqual(["API_KEY", "DB_URL"]);
    expect(resource.outputs.envKeys).toEqual(["API_KEY", "DB_URL"]);
    expect(Object.keys(resource.outputs.encryptionPublicKeys as object)).toHaveLength(1);
    expect((resource.outputs.composeHashes as Record<string, string>)[cvm as string]).toBe(
      guest.compose_hash,
    );
    // Outputs reach the SDK's debug log in clear: no plaintext-bearing input may be among them.
    scan(JSON.stringify(resource.outputs));
    for (const key of ["env", "registryEnv", "defaultRegistryEnv", "fingerprintSalt"]) {
      expect(resource.outputs).not.toHaveProperty(key);
    }

    const mark = await counts();
    const again = await up(resource, {
      cvms: [cvm],
      env: { DB_URL: SECRETS.DB_URL, API_KEY: SECRETS.API_KEY },
    });
    expect(again.changed).toBe(false);
    expect(delta(mark, await counts())).toEqual({});
    console.log(`[counts] create 1 CVM: ${JSON.stringify(created)}; no-op: {}`);
  });

  test("rotate one value over 3 replicas: one PATCH each, never two restarting at once", async () => {
    const ids = await cvms(3);
    const first = await up(undefined, { cvms: ids, env: SECRETS });
    const mark = await counts();
    const opsBefore = (await emu.admin.ops()).length;
    const { resource, changed } = await up(first.resource, {
      cvms: ids,
      env: { ...SECRETS, API_KEY: ROTATED },
    });
    expect(changed).toBe(true);
    const rotation = delta(mark, await counts());
    expect(rotation["PATCH /cvms/{id}/envs"]).toBe(3);
    const ops = (await emu.admin.ops()).slice(opsBefore);
    expect(ops.filter((o) => o.event === "restart-start")).toHaveLength(3);
    expect(maxConcurrentRestarts(ops)).toBe(1);
    for (const id of ids) expect((await emu.admin.guest(id)).env).toEqual({ ...SECRETS, API_KEY: ROTATED });
    expect((resource.outputs.lastRollout as { restarted: string[] }).restarted).toEqual(ids);
    console.log(`[counts] rotate 1 key over 3 replicas: ${JSON.stringify(rotation)}`);
  });

  test("maxUnavailable 2 restarts two at a time", async () => {
    const ids = await cvms(4);
    const first = await up(undefined, { cvms: ids, env: SECRETS, rollout: { maxUnavailable: 4 } });
    const opsBefore = (await emu.admin.ops()).length;
    await up(first.resource, {
      cvms: ids,
      env: { ...SECRETS, API_KEY: ROTATED },
      rollout: { maxUnavailable: 2 },
    });
    expect(maxConcurrentRestarts((await emu.admin.ops()).slice(opsBefore))).toBe(2);
  });

  test("add and remove a key: allowed_envs follows, the guest sees exactly the new set", async () => {
    const [cvm] = await cvms(1);
    const first = await up(undefined, { cvms: [cvm], env: SECRETS });
    const added = await up(first.resource, { cvms: [cvm], env: { ...SECRETS, EXTRA: "x" } });
    let guest = await emu.admin.guest(cvm as string);
    expect(guest.allowed_envs.sort()).toEqual(["API_KEY", "DB_URL", "EXTRA"]);
    expect(guest.env).toEqual({ ...SECRETS, EXTRA: "x" });
    await up(added.resource, { cvms: [cvm], env: { API_KEY: SECRETS.API_KEY, DB_URL: SECRETS.DB_URL } });
    guest = await emu.admin.guest(cvm as string);
    expect(guest.allowed_envs.sort()).toEqual(["API_KEY", "DB_URL"]);
    expect(guest.env).toEqual(SECRETS);
  });

  test("add and remove a replica: only that CVM is touched", async () => {
    const ids = await cvms(3);
    const [a, b, c] = ids as [string, string, string];
    const first = await up(undefined, { cvms: [a, b], env: SECRETS });
    let before = (await emu.admin.counts()).restarts;
    const grown = await up(first.resource, { cvms: [a, b, c], env: SECRETS });
    expect(delta(before, (await emu.admin.counts()).restarts)).toEqual({ [c]: 1 });
    expect((await emu.admin.guest(c)).env).toEqual(SECRETS);
    before = (await emu.admin.counts()).restarts;
    await up(grown.resource, { cvms: [a, c], env: SECRETS });
    expect(delta(before, (await emu.admin.counts()).restarts)).toEqual({ [b]: 1 });
    expect((await emu.admin.guest(b)).env).toEqual({});
  });

  test.each([
    ["429 with Retry-After", { route: "PATCH /cvms/{id}/envs", status: 429, retryAfter: 0, times: 2 }],
    ["503", { route: "PATCH /cvms/{id}/envs", status: 503, times: 2 }],
    ["409 busy", { route: "PATCH /cvms/{id}/envs", status: 409, times: 2 }],
    ["a dropped connection on GET", { route: "GET /cvms/{id}", drop: true, times: 1 }],
  ])("transient fault (%s) is retried and the rollout succeeds", async (_name, fault) => {
    const ids = await cvms(2);
    await emu.admin.addFault(fault);
    const { resource } = await up(undefined, { cvms: ids, env: SECRETS });
    for (const id of ids) expect((await emu.admin.guest(id)).env).toEqual(SECRETS);
    expect(Object.keys(resource.outputs.applied as object).sort()).toEqual([...ids].sort());
  });

  test("a boot error on the second replica stops the rollout with truthful state; the next up finishes only what is left", async () => {
    const ids = await cvms(3);
    const [a, b, c] = ids as [string, string, string];
    const first = await up(undefined, { cvms: ids, env: SECRETS });
    await emu.admin.addFault({ cvm: b, bootError: "simulated: container failed to start", times: 1 });
    const err = await failedUp(first.resource, { cvms: ids, env: { ...SECRETS, API_KEY: ROTATED } });
    scan(err.message);
    expect(err.code).toBe(ErrorCodes.ROLLOUT_FAILED);
    expect(err.message).toContain(`Done (running with the new env): ${a}`);
    expect(err.message).toContain(`Not done: ${b}, ${c}`);
    expect(err.id).toBe(first.resource.id);
    const kept = err.properties as Record<string, unknown>;
    expect(kept.__provider).toBeDefined();
    const applied = kept.applied as Record<string, string>;
    expect(applied[a]).toBeDefined();
    expect(applied[b]).toBeUndefined(); // pushed, did not come up: unknown
    expect(applied[c]).toBe((first.resource.outputs.applied as Record<string, string>)[c]); // untouched: old env
    // The engine keeps `properties` as the new state; the next up restarts b and c only.
    const partial: Resource = { id: first.resource.id, inputs: first.resource.inputs, outputs: kept };
    const before = (await emu.admin.counts()).restarts;
    await up(partial, { cvms: ids, env: { ...SECRETS, API_KEY: ROTATED } });
    expect(delta(before, (await emu.admin.counts()).restarts)).toEqual({ [b]: 1, [c]: 1 });
    for (const id of ids) expect((await emu.admin.guest(id)).env).toEqual({ ...SECRETS, API_KEY: ROTATED });
  });

  test("an interrupted run (state lost, as when Pulumi is killed): the journal spares the CVMs already done", async () => {
    const ids = await cvms(3);
    const [a, b, c] = ids as [string, string, string];
    const first = await up(undefined, { cvms: ids, env: SECRETS });
    await emu.admin.addFault({ cvm: c, bootError: "simulated: killed host", times: 1 });
    await failedUp(first.resource, { cvms: ids, env: { ...SECRETS, API_KEY: ROTATED } });
    // The engine never recorded the error's state: the next update starts from the OLD state.
    const before = (await emu.admin.counts()).restarts;
    await up(first.resource, { cvms: ids, env: { ...SECRETS, API_KEY: ROTATED } });
    expect(delta(before, (await emu.admin.counts()).restarts)).toEqual({ [c]: 1 });
    expect(providerLines.some((l) => l.includes(`${a} already runs this env`))).toBe(true);
    expect(providerLines.some((l) => l.includes(`${b} already runs this env`))).toBe(true);
    for (const id of ids) expect((await emu.admin.guest(id)).env).toEqual({ ...SECRETS, API_KEY: ROTATED });
  });

  test("a PATCH that keeps failing (500) leaves the rest untouched and says so", async () => {
    const ids = await cvms(2);
    await emu.admin.addFault({ route: "PATCH /cvms/{id}/envs", status: 500, cvm: ids[0] });
    const err = await failedUp(undefined, { cvms: ids, env: SECRETS });
    scan(err.message);
    expect(err.message).toContain("HTTP 500");
    expect(err.message).toContain("Done (running with the new env): none");
    expect((await emu.admin.counts()).restarts[ids[1] as string] ?? 0).toBe(0);
  }, 30_000);

  test("the pinned key changed on the server: refused with zero writes; allowKeyChange lets it through", async () => {
    const [cvm] = await cvms(1);
    const first = await up(undefined, { cvms: [cvm], env: SECRETS });
    const app = (first.resource.outputs.appIds as Record<string, string>)[cvm as string] as string;
    await emu.admin.rotateKey(app);
    const mark = await counts();
    const err = await failedUp(first.resource, { cvms: [cvm], env: { ...SECRETS, API_KEY: ROTATED } });
    expect(err.code).toBe(ErrorCodes.KEY_CHANGED);
    expect(err.message).toContain("allowKeyChange");
    expect(delta(mark, await counts())["PATCH /cvms/{id}/envs"]).toBeUndefined();
    scan(err.message);
    const ok = await up(first.resource, {
      cvms: [cvm],
      env: { ...SECRETS, API_KEY: ROTATED },
      kms: { allowKeyChange: true },
    });
    expect((await emu.admin.guest(cvm as string)).env).toEqual({ ...SECRETS, API_KEY: ROTATED });
    expect((ok.resource.outputs.encryptionPublicKeys as Record<string, string>)[app]).not.toBe(
      (first.resource.outputs.encryptionPublicKeys as Record<string, string>)[app],
    );
  });

  test("refresh: a re-keyed app is seen, and the next preview reports the change", async () => {
    const [cvm] = await cvms(1);
    const first = await up(undefined, { cvms: [cvm], env: SECRETS });
    const app = (first.resource.outputs.appIds as Record<string, string>)[cvm as string] as string;
    await emu.admin.rotateKey(app);
    const read = await impl.read(first.resource.id, first.resource.outputs);
    const props = read.props as Record<string, unknown>;
    expect(Object.keys(props.observedEncryptionPublicKeys as object)).toEqual([app]);
    const diff = await impl.diff(
      first.resource.id,
      props,
      (await impl.check(first.resource.inputs, first.resource.inputs)).inputs as Record<string, unknown>,
    );
    expect(diff.changes).toBe(true);
  });

  test("refresh: a deleted CVM drops out; when all are gone the resource is gone", async () => {
    const ids = await cvms(2);
    const first = await up(undefined, { cvms: ids, env: SECRETS });
    await fetch(`${emu.url}/cvms/${ids[0]}`, { method: "DELETE", headers: { "x-api-key": emu.apiKey } });
    const read = await impl.read(first.resource.id, first.resource.outputs);
    const applied = (read.props as { applied: Record<string, string> }).applied;
    expect(applied[ids[0] as string]).toBe("gone");
    // Still listed: the next preview says why; removed from cvms: nothing to clear, state drops it.
    const refreshed: Resource = { ...first.resource, outputs: read.props as Record<string, unknown> };
    const mark = await counts();
    const dropped = await up(refreshed, { cvms: [ids[1]], env: SECRETS });
    expect(dropped.changed).toBe(true);
    expect(delta(mark, await counts())["PATCH /cvms/{id}/envs"]).toBeUndefined();
    expect(dropped.resource.outputs.cvms).toEqual([ids[1]]);
    await fetch(`${emu.url}/cvms/${ids[1]}`, { method: "DELETE", headers: { "x-api-key": emu.apiKey } });
    expect(await impl.read(first.resource.id, first.resource.outputs)).toEqual({});
  });

  test("refresh: allowed_envs changed elsewhere is drift, and the next up repairs that CVM", async () => {
    const [cvm] = await cvms(1);
    const first = await up(undefined, { cvms: [cvm], env: SECRETS });
    await fetch(`${emu.url}/cvms/${cvm}/envs`, {
      method: "PATCH",
      headers: { "x-api-key": emu.apiKey, "content-type": "application/json" },
      body: JSON.stringify({ encrypted_env: "00".repeat(60), env_keys: ["OTHER"] }),
    });
    await new Promise((r) => setTimeout(r, 200));
    const read = await impl.read(first.resource.id, first.resource.outputs);
    const drifted: Resource = { ...first.resource, outputs: read.props as Record<string, unknown> };
    const { changed } = await up(drifted, { cvms: [cvm], env: SECRETS });
    expect(changed).toBe(true);
    expect((await emu.admin.guest(cvm as string)).env).toEqual(SECRETS);
  });

  test("delete clears the env on every CVM; a CVM already gone is fine", async () => {
    const ids = await cvms(2);
    const first = await up(undefined, { cvms: ids, env: SECRETS });
    await fetch(`${emu.url}/cvms/${ids[1]}`, { method: "DELETE", headers: { "x-api-key": emu.apiKey } });
    await impl.remove(first.resource.id, first.resource.outputs);
    const guest = await emu.admin.guest(ids[0] as string);
    expect(guest.env).toEqual({});
    // Cleared without env_keys: the allow-list and the compose hash stay (no 465 on-chain).
    expect(guest.allowed_envs.sort()).toEqual(Object.keys(SECRETS).sort());
  });

  test("adopt: a CVM with env set elsewhere is refused without adopt, zero writes", async () => {
    const [cvm] = await cvms(1);
    await fetch(`${emu.url}/cvms/${cvm}/envs`, {
      method: "PATCH",
      headers: { "x-api-key": emu.apiKey, "content-type": "application/json" },
      // Long enough to hold a variable (a shorter one reads as a cleared env, nobody's to protect).
      body: JSON.stringify({ encrypted_env: "00".repeat(100), env_keys: ["API_KEY"] }),
    });
    await new Promise((r) => setTimeout(r, 200));
    const mark = await counts();
    const err = await failedUp(undefined, { cvms: [cvm], env: SECRETS });
    expect(err.message).toContain("adopt: true");
    expect(delta(mark, await counts())["PATCH /cvms/{id}/envs"]).toBeUndefined();
    await up(undefined, { cvms: [cvm], env: SECRETS, adopt: true });
    expect((await emu.admin.guest(cvm as string)).env).toEqual(SECRETS);
  });

  test("compose check: a key the compose needs but env lacks fails before any write", async () => {
    const [cvm] = await cvms(1);
    const mark = await counts();
    const err = await failedUp(undefined, { cvms: [cvm], env: { API_KEY: SECRETS.API_KEY } });
    expect(err.message).toContain("DB_URL");
    expect(err.message).toContain('composeCheck: "warn"');
    expect(delta(mark, await counts())["PATCH /cvms/{id}/envs"]).toBeUndefined();
    scan(err.message);
    await up(undefined, { cvms: [cvm], env: { API_KEY: SECRETS.API_KEY }, composeCheck: "warn" });
  });

  test("an unknown CVM fails before any write, naming it", async () => {
    const [cvm] = await cvms(1);
    const mark = await counts();
    const err = await failedUp(undefined, { cvms: [cvm, "cvm_does_not_exist"], env: SECRETS });
    expect(err.message).toContain("cvm_does_not_exist");
    expect(err.message).toContain("HTTP 404");
    expect(delta(mark, await counts())["PATCH /cvms/{id}/envs"]).toBeUndefined();
  });

  test("a wrong API key fails with a clear message and no key in it", async () => {
    const [cvm] = await cvms(1);
    process.env.PHALA_CLOUD_API_KEY = "phak_wrong_key_xyz";
    const err = await failedUp(undefined, { cvms: [cvm], env: SECRETS });
    expect(err.message).toContain("HTTP 401");
    expect(err.message).not.toContain("phak_wrong_key_xyz");
    expect(err.message).not.toContain(emu.apiKey);
  });
});

describe("fingerprints", () => {
  test("upgrade from the HMAC design: the previous state shape keeps its tokens, nothing restarts, the key is dropped", async () => {
    const [cvm] = await cvms(1);
    const { resource } = await up(undefined, { cvms: [cvm], env: SECRETS });
    // The state a 0.1 provider wrote: HMAC fingerprints under a salt kept in inputs AND outputs,
    // the plaintext env in the outputs, `applied` = the digest of those fingerprints.
    const salt = "5a".repeat(32);
    const fingerprints = Object.fromEntries(
      Object.keys(SECRETS)
        .sort()
        .map((k) => [k, legacyFingerprint(k, SECRETS[k as keyof typeof SECRETS], salt)]),
    );
    const { fingerprintGeneration: _current, ...inputs01 } = resource.inputs;
    const oldInputs = { ...inputs01, fingerprintSalt: salt, fingerprints };
    const old: Resource = {
      id: resource.id,
      inputs: oldInputs,
      outputs: { ...resource.outputs, ...oldInputs, applied: { [cvm as string]: envDigest(fingerprints) } },
    };
    // …and its rollout journal, which recorded the same digest (0.1 wrote a flat map).
    const journalDir = path.join(process.env.PULUMI_HOME as string, "cvm-secrets", "journal");
    mkdirSync(journalDir, { recursive: true });
    writeFileSync(
      path.join(journalDir, `${resource.id}.json`),
      JSON.stringify({ [cvm as string]: envDigest(fingerprints) }),
    );
    const mark = await counts();
    const same = await up(old, { cvms: [cvm], env: SECRETS });
    // One update that rewrites the outputs without plaintext: no request, no restart.
    expect(same.changed).toBe(true);
    expect(delta(mark, await counts())).toEqual({});
    expect(providerLines.at(-1)).toContain("rewritten without plaintext; nothing restarts");
    for (const key of ["env", "fingerprintSalt"]) expect(same.resource.outputs).not.toHaveProperty(key);
    expect((await up(same.resource, { cvms: [cvm], env: SECRETS })).changed).toBe(false);
    expect(same.resource.inputs.fingerprints).toEqual(fingerprints);
    expect(same.resource.inputs).not.toHaveProperty("fingerprintSalt");

    const rotated = await up(same.resource, { cvms: [cvm], env: { ...SECRETS, API_KEY: ROTATED } });
    expect(rotated.changed).toBe(true);
    const after = rotated.resource.outputs.fingerprints as Record<string, string>;
    expect(after.DB_URL).toBe(fingerprints.DB_URL);
    expect(after.API_KEY).toBe(nextFingerprint("api", "API_KEY", fingerprints.API_KEY, 1));
    for (const key of ["env", "fingerprintSalt"]) expect(rotated.resource.outputs).not.toHaveProperty(key);
    expect((await emu.admin.guest(cvm as string)).env).toEqual({ ...SECRETS, API_KEY: ROTATED });
  });

  test("the same value under two resources gives the same first token: it says nothing about the value", async () => {
    const [a, b] = await cvms(2);
    const one = await up(undefined, { cvms: [a], env: { ...SECRETS, API_KEY: "1234" } });
    const two = await up(undefined, { cvms: [b], env: { ...SECRETS, API_KEY: "9876" } });
    expect(one.resource.outputs.fingerprints).toEqual(two.resource.outputs.fingerprints);
  });

  test("refresh returns no inputs (the engine keeps the old ones, plaintext env included) and no value", async () => {
    const [cvm] = await cvms(1);
    const { resource } = await up(undefined, { cvms: [cvm], env: SECRETS });
    const read = await impl.read(resource.id, resource.outputs);
    expect(read.inputs).toBeUndefined();
    scan(JSON.stringify(read));
  });
});

/** The emulator plus a stack-wide default Docker Hub credential with this password. */
function useDefaultRegistry(password: string): void {
  configure({
    config: new Map([
      ["cvm-secrets:apiKey", emu.apiKey],
      ["cvm-secrets:apiUrl", emu.url],
      ["cvm-secrets:defaultRegistry", "https://index.docker.io/v1/"],
      ["cvm-secrets:defaultRegistryUsername", "acme"],
      ["cvm-secrets:defaultRegistryPassword", password],
    ]),
  } as never);
}

describe("stack-wide default registry credential", () => {
  test("applies to a CvmSecrets without registry, normalised, and never appears in an output", async () => {
    const password = "default-registry-pw-31337";
    useDefaultRegistry(password);
    try {
      const [cvm] = await cvms(1);
      const { resource } = await up(undefined, { cvms: [cvm], env: SECRETS, composeCheck: "warn" });
      expect((await emu.admin.guest(cvm as string)).env).toEqual({
        ...SECRETS,
        DSTACK_DOCKER_REGISTRY: "docker.io",
        DSTACK_DOCKER_USERNAME: "acme",
        DSTACK_DOCKER_PASSWORD: password,
      });
      expect(resource.outputs.envKeys).toContain("DSTACK_DOCKER_PASSWORD");
      expect(JSON.stringify(resource.outputs)).not.toContain(password);
      // The default's variables are kept in the (secret) inputs, so a rotation of the default
      // moves exactly the password's fingerprint, and an unchanged default keeps every token.
      const fp = resource.outputs.fingerprints as Record<string, string>;
      const same = await up(resource, { cvms: [cvm], env: SECRETS, composeCheck: "warn" });
      expect(same.changed).toBe(false);
      useDefaultRegistry(`${password}-rotated`);
      const rotated = await up(same.resource, { cvms: [cvm], env: SECRETS, composeCheck: "warn" });
      expect(rotated.changed).toBe(true);
      const after = rotated.resource.outputs.fingerprints as Record<string, string>;
      expect(Object.keys(fp).filter((k) => fp[k] !== after[k])).toEqual(["DSTACK_DOCKER_PASSWORD"]);
      expect((await emu.admin.guest(cvm as string)).env?.DSTACK_DOCKER_PASSWORD).toBe(`${password}-rotated`);
    } finally {
      useEmulator(emu);
    }
  });

  test("an invalid default is a check failure naming the config key, not the value", async () => {
    configure({
      config: new Map([
        ["cvm-secrets:defaultRegistry", "not a host!"],
        ["cvm-secrets:defaultRegistryUsername", "acme"],
        ["cvm-secrets:defaultRegistryPassword", "pw-never-shown-31338"],
      ]),
    } as never);
    try {
      const [cvm] = await cvms(1);
      const result = await up(undefined, { cvms: [cvm], env: SECRETS });
      expect(result.failures?.map((f) => f.reason.split(": ")[0])).toContain("cvm-secrets:defaultRegistry");
      expect(JSON.stringify(result.failures)).not.toContain("pw-never-shown-31338");
    } finally {
      useEmulator(emu);
    }
  });
});

describe("on-chain KMS", () => {
  test("the signed key is verified; a wrong trusted signer is refused with zero writes", async () => {
    const [cvm] = await cvms(1, undefined, "base");
    const wrongSigner = Buffer.from(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true)).toString(
      "hex",
    );
    const mark = await counts();
    const err = await failedUp(undefined, { cvms: [cvm], env: SECRETS, kms: { trustedSigner: wrongSigner } });
    scan(err.message);
    expect(err.code).toBe(ErrorCodes.UNTRUSTED_KEY);
    expect(delta(mark, await counts())["PATCH /cvms/{id}/envs"]).toBeUndefined();
    // The signer where the API documents it: GET /kms/{kms_id}/info → rpc.bootstrap_info.
    const get = <T>(path: string) =>
      fetch(`${emu.url}${path}`, { headers: { "x-api-key": emu.apiKey } }).then(
        (r) => r.json() as Promise<T>,
      );
    const list = await get<{ items: Array<{ id: string; chain_id: number | null }> }>("/kms");
    const base = list.items.find((k) => k.chain_id === 8453)!;
    const inspect = await get<{ rpc: { bootstrap_info: { k256_pubkey: string } } }>(`/kms/${base.id}/info`);
    const rightSigner = inspect.rpc.bootstrap_info.k256_pubkey;
    const err2 = await failedUp(undefined, {
      cvms: [cvm],
      env: SECRETS,
      kms: { trustedSigner: rightSigner },
    });
    // The signature verified; what stops it now is the on-chain allow-list of the new key set.
    expect(err2.code).toBe(ErrorCodes.HASH_REGISTRATION_REQUIRED);
  });

  test("a key-set change answers 465; the error names the compose hash; transactionHash finishes it", async () => {
    const [cvm] = await cvms(1, undefined, "ethereum");
    const mark = await counts();
    const err = await failedUp(undefined, { cvms: [cvm], env: SECRETS });
    // No trustedSigner: the key is the KMS-signed one (the CVM reports none), the signer the one
    // the API documents for the KMS, found through GET /kms by chain and contract.
    expect(delta(mark, await counts())).toMatchObject({
      "GET /kms": 1,
      "GET /kms/{kms_id}/info": 1,
      "GET /kms/{kms}/pubkey/{app_id}": 1,
    });
    expect(err.code).toBe(ErrorCodes.HASH_REGISTRATION_REQUIRED);
    const kept = err.properties as Record<string, unknown>;
    const pending = Object.values(kept.pendingComposeHashes as Record<string, string>)[0] as string;
    expect(pending).toMatch(/^[0-9a-f]{64}$/);
    expect(err.message).toContain(`0x${pending}`);
    scan(err.message);
    const partial: Resource = { id: err.id as string, inputs: {}, outputs: kept };
    await up(partial, { cvms: [cvm], env: SECRETS, transactionHash: `0x${"ab".repeat(32)}` });
    const guest = await emu.admin.guest(cvm as string);
    expect(guest.env).toEqual(SECRETS);
    expect(guest.compose_hash).toBe(pending);
  });

  test("a values-only change needs no on-chain step", async () => {
    const [cvm] = await cvms(1, undefined, "ethereum");
    const err = await failedUp(undefined, { cvms: [cvm], env: SECRETS });
    const partial: Resource = {
      id: err.id as string,
      inputs: {},
      outputs: err.properties as Record<string, unknown>,
    };
    const done = await up(partial, { cvms: [cvm], env: SECRETS, transactionHash: `0x${"ab".repeat(32)}` });
    await up(done.resource, {
      cvms: [cvm],
      env: { ...SECRETS, API_KEY: ROTATED },
      transactionHash: `0x${"ab".repeat(32)}`,
    });
    expect((await emu.admin.guest(cvm as string)).env).toEqual({ ...SECRETS, API_KEY: ROTATED });
  });
});

describe("a 465 is verified, not relayed", () => {
  /** A proxy that rewrites the `details` of a 465 answered to a push. */
  async function rewriting465(change: Record<string, string>) {
    const proxy = await hostileProxy(emu.url, (method, path, body) => {
      const answer = body as { details?: Array<{ field: string; value: unknown }> };
      if (method !== "PATCH" || !path.endsWith("/envs") || !Array.isArray(answer.details)) return undefined;
      return {
        ...answer,
        details: answer.details.map((d) => (d.field in change ? { ...d, value: change[d.field] } : d)),
      };
    });
    process.env.PHALA_CLOUD_API_PREFIX = proxy.url;
    return proxy;
  }

  test.each([
    ["compose_hash", { compose_hash: "cd".repeat(32) }, `names compose hash ${"cd".repeat(32)}`],
    ["app_id", { app_id: "ef".repeat(20) }, `names app ${"ef".repeat(20)}`],
  ])(
    "a 465 naming another %s is refused, naming what differed; nothing is kept as pending",
    async (_f, change, named) => {
      const [cvm] = await cvms(1, undefined, "ethereum");
      const proxy = await rewriting465(change);
      try {
        const err = await failedUp(undefined, { cvms: [cvm], env: SECRETS });
        expect(err.code).toBe(ErrorCodes.ROLLOUT_FAILED);
        expect(err.message).toContain(named);
        expect(err.message).toContain("Do not register it");
        expect(err.message).not.toContain("addComposeHash");
        expect((err.properties as Record<string, unknown>).pendingComposeHashes).toBeUndefined();
        scan(err.message);
      } finally {
        await proxy.close();
        useEmulator(emu);
      }
    },
  );
});

describe("a lying API cannot get the env encrypted to its key", () => {
  /** A proxy that reports another app (with a key the attacker holds) for every CVM. */
  async function liar(attacker: { app_id: string; encrypted_env_pubkey: string }, allowedEnvs?: string[]) {
    return hostileProxy(emu.url, (method, path, body) => {
      if (method !== "GET" || !/^\/cvms\/[^/]+$/.test(path)) return undefined;
      const cvm = body as {
        app_id: string;
        kms_info: Record<string, unknown>;
        compose_file: Record<string, unknown>;
      };
      return {
        ...cvm,
        app_id: attacker.app_id,
        kms_info: { ...cvm.kms_info, encrypted_env_pubkey: attacker.encrypted_env_pubkey },
        ...(allowedEnvs ? { compose_file: { ...cvm.compose_file, allowed_envs: allowedEnvs } } : {}),
      };
    });
  }

  test("another app_id for a pinned CVM is refused before any write (update)", async () => {
    const [cvm] = await cvms(1);
    const first = await up(undefined, { cvms: [cvm], env: SECRETS });
    const proxy = await liar(await emu.admin.createApp());
    process.env.PHALA_CLOUD_API_PREFIX = proxy.url;
    try {
      const err = await failedUp(first.resource, { cvms: [cvm], env: { ...SECRETS, API_KEY: ROTATED } });
      expect(err.code).toBe(ErrorCodes.APP_CHANGED);
      expect(err.message).toContain(
        `pinned app ${(first.resource.outputs.appIds as Record<string, string>)[cvm as string]}`,
      );
      expect(proxy.writes).toEqual([]);
      scan(err.message);
    } finally {
      await proxy.close();
      useEmulator(emu);
    }
    expect((await emu.admin.guest(cvm as string)).env).toEqual(SECRETS);
  });

  test("refresh through the liar, then an up with nothing changed: still nothing sent", async () => {
    const [cvm] = await cvms(1);
    const first = await up(undefined, { cvms: [cvm], env: SECRETS });
    // The liar also shows a foreign allow-list, so refresh marks drift and the plan wants a push.
    const proxy = await liar(await emu.admin.createApp(), ["OTHER"]);
    process.env.PHALA_CLOUD_API_PREFIX = proxy.url;
    try {
      const read = await impl.read(first.resource.id, first.resource.outputs);
      const refreshed: Resource = { ...first.resource, outputs: read.props as Record<string, unknown> };
      const err = await failedUp(refreshed, { cvms: [cvm], env: SECRETS });
      expect(err.code).toBe(ErrorCodes.APP_CHANGED);
      expect(proxy.writes).toEqual([]);
    } finally {
      await proxy.close();
      useEmulator(emu);
    }
  });
});

afterAll(() => {
  // Provider stderr (preview lines, warnings) across every test above: names only, no value.
  expect(providerLines.length).toBeGreaterThan(0);
  for (const line of providerLines) scan(line);
});
