/**
 * The on-chain KMS signer read from a real chain (provider/cvm-secrets/steps/chain-anchor.ts),
 * with the emulator's KMS contract deployed on ganache (`startEmulator({ chainRpcUrl })`) and a
 * hostile API in front of it (test/support/hostile-proxy.ts). With an RPC URL for the CVM's
 * chain, an API that forges key and signer consistently, names another contract or chain, or an
 * app the contract does not register, is refused with zero writes; so is a chain that is down or
 * whose signer changed. Without an RPC URL, today's behaviour: the API's signer, and a warning.
 * The `keyAnchors` output says what each app's key was checked against, and a chain anchor in
 * state pins the signer: rotated on chain, or no longer read from the chain, the next `up` is
 * refused before any write unless `kms.allowKeyChange` (issue 19).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import type { Emulator } from "../../emulator";
import { setKmsInfo, setRegistered } from "../../emulator/kms-contract";
import { signerFingerprint } from "../../provider/core/key-anchor";
import { ErrorCodes } from "../../provider/errors";
import { configure } from "../../provider/runtime/settings";
import type { TestChain } from "../support/chain";
import { useChainEmulator } from "../support/chain-emulator";
import { forger } from "../support/forger";
import { hostileProxy, type Rewrite } from "../support/hostile-proxy";
import { failedUp, providerLines, type Resource, up, useEmulator } from "../support/provider-harness";

jest.setTimeout(60_000);

const SECRETS = { API_KEY: "sk_live_chain_anchor_1", DB_URL: "postgres://u:pw-chain-2@db/prod" };
const COMPOSE =
  "services:\n  app:\n    image: ghcr.io/acme/api:1\n    environment:\n      - API_KEY=${API_KEY}\n      - DB_URL=${DB_URL}\n";
const TX = `0x${"ab".repeat(32)}`;

let chain: TestChain;
let emu: Emulator;
/** The address of the emulator's base KMS contract on the chain. */
let contract: string;

useChainEmulator(60, (setup) => {
  ({ chain, emu, contract } = setup);
  useEmulator(setup.emu);
});

/** Stack config: the chain's RPC for 8453 and the emulator's contract as the trusted one. */
function anchored(rpcUrl = chain.url, chainId = "8453"): void {
  const values: Record<string, string> = {
    "cvm-secrets:rpcUrls": JSON.stringify({ [chainId]: rpcUrl }),
    "cvm-secrets:kmsContracts": JSON.stringify({ [chainId]: contract }),
  };
  configure({ config: { get: (key: string) => values[key] } } as unknown as Parameters<typeof configure>[0]);
}

async function baseCvm(): Promise<{ id: string; app: string }> {
  const cvm = await emu.admin.createCvm({
    name: `api-${Math.random().toString(36).slice(2, 8)}`,
    kms: "base",
    docker_compose_file: COMPOSE,
  });
  return { id: cvm.id, app: cvm.app_id };
}

/** Rewrites the CVM record's `kms_info`. */
function kmsInfoLie(change: Record<string, unknown>): Rewrite {
  return (method, path, body) => {
    if (method !== "GET" || !/^\/cvms\/[^/]+$/.test(path)) return undefined;
    const cvm = body as { kms_info: Record<string, unknown> };
    return { ...cvm, kms_info: { ...cvm.kms_info, ...change } };
  };
}

/** Runs `body` with the provider pointed at a hostile proxy in front of the emulator. */
async function viaProxy<T>(rewrite: Rewrite, body: (writes: string[]) => Promise<T>): Promise<T> {
  const proxy = await hostileProxy(emu.url, rewrite);
  process.env.PHALA_CLOUD_API_PREFIX = proxy.url;
  try {
    return await body(proxy.writes);
  } finally {
    await proxy.close();
    process.env.PHALA_CLOUD_API_PREFIX = emu.url;
  }
}

/** `up` through a hostile proxy; returns the error and the writes the proxy forwarded. */
async function throughProxy(rewrite: Rewrite, args: Record<string, unknown>) {
  return viaProxy(rewrite, async (writes) => {
    const error = await failedUp(undefined, args);
    for (const value of Object.values(SECRETS)) expect(error.message).not.toContain(value);
    return { error, writes };
  });
}

test("an honest API: the signer is read from the chain, and the env gets through both 465 phases", async () => {
  anchored();
  const cvm = await baseCvm();
  // The key verified against the chain's signer; what stops it first is the on-chain compose
  // hash (anchoredResource goes through both 465 phases).
  await anchoredResource(cvm);
  expect((await emu.admin.guest(cvm.id)).env).toEqual(SECRETS);
});

test("an API forging key and signer consistently: refused with rpcUrls, zero PATCH", async () => {
  anchored();
  const cvm = await baseCvm();
  const { error, writes } = await throughProxy(forger(), { cvms: [cvm.id], env: SECRETS });
  expect(error.code).toBe(ErrorCodes.UNTRUSTED_KEY);
  expect(error.message).toMatch(/not signed by the KMS signer/);
  expect(writes).toEqual([]);
});

test("the same forging API without rpcUrls: today's behaviour, the forged key gets a ciphertext (and a warning says why)", async () => {
  const cvm = await baseCvm();
  providerLines.length = 0;
  const { error, writes } = await throughProxy(forger(), { cvms: [cvm.id], env: SECRETS });
  expect(error.code).toBe(ErrorCodes.HASH_REGISTRATION_REQUIRED);
  expect(writes).toEqual([expect.stringMatching(/^PATCH \/api\/v1\/cvms\/.+\/envs$/)]);
  expect(
    providerLines.filter((line) => line.includes("its KMS signer comes from the Phala Cloud API")),
  ).toEqual([
    expect.stringMatching(new RegExp(`^warning: app ${cvm.app}: .* set cvm-secrets:rpcUrls for chain 8453`)),
  ]);
});

test.each<[string, Record<string, unknown>, RegExp]>([
  [
    "another KMS contract",
    { dstack_kms_address: `0x${"ee".repeat(20)}` },
    /another KMS contract than the trusted one for chain 8453 \(expected [0-9a-f]{16}, got [0-9a-f]{16}\)/,
  ],
  ["no KMS contract", { dstack_kms_address: null }, /no valid KMS contract .*got missing\)/],
  [
    "another chain",
    { chain_id: 1 },
    /the RPC serves chain 8453, but the CVM's KMS is on chain 1 \(expected 1, got 8453\)/,
  ],
])("an API naming %s: refused before any write", async (_name, change, message) => {
  anchored();
  if (change.chain_id === 1) anchored(chain.url, "1");
  const cvm = await baseCvm();
  const { error, writes } = await throughProxy(kmsInfoLie(change), { cvms: [cvm.id], env: SECRETS });
  expect(error.code).toBe(ErrorCodes.UNTRUSTED_KEY);
  expect(error.message).toMatch(message);
  expect(writes).toEqual([]);
});

test("an app the contract does not register is refused, nothing sent", async () => {
  anchored();
  const cvm = await baseCvm();
  await setRegistered(chain.rpc, contract, cvm.app, false);
  const before = (await emu.admin.counts()).writes;
  const error = await failedUp(undefined, { cvms: [cvm.id], env: SECRETS });
  expect(error.code).toBe(ErrorCodes.UNTRUSTED_KEY);
  expect(error.message).toMatch(/not registered on the KMS contract/);
  expect((await emu.admin.counts()).writes).toBe(before);
});

test("a signer changed on chain no longer vouches for the API's key", async () => {
  anchored();
  const cvm = await baseCvm();
  const rotated = Buffer.from(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true)).toString(
    "hex",
  );
  await setKmsInfo(chain.rpc, contract, { k256Pubkey: rotated });
  const before = (await emu.admin.counts()).writes;
  const error = await failedUp(undefined, { cvms: [cvm.id], env: SECRETS });
  expect(error.code).toBe(ErrorCodes.UNTRUSTED_KEY);
  expect((await emu.admin.counts()).writes).toBe(before);
});

test("an RPC that is down: a chain error naming its origin only, nothing sent", async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  anchored(`http://127.0.0.1:${port}/v3/s3cr3t-key`);
  const cvm = await baseCvm();
  const before = (await emu.admin.counts()).writes;
  const error = await failedUp(undefined, { cvms: [cvm.id], env: SECRETS });
  expect(error.code).toBe(ErrorCodes.CHAIN_ERROR);
  expect(error.message).toContain(`RPC http://127.0.0.1:${port}:`);
  expect(error.message).not.toContain("s3cr3t");
  expect((await emu.admin.counts()).writes).toBe(before);
});

/** A resource created on a chain-anchored base CVM through both 465 phases. */
async function anchoredResource(cvm: { id: string }): Promise<Resource> {
  const first = await failedUp(undefined, { cvms: [cvm.id], env: SECRETS });
  expect(first.code).toBe(ErrorCodes.HASH_REGISTRATION_REQUIRED);
  const partial = {
    id: first.id as string,
    inputs: {},
    outputs: first.properties as Record<string, unknown>,
  };
  return (await up(partial, { cvms: [cvm.id], env: SECRETS, transactionHash: TX })).resource;
}

/** The emulator's base KMS signer (compressed hex), as `GET /kms/{kms_id}/info` documents it. */
async function chainSignerHex(): Promise<string> {
  const get = (path: string) =>
    fetch(`${emu.url}${path}`, { headers: { "x-api-key": emu.apiKey } }).then((r) => r.json());
  const list = (await get("/kms")) as { items: Array<{ id: string; chain_id: number | null }> };
  const base = list.items.find((k) => k.chain_id === 8453)!;
  const info = (await get(`/kms/${base.id}/info`)) as { rpc: { bootstrap_info: { k256_pubkey: string } } };
  return info.rpc.bootstrap_info.k256_pubkey.replace(/^0x/, "");
}

/** The chain's hash of block `n` (lowercase hex, no 0x). */
async function blockHashAt(n: number): Promise<string> {
  const block = (await chain.rpc.call("eth_getBlockByNumber", [`0x${n.toString(16)}`, false])) as {
    hash: string;
  };
  return block.hash.replace(/^0x/, "").toLowerCase();
}

/** The number of the chain's finalized block. */
async function finalizedNumber(): Promise<number> {
  const block = (await chain.rpc.call("eth_getBlockByNumber", ["finalized", false])) as { number: string };
  return Number.parseInt(block.number, 16);
}

describe("keyAnchors and the chain pin", () => {
  const CHANGED = { ...SECRETS, API_KEY: "sk_live_chain_anchor_rotated" };

  test("a chain-anchored app records chain, contract, block, signer fingerprint and quote binding", async () => {
    anchored();
    const cvm = await baseCvm();
    const resource = await anchoredResource(cvm);
    const anchors = resource.outputs.keyAnchors as Record<string, Record<string, unknown>>;
    expect(Object.keys(anchors)).toEqual([cvm.app]);
    expect(anchors[cvm.app]).toEqual({
      anchor: "chain",
      chainId: 8453,
      contract: contract.replace(/^0x/, "").toLowerCase(),
      block: expect.any(Number),
      blockHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      signer: signerFingerprint(await chainSignerHex()),
      // The emulator's contract holds no quote: kmsInfo().quote is empty.
      quote: "none",
    });
    // The hash recorded is the chain's own for that block number.
    const { block, blockHash } = anchors[cvm.app] as { block: number; blockHash: string };
    expect(await blockHashAt(block)).toBe(blockHash);
  });

  test("a Phala KMS app's key is `unsigned` (the API's key, no signature checked)", async () => {
    const cvm = await emu.admin.createCvm({ name: "phala-app", kms: "phala", docker_compose_file: COMPOSE });
    const { resource } = await up(undefined, { cvms: [cvm.id], env: SECRETS });
    expect(resource.outputs.keyAnchors).toEqual({ [cvm.app_id]: { anchor: "unsigned", quote: "none" } });
  });

  test("an on-chain app without rpcUrls: the API's signer, recorded as `api`", async () => {
    const cvm = await baseCvm();
    const first = await failedUp(undefined, { cvms: [cvm.id], env: SECRETS });
    expect(first.code).toBe(ErrorCodes.HASH_REGISTRATION_REQUIRED);
    expect((first.properties as { keyAnchors?: unknown }).keyAnchors).toEqual({
      [cvm.app]: { anchor: "api", signer: signerFingerprint(await chainSignerHex()), quote: "none" },
    });
  });

  test("the signer rotated on chain between two ups: refused with both fingerprints and the block, zero PATCH; with allowKeyChange the new signer is recorded", async () => {
    anchored();
    const cvm = await baseCvm();
    const resource = await anchoredResource(cvm);
    const pinned = (resource.outputs.keyAnchors as Record<string, { signer: string; block: number }>)[
      cvm.app
    ]!;
    // The KMS rotated its signer: the contract names the new one, which signs the app's same key.
    const secret = secp256k1.utils.randomSecretKey();
    const rotated = Buffer.from(secp256k1.getPublicKey(secret, true)).toString("hex");
    await setKmsInfo(chain.rpc, contract, { k256Pubkey: rotated });
    await viaProxy(forger(secret, { keepKey: true }), async (writes) => {
      const error = await failedUp(resource, { cvms: [cvm.id], env: CHANGED });
      expect(error.code).toBe(ErrorCodes.KEY_CHANGED);
      expect(error.message).toContain(
        `app ${cvm.app}: the KMS signer on chain changed (pinned signer ${pinned.signer}`,
      );
      expect(error.message).toContain(`at block ${pinned.block}`);
      expect(error.message).toContain(`now signer ${signerFingerprint(rotated)}`);
      expect(error.message).toContain("allowKeyChange");
      expect(writes).toEqual([]);
      const { resource: after } = await up(resource, {
        cvms: [cvm.id],
        env: CHANGED,
        kms: { allowKeyChange: true },
      });
      const anchor = (after.outputs.keyAnchors as Record<string, { signer: string; block: number }>)[
        cvm.app
      ]!;
      expect(anchor.signer).toBe(signerFingerprint(rotated));
      expect(anchor.block).toBeGreaterThan(pinned.block);
      expect(writes).toEqual([expect.stringMatching(/^PATCH \/api\/v1\/cvms\/.+\/envs$/)]);
    });
  });

  test("the pinned block number read again with another hash (another chain history): refused, zero writes", async () => {
    anchored();
    const cvm = await baseCvm();
    const resource = await anchoredResource(cvm);
    const anchors = resource.outputs.keyAnchors as Record<string, { block: number; blockHash: string }>;
    // As if pinned on another history: the state holds the block the RPC now finalizes, another hash.
    const block = await finalizedNumber();
    const forked = `${"f0".repeat(32)}`;
    const pinnedElsewhere = {
      ...resource,
      outputs: {
        ...resource.outputs,
        keyAnchors: { [cvm.app]: { ...anchors[cvm.app], block, blockHash: forked } },
      },
    };
    const before = (await emu.admin.counts()).writes;
    const error = await failedUp(pinnedElsewhere, { cvms: [cvm.id], env: CHANGED });
    expect(error.code).toBe(ErrorCodes.KEY_CHANGED);
    expect(error.message).toContain(`finalized block ${block} has hash ${await blockHashAt(block)}`);
    expect(error.message).toContain(`pinned at that block with hash ${forked}`);
    expect((await emu.admin.counts()).writes).toBe(before);
  });

  test("rpcUrls removed after a chain anchor: the fall-back to the API's signer is refused, nothing sent", async () => {
    anchored();
    const cvm = await baseCvm();
    const resource = await anchoredResource(cvm);
    configure({ config: { get: () => undefined } } as unknown as Parameters<typeof configure>[0]);
    const before = (await emu.admin.counts()).writes;
    const error = await failedUp(resource, { cvms: [cvm.id], env: CHANGED });
    expect(error.code).toBe(ErrorCodes.KEY_CHANGED);
    expect(error.message).toMatch(/checked the key against the signer the Phala Cloud API reports/);
    expect(error.message).toMatch(/Restore the RPC URL for chain 8453/);
    expect((await emu.admin.counts()).writes).toBe(before);
  });

  test("a state written before keyAnchors keeps working: no refusal, no diff, no restart", async () => {
    anchored();
    const cvm = await baseCvm();
    const resource = await anchoredResource(cvm);
    const { keyAnchors: _dropped, ...older } = resource.outputs;
    const restarts = (await emu.admin.counts()).restarts as Record<string, number>;
    const same = await up({ ...resource, outputs: older }, { cvms: [cvm.id], env: SECRETS });
    expect(same.changed).toBe(false);
    expect((await emu.admin.counts()).restarts).toEqual(restarts);
    // The next change records the anchor, pinned from then on.
    const { resource: after } = await up({ ...resource, outputs: older }, { cvms: [cvm.id], env: CHANGED });
    expect((after.outputs.keyAnchors as Record<string, { anchor: string }>)[cvm.app]!.anchor).toBe("chain");
  });
});
