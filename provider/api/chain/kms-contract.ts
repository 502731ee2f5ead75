/**
 * What a `DstackKms` contract says about an app, read through a chain node (the contract:
 * Dstack-TEE/dstack `kms/auth-eth/contracts/DstackKms.sol`): the node's chain id (`eth_chainId`),
 * the finalized block (`eth_getBlockByNumber` with tag `finalized`), then `kmsInfo()` and `registeredApps(app_id)` by `eth_call` at that
 * block's number, so both reads see one state. A node that does not know the tag `finalized`
 * (pre-merge software) is an error: this module never falls back to `latest`. (A development
 * chain such as ganache 7.9.2 answers `finalized` with its newest block, which is what its
 * instant mining makes final.) Facts are returned as read; deciding on them is
 * core/chain-anchor.ts.
 */
import { CvmSecretsError, ErrorCodes } from "../../errors";
import {
  AbiError,
  decodeBool,
  decodeKmsInfo,
  encodeKmsInfoCall,
  encodeRegisteredAppsCall,
  type KmsInfo,
  returnData,
} from "./abi";
import type { JsonRpc } from "./rpc";

/** A block, as the anchor records it. */
export interface BlockRef {
  /** The block number. */
  number: number;
  /** The block hash, `0x` + 64 lowercase hex digits. */
  hash: string;
  /** The tag the block was asked by: always `finalized`. */
  tag: "finalized";
}

/** What the chain answered for one app under one KMS contract. */
export interface KmsContractReading {
  /** `eth_chainId` of the node. */
  chainId: number;
  /** The block both calls were made at. */
  block: BlockRef;
  /** `kmsInfo()` of the contract. */
  kmsInfo: KmsInfo;
  /** `registeredApps(app_id)` of the contract. */
  registered: boolean;
}

/**
 * Reads chain id, finalized block, `kmsInfo()` and `registeredApps(appId)` of `contract`.
 * Throws `CVMS_CHAIN_ERROR` on any failed or malformed answer.
 */
export async function readKmsContract(
  rpc: JsonRpc,
  contract: string,
  appId: string,
): Promise<KmsContractReading> {
  const registeredData = registeredAppsCall(rpc, appId);
  const chainId = quantity(await rpc.call("eth_chainId", []), "eth_chainId", rpc);
  const block = await finalizedBlock(rpc);
  const at = `0x${block.number.toString(16)}`;
  const info = await ethCall(rpc, contract, encodeKmsInfoCall(), at, "kmsInfo()", decodeKmsInfo);
  const registered = await ethCall(rpc, contract, registeredData, at, "registeredApps(address)", decodeBool);
  return { chainId, block, kmsInfo: info, registered };
}

/** The call data of `registeredApps(appId)`; an app id that is no address is an error, not a call. */
function registeredAppsCall(rpc: JsonRpc, appId: string): string {
  try {
    return encodeRegisteredAppsCall(appId);
  } catch (error) {
    if (error instanceof AbiError) {
      throw chainError(
        rpc,
        "eth_call registeredApps(address)",
        "the app id is not a 20-byte address; nothing was asked",
      );
    }
    throw error;
  }
}

async function finalizedBlock(rpc: JsonRpc): Promise<BlockRef> {
  const answer = await rpc.call("eth_getBlockByNumber", ["finalized", false]);
  if (answer === null) {
    throw chainError(
      rpc,
      "eth_getBlockByNumber",
      "the node knows no finalized block; use an RPC URL of a synced post-merge node",
    );
  }
  const block = answer as { number?: unknown; hash?: unknown };
  if (
    typeof answer !== "object" ||
    typeof block.hash !== "string" ||
    !/^0x[0-9a-fA-F]{64}$/.test(block.hash)
  ) {
    throw chainError(rpc, "eth_getBlockByNumber", "the finalized block has no valid hash");
  }
  return {
    number: quantity(block.number, "eth_getBlockByNumber", rpc),
    hash: block.hash.toLowerCase(),
    tag: "finalized",
  };
}

async function ethCall<T>(
  rpc: JsonRpc,
  contract: string,
  data: string,
  block: string,
  what: string,
  decode: (bytes: Uint8Array) => T,
): Promise<T> {
  const result = await rpc.call("eth_call", [{ to: contract, data }, block]);
  try {
    const bytes = returnData(result);
    if (bytes.length === 0) {
      throw new AbiError(
        "the call returned no data: no contract at this address on this chain, or not a DstackKms",
      );
    }
    return decode(bytes);
  } catch (error) {
    if (error instanceof AbiError)
      throw chainError(rpc, `eth_call ${what}`, `malformed answer: ${error.message}`);
    throw error;
  }
}

/** A JSON-RPC quantity (`0x` + hex without leading zeros, JSON-RPC spec) as a safe integer. */
function quantity(value: unknown, method: string, rpc: JsonRpc): number {
  if (typeof value !== "string" || !/^0x(0|[1-9a-fA-F][0-9a-fA-F]{0,12})$/.test(value)) {
    throw chainError(rpc, method, "the answer is not a quantity (0x-prefixed hex, at most 13 digits)");
  }
  return Number.parseInt(value.slice(2), 16);
}

function chainError(rpc: JsonRpc, method: string, reason: string): CvmSecretsError {
  return new CvmSecretsError(ErrorCodes.CHAIN_ERROR, `${method} at RPC ${rpc.origin}: ${reason}`, {
    method,
    rpc: rpc.origin,
  });
}
