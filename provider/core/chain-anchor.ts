/**
 * The on-chain KMS anchor, decided (pure): which RPC and which contract to trust for a CVM's
 * chain ({@link chainAnchorTarget}), and, from what the chain answered, the signer to check the
 * app's key against or the check that failed ({@link chainAnchorVerdict}). The checks, in order
 * (as Phala's trust-center reads `DstackKms`, `packages/verifier/src/utils/dstackContract.ts`,
 * plus the contract and registration checks): the node's chain id is the CVM's; the KMS contract the API
 * reports is the trusted one; `kmsInfo().k256Pubkey` is a compressed secp256k1 key;
 * `registeredApps(app_id)` is true. The API's `rpc_endpoint` is never an input: a lying API
 * would pick a lying node. A failure names the check and the two values' fingerprints.
 */
import { createHash } from "node:crypto";
import { decodeHex, encodeHex } from "./hex";
import { normalizeSigner } from "./kms-signature";

/**
 * Phala's documented `DstackKms` contracts, by chain id: Ethereum and Base (phala-docs
 * `phala-cloud/key-management/cloud-vs-onchain-kms.mdx` @ 3633664; the Base one recurs in
 * `multisig-governance.mdx` and in the SDK's `get_kms_contract.test.ts`). `kms.contract` and
 * `cvm-secrets:kmsContracts` override them.
 */
export const DEFAULT_KMS_CONTRACTS: Readonly<Record<string, string>> = {
  "1": "0xd343a3f5593b93d8056ab5d60c433622d7d65a80",
  "8453": "0x2f83172a49584c017f2b256f0fb2dca14126ba9c",
};

/** What the API says about a CVM's KMS (all of it unverified). */
export interface CvmKmsFacts {
  appId: string;
  onChain: boolean;
  /** `kms_info.chain_id`. */
  chainId?: number;
  /** `kms_info.dstack_kms_address`. */
  contract?: string;
}

/** The trusted settings: stack-wide maps by chain id, and the resource's overrides. */
export interface AnchorSettings {
  /** `cvm-secrets:rpcUrls` / `CVM_SECRETS_RPC_URL_<chainId>`: chain id → JSON-RPC URL. */
  rpcUrls: Readonly<Record<string, string>>;
  /** `cvm-secrets:kmsContracts`: chain id → KMS contract (over {@link DEFAULT_KMS_CONTRACTS}). */
  kmsContracts: Readonly<Record<string, string>>;
  /** `kms.rpcUrl` of the resource: the RPC for its apps' chain, whatever the maps say. */
  rpcUrl?: string;
  /** `kms.contract` of the resource: the KMS contract to trust, whatever the maps say. */
  contract?: string;
}

/**
 * Where a trusted value came from: the resource's own setting (`kms.rpcUrl`/`kms.contract`, or
 * a command's flag), the stack's map (or `CVM_SECRETS_RPC_URL_<chainId>`), or the built-in table
 * of Phala's contracts.
 */
export type AnchorSource = "resource" | "stack" | "default";

/** Where the chain anchor reads, or why it does not apply. */
export type AnchorTarget =
  | {
      kind: "chain";
      chainId: number;
      rpcUrl: string;
      contract: string;
      rpcFrom: Exclude<AnchorSource, "default">;
      contractFrom: AnchorSource;
    }
  | { kind: "none"; reason: "not-on-chain" | "no-rpc" }
  | { kind: "refuse"; check: "chain-unknown" | "no-trusted-contract"; message: string };

/**
 * The RPC and contract to read for this CVM. Not on chain, or no RPC configured for its chain:
 * `none` (the caller keeps the API's signer and says so). An RPC is configured but the API gives
 * no chain id, or no contract is trusted for the chain: `refuse` (cannot tell which chain or
 * contract to believe; the API's contract is never taken).
 */
export function chainAnchorTarget(facts: CvmKmsFacts, settings: AnchorSettings): AnchorTarget {
  if (!facts.onChain) return { kind: "none", reason: "not-on-chain" };
  const anyRpc = settings.rpcUrl !== undefined || Object.keys(settings.rpcUrls).length > 0;
  if (facts.chainId === undefined) {
    if (!anyRpc) return { kind: "none", reason: "no-rpc" };
    return {
      kind: "refuse",
      check: "chain-unknown",
      message: `app ${facts.appId}: the API reports no chain id for its on-chain KMS, so the chain anchor cannot tell which chain to read`,
    };
  }
  const chain = String(facts.chainId);
  const rpcUrl = settings.rpcUrl ?? settings.rpcUrls[chain];
  if (rpcUrl === undefined) return { kind: "none", reason: "no-rpc" };
  const contractFrom: AnchorSource =
    settings.contract !== undefined
      ? "resource"
      : settings.kmsContracts[chain] !== undefined
        ? "stack"
        : "default";
  const contract = settings.contract ?? settings.kmsContracts[chain] ?? DEFAULT_KMS_CONTRACTS[chain];
  if (contract === undefined) {
    return {
      kind: "refuse",
      check: "no-trusted-contract",
      message: `app ${facts.appId}: no KMS contract is trusted for chain ${chain}; set kms.contract or cvm-secrets:kmsContracts`,
    };
  }
  const rpcFrom = settings.rpcUrl !== undefined ? "resource" : "stack";
  return { kind: "chain", chainId: facts.chainId, rpcUrl, contract, rpcFrom, contractFrom };
}

/** What the chain answered (api/chain/kms-contract.ts). */
export interface ChainAnswer {
  chainId: number;
  k256Pubkey: Uint8Array;
  registered: boolean;
  block: { number: number; hash: string };
}

/** The checks of the chain anchor, in the order they run. */
export type AnchorCheck = "chain-id" | "contract" | "signer" | "registered";

/** The signer to use, or the failed check with both values' fingerprints. */
export type ChainAnchorVerdict =
  | { ok: true; signer: string; chainId: number; contract: string; block: { number: number; hash: string } }
  | { ok: false; check: AnchorCheck; expected: string; actual: string; message: string };

/**
 * Decides on the chain's answer for `target`. `facts.contract` is what the API reports; it must
 * equal the trusted contract. Fingerprints: a chain id is printed as is, anything else as the
 * first 16 hex digits of sha-256 of its canonical form (lowercase hex, no 0x) — or `missing`.
 */
export function chainAnchorVerdict(
  facts: CvmKmsFacts,
  target: { chainId: number; contract: string },
  answer: ChainAnswer,
): ChainAnchorVerdict {
  const app = `app ${facts.appId}`;
  if (answer.chainId !== target.chainId) {
    return fail(
      "chain-id",
      String(target.chainId),
      String(answer.chainId),
      `${app}: the RPC serves chain ${answer.chainId}, but the CVM's KMS is on chain ${target.chainId}`,
    );
  }
  const trusted = canonicalAddress(target.contract);
  const reported = facts.contract === undefined ? undefined : canonicalAddress(facts.contract);
  if (trusted === undefined || reported === undefined || trusted !== reported) {
    return fail(
      "contract",
      fingerprint(trusted),
      fingerprint(reported),
      reported === undefined
        ? `${app}: the API reports no valid KMS contract for the CVM, so it cannot be matched with the trusted one for chain ${target.chainId}`
        : `${app}: the API reports another KMS contract than the trusted one for chain ${target.chainId}`,
    );
  }
  const key = answer.k256Pubkey;
  const signer =
    key.length === 33 && (key[0] === 2 || key[0] === 3) ? normalizeSigner(encodeHex(key)) : undefined;
  if (signer === undefined) {
    return fail(
      "signer",
      "compressed secp256k1 key",
      fingerprint(encodeHex(key)),
      `${app}: kmsInfo().k256Pubkey of the KMS contract is not a compressed secp256k1 key (${key.length} bytes)`,
    );
  }
  if (!answer.registered) {
    return fail(
      "registered",
      "true",
      "false",
      `${app}: the app is not registered on the KMS contract (registeredApps is false at block ${answer.block.number})`,
    );
  }
  return { ok: true, signer, chainId: answer.chainId, contract: trusted, block: answer.block };
}

/** Lowercase hex of a 20-byte address (with or without 0x), or undefined. */
export function canonicalAddress(text: string): string | undefined {
  const bytes = decodeHex(text.trim(), 20);
  return bytes ? encodeHex(bytes) : undefined;
}

/** The first 16 hex digits of sha-256 of `value`, or `missing`. */
export function fingerprint(value: string | undefined): string {
  return value === undefined ? "missing" : createHash("sha256").update(value).digest("hex").slice(0, 16);
}

function fail(check: AnchorCheck, expected: string, actual: string, message: string): ChainAnchorVerdict {
  return { ok: false, check, expected, actual, message: `${message} (expected ${expected}, got ${actual})` };
}
