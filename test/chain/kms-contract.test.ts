/**
 * The chain tier: a real EVM (ganache 7.9.2 on loopback, chain id 8453) with MockKms compiled by
 * solc 0.8.37, read through the provider's own chain client (provider/api/chain/). Also holds
 * the bytecode the emulator ships to its source, and the setter selectors to keccak-256.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { MOCK_KMS_BYTECODE, SETTER_SELECTORS, setKmsInfo, setRegistered } from "../../emulator/kms-contract";
import { SELECTORS } from "../../provider/api/chain/abi";
import { jsonRpc, readKmsContract } from "../../provider/api/chain/index";
import { isCvmSecretsError } from "../../provider/errors";
import { compileMockKms, deployMockKms, startChain, type TestChain } from "../support/chain";

jest.setTimeout(60_000);

const SIGNER = `02${"5e".repeat(32)}`;
const ROTATED = `03${"7a".repeat(32)}`;
const APP = "a1".repeat(20);
const OTHER_APP = "b2".repeat(20);
const QUOTE = new Uint8Array(5010).map((_, i) => i % 251);

let chain: TestChain;
beforeAll(async () => {
  chain = await startChain(8453);
});
afterAll(async () => {
  await chain?.close();
});

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const selector = (signature: string): string =>
  hex(keccak_256(new TextEncoder().encode(signature)).slice(0, 4));

test("the bytecode the emulator ships is MockKms.sol compiled by solc 0.8.37 (paris)", () => {
  const compiled = compileMockKms();
  expect(compiled.version).toMatch(/^0\.8\.37\+/);
  expect(compiled.bytecode).toBe(MOCK_KMS_BYTECODE);
  expect(compiled.methodIdentifiers).toEqual({
    "kmsInfo()": SELECTORS.kmsInfo,
    "registeredApps(address)": SELECTORS.registeredApps,
    "gatewayAppId()": SELECTORS.gatewayAppId,
    "owner()": SELECTORS.owner,
    "setKmsInfo(bytes,bytes,bytes,bytes)": SETTER_SELECTORS.setKmsInfo,
    "setRegistered(address,bool)": SETTER_SELECTORS.setRegistered,
    "setGatewayAppId(string)": selector("setGatewayAppId(string)"),
  });
  expect(SETTER_SELECTORS.setKmsInfo).toBe(selector("setKmsInfo(bytes,bytes,bytes,bytes)"));
  expect(SETTER_SELECTORS.setRegistered).toBe(selector("setRegistered(address,bool)"));
});

test("the client reads the signer, the quote and the registration at the finalized block", async () => {
  const contract = await deployMockKms(
    chain,
    { k256Pubkey: SIGNER, quote: QUOTE, caPubkey: Uint8Array.of(0x30, 0x59) },
    [APP],
  );
  const rpc = jsonRpc({ url: chain.url });
  const reading = await readKmsContract(rpc, contract, APP);
  expect(reading.chainId).toBe(8453);
  expect(hex(reading.kmsInfo.k256Pubkey)).toBe(SIGNER);
  expect(hex(reading.kmsInfo.quote)).toBe(hex(QUOTE));
  expect(hex(reading.kmsInfo.caPubkey)).toBe("3059");
  expect(reading.kmsInfo.eventlog.length).toBe(0);
  expect(reading.registered).toBe(true);
  // ganache 7.9.2 knows the tag `finalized` and answers it with its newest block (instant mining).
  expect(reading.block.tag).toBe("finalized");
  expect(reading.block.number).toBe(Number.parseInt((await rpc.call("eth_blockNumber", [])) as string, 16));
  expect((await readKmsContract(rpc, contract, OTHER_APP)).registered).toBe(false);
});

test("a signer rotated and an app deregistered on chain are what the next reading says", async () => {
  const contract = await deployMockKms(chain, { k256Pubkey: SIGNER }, [APP]);
  const rpc = jsonRpc({ url: chain.url });
  const before = await readKmsContract(rpc, contract, APP);
  await setKmsInfo(chain.rpc, contract, { k256Pubkey: ROTATED });
  await setRegistered(chain.rpc, contract, APP, false);
  const after = await readKmsContract(rpc, contract, APP);
  expect([hex(before.kmsInfo.k256Pubkey), before.registered]).toEqual([SIGNER, true]);
  expect([hex(after.kmsInfo.k256Pubkey), after.registered]).toEqual([ROTATED, false]);
  expect(after.block.number).toBeGreaterThan(before.block.number);
});

test("an address without code answers no data, which is an error", async () => {
  const error = await readKmsContract(jsonRpc({ url: chain.url }), `0x${"0d".repeat(20)}`, APP).catch(
    (e: unknown) => e,
  );
  expect(isCvmSecretsError(error, "CVMS_CHAIN_ERROR")).toBe(true);
  expect((error as Error).message).toMatch(
    /kmsInfo\(\) at RPC http:\/\/127\.0\.0\.1:\d+: malformed answer: the call returned no data/,
  );
});

test("only the owner may register an app on MockKms", async () => {
  const contract = await deployMockKms(chain, { k256Pubkey: SIGNER });
  const [, stranger] = (await chain.rpc.call("eth_accounts", [])) as string[];
  const data = `0x${SETTER_SELECTORS.setRegistered}${"00".repeat(12)}${APP}${"00".repeat(31)}01`;
  const hash = await chain.rpc.call("eth_sendTransaction", [
    { from: stranger, to: contract, gas: "0x100000", data },
  ]);
  const receipt = (await chain.rpc.call("eth_getTransactionReceipt", [hash])) as { status: string };
  expect(receipt.status).toBe("0x0");
  expect((await readKmsContract(jsonRpc({ url: chain.url }), contract, APP)).registered).toBe(false);
});
