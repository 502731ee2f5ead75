/**
 * The on-chain KMS anchor's decision (provider/core/chain-anchor.ts): which RPC and contract a
 * CVM's chain uses (per-resource overrides, stack maps, Phala's defaults, never the API's), and
 * the verdict on the chain's answer — every combination of the four checks, the first failing
 * one named with both values' fingerprints.
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import fc from "fast-check";
import {
  type AnchorSettings,
  type ChainAnswer,
  type CvmKmsFacts,
  chainAnchorTarget,
  chainAnchorVerdict,
  DEFAULT_KMS_CONTRACTS,
  fingerprint,
} from "../../provider/core/chain-anchor";

const APP = "a1".repeat(20);
const BASE_KMS = "0x2f83172A49584C017F2B256F0FB2Dca14126Ba9C";
const ETH_KMS = "0xd343a3f5593b93D8056aB5D60c433622d7D65a80";
const OTHER = `0x${"ee".repeat(20)}`;
const SIGNER = secp256k1.getPublicKey(
  Uint8Array.from({ length: 32 }, (_, i) => i + 1),
  true,
);
const none: AnchorSettings = { rpcUrls: {}, kmsContracts: {} };
const onBase: CvmKmsFacts = { appId: APP, onChain: true, chainId: 8453, contract: BASE_KMS.toLowerCase() };
const block = { number: 7, hash: `0x${"ab".repeat(32)}` };
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("chainAnchorTarget", () => {
  test("Phala's documented contracts are the defaults (Ethereum and Base)", () => {
    expect(DEFAULT_KMS_CONTRACTS).toEqual({ "1": ETH_KMS.toLowerCase(), "8453": BASE_KMS.toLowerCase() });
  });

  test.each<[string, CvmKmsFacts, AnchorSettings, unknown]>([
    [
      "Phala KMS",
      { appId: APP, onChain: false },
      { ...none, rpcUrl: "http://rpc" },
      { kind: "none", reason: "not-on-chain" },
    ],
    ["on chain, nothing configured", onBase, none, { kind: "none", reason: "no-rpc" }],
    [
      "an RPC for another chain only",
      onBase,
      { ...none, rpcUrls: { "1": "http://eth" } },
      { kind: "none", reason: "no-rpc" },
    ],
    [
      "the stack's RPC, the default contract",
      onBase,
      { ...none, rpcUrls: { "8453": "http://base" } },
      {
        kind: "chain",
        chainId: 8453,
        rpcUrl: "http://base",
        contract: BASE_KMS.toLowerCase(),
        rpcFrom: "stack",
        contractFrom: "default",
      },
    ],
    [
      "the stack's contract over the default",
      onBase,
      { rpcUrls: { "8453": "http://base" }, kmsContracts: { "8453": OTHER } },
      {
        kind: "chain",
        chainId: 8453,
        rpcUrl: "http://base",
        contract: OTHER,
        rpcFrom: "stack",
        contractFrom: "stack",
      },
    ],
    [
      "the resource's RPC and contract over the stack's",
      onBase,
      {
        rpcUrls: { "8453": "http://base" },
        kmsContracts: { "8453": OTHER },
        rpcUrl: "http://mine",
        contract: ETH_KMS,
      },
      {
        kind: "chain",
        chainId: 8453,
        rpcUrl: "http://mine",
        contract: ETH_KMS,
        rpcFrom: "resource",
        contractFrom: "resource",
      },
    ],
    [
      "a chain with no trusted contract",
      { ...onBase, chainId: 31337 },
      { ...none, rpcUrls: { "31337": "http://dev" } },
      expect.objectContaining({ kind: "refuse", check: "no-trusted-contract" }),
    ],
    [
      "no chain id from the API, an RPC configured",
      { ...onBase, chainId: undefined },
      { ...none, rpcUrls: { "8453": "http://base" } },
      expect.objectContaining({ kind: "refuse", check: "chain-unknown" }),
    ],
    [
      "no chain id from the API, nothing configured",
      { ...onBase, chainId: undefined },
      none,
      { kind: "none", reason: "no-rpc" },
    ],
  ])("%s", (_name, facts, settings, expected) => {
    expect(chainAnchorTarget(facts, settings)).toEqual(expected);
  });

  test("the API's contract is never the trusted one", () => {
    const target = chainAnchorTarget(
      { ...onBase, contract: OTHER },
      { ...none, rpcUrls: { "8453": "http://base" } },
    );
    expect(target).toMatchObject({ kind: "chain", contract: BASE_KMS.toLowerCase() });
  });
});

describe("chainAnchorVerdict", () => {
  const target = { chainId: 8453, contract: BASE_KMS };
  const answer: ChainAnswer = { chainId: 8453, k256Pubkey: SIGNER, registered: true, block };

  test("all checks pass: the chain's signer, compressed and lowercase", () => {
    expect(chainAnchorVerdict(onBase, target, answer)).toEqual({
      ok: true,
      signer: hex(SIGNER),
      chainId: 8453,
      contract: BASE_KMS.slice(2).toLowerCase(),
      block,
    });
  });

  test.each<[string, Partial<ChainAnswer>, Partial<CvmKmsFacts>, string, string, string, RegExp]>([
    [
      "another chain",
      { chainId: 1 },
      {},
      "chain-id",
      "8453",
      "1",
      /RPC serves chain 1, but the CVM's KMS is on chain 8453/,
    ],
    [
      "another contract",
      {},
      { contract: OTHER },
      "contract",
      fingerprint(BASE_KMS.slice(2).toLowerCase()),
      fingerprint("ee".repeat(20)),
      /another KMS contract/,
    ],
    [
      "no contract from the API",
      {},
      { contract: undefined },
      "contract",
      fingerprint(BASE_KMS.slice(2).toLowerCase()),
      "missing",
      /no valid KMS contract/,
    ],
    [
      "a malformed contract from the API",
      {},
      { contract: "0x1234" },
      "contract",
      fingerprint(BASE_KMS.slice(2).toLowerCase()),
      "missing",
      /no valid KMS contract/,
    ],
    [
      "an uncompressed signer",
      { k256Pubkey: secp256k1.getPublicKey(new Uint8Array(32).fill(1), false) },
      {},
      "signer",
      "compressed secp256k1 key",
      expect.any(String) as unknown as string,
      /not a compressed secp256k1 key \(65 bytes\)/,
    ],
    [
      "no signer set on chain",
      { k256Pubkey: new Uint8Array(0) },
      {},
      "signer",
      "compressed secp256k1 key",
      fingerprint(""),
      /\(0 bytes\)/,
    ],
    [
      "a signer off the curve",
      { k256Pubkey: Uint8Array.of(2, ...new Uint8Array(32).fill(0xff)) },
      {},
      "signer",
      "compressed secp256k1 key",
      expect.any(String) as unknown as string,
      /33 bytes/,
    ],
    [
      "an unregistered app",
      { registered: false },
      {},
      "registered",
      "true",
      "false",
      /not registered on the KMS contract \(registeredApps is false at block 7\)/,
    ],
  ])("%s", (_name, changed, facts, check, expected, actual, message) => {
    const verdict = chainAnchorVerdict({ ...onBase, ...facts }, target, { ...answer, ...changed });
    expect(verdict).toEqual({ ok: false, check, expected, actual, message: expect.stringMatching(message) });
    if (!verdict.ok)
      expect(verdict.message).toContain(`(expected ${verdict.expected}, got ${verdict.actual})`);
  });

  test("over every combination, ok exactly when all four hold; else the first failing check", () => {
    const order = ["chain-id", "contract", "signer", "registered"] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(8453, 1, 31337),
        fc.constantFrom(BASE_KMS, BASE_KMS.toLowerCase(), BASE_KMS.slice(2), OTHER, undefined),
        fc.constantFrom("good", "uncompressed", "empty", "prefix-04"),
        fc.boolean(),
        (chainId, contract, key, registered) => {
          const k256Pubkey =
            key === "good"
              ? SIGNER
              : key === "uncompressed"
                ? secp256k1.getPublicKey(new Uint8Array(32).fill(1), false)
                : key === "empty"
                  ? new Uint8Array(0)
                  : Uint8Array.of(4, ...SIGNER.slice(1));
          const holds = {
            "chain-id": chainId === 8453,
            contract: contract?.toLowerCase().endsWith(BASE_KMS.slice(2).toLowerCase()) === true,
            signer: key === "good",
            registered,
          };
          const verdict = chainAnchorVerdict({ ...onBase, contract }, target, {
            chainId,
            k256Pubkey,
            registered,
            block,
          });
          const firstFailing = order.find((c) => !holds[c]);
          if (firstFailing === undefined) expect(verdict).toMatchObject({ ok: true, signer: hex(SIGNER) });
          else expect(verdict).toMatchObject({ ok: false, check: firstFailing });
        },
      ),
      { seed: 1903, numRuns: 300 },
    );
  });
});
