/**
 * The chain client of the on-chain KMS anchor: a bounded JSON-RPC client (rpc.ts), the
 * hand-written ABI of the two `DstackKms` views it calls (abi.ts), and the reading of one
 * contract for one app (kms-contract.ts).
 */

export { parseRpcUrl, rpcOrigin } from "../../core/rpc-url";
export { type AbiError, type KmsInfo, SELECTORS } from "./abi";
export { type BlockRef, type KmsContractReading, readKmsContract } from "./kms-contract";
export { DEFAULT_RPC_BOUNDS, type JsonRpc, jsonRpc, type RpcOptions } from "./rpc";
