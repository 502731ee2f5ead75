/**
 * The on-chain KMS signer read from a real chain (provider/cvm-secrets/steps/chain-anchor.ts),
 * with the emulator's KMS contract deployed on ganache (`startEmulator({ chainRpcUrl })`) and a
 * hostile API in front of it (test/support/hostile-proxy.ts). With an RPC URL for the CVM's
 * chain, an API that forges key and signer consistently, names another contract or chain, or an
 * app the contract does not register, is refused with zero writes; so is a chain that is down or
 * whose signer changed. Without an RPC URL, today's behaviour: the API's signer, and a warning.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import type { Emulator } from "../../emulator";
import { setKmsInfo, setRegistered } from "../../emulator/kms-contract";
import { ErrorCodes } from "../../provider/errors";
import { configure } from "../../provider/runtime/settings";
import type { TestChain } from "../support/chain";
import { useChainEmulator } from "../support/chain-emulator";
import { forger } from "../support/forger";
import { hostileProxy, type Rewrite } from "../support/hostile-proxy";
import { failedUp, providerLines, up, useEmulator } from "../support/provider-harness";

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

/** `up` through a hostile proxy; returns the error and the writes the proxy forwarded. */
async function throughProxy(rewrite: Rewrite, args: Record<string, unknown>) {
  const proxy = await hostileProxy(emu.url, rewrite);
  process.env.PHALA_CLOUD_API_PREFIX = proxy.url;
  try {
    const error = await failedUp(undefined, args);
    for (const value of Object.values(SECRETS)) expect(error.message).not.toContain(value);
    return { error, writes: proxy.writes };
  } finally {
    await proxy.close();
    process.env.PHALA_CLOUD_API_PREFIX = emu.url;
  }
}

test("an honest API: the signer is read from the chain, and the env gets through both 465 phases", async () => {
  anchored();
  const cvm = await baseCvm();
  const first = await failedUp(undefined, { cvms: [cvm.id], env: SECRETS });
  // The key verified against the chain's signer; what stops it is the on-chain compose hash.
  expect(first.code).toBe(ErrorCodes.HASH_REGISTRATION_REQUIRED);
  const partial = {
    id: first.id as string,
    inputs: {},
    outputs: first.properties as Record<string, unknown>,
  };
  await up(partial, { cvms: [cvm.id], env: SECRETS, transactionHash: TX });
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
