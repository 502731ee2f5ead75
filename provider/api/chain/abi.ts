/**
 * The Solidity ABI, by hand, for exactly the calls the KMS anchor makes on a `DstackKms`
 * contract (Dstack-TEE/dstack `kms/auth-eth/contracts/DstackKms.sol`; the view ABI as Phala's
 * trust-center copies it, `packages/verifier/src/utils/abi/DstackKms.json`):
 * `kmsInfo() returns (bytes k256Pubkey, bytes caPubkey, bytes quote, bytes eventlog)` and
 * `registeredApps(address) returns (bool)`. Decoding is strict (Solidity ABI spec, "Formal
 * Specification of the Encoding"): every offset and length lies inside the answer, numbers fit in
 * their low bytes, a bool is exactly 0 or 1, padding is zero. Anything else is a {@link AbiError}.
 */
import { decodeHex, encodeHex } from "../../core/hex";

/**
 * Four-byte selectors: the first bytes of keccak-256 of the signature (recomputed in
 * test/unit/chain-abi.test.ts).
 */
export const SELECTORS = {
  kmsInfo: "09177063",
  registeredApps: "a6c4cce9",
  gatewayAppId: "95f51931",
  owner: "8da5cb5b",
} as const;

const WORD = 32;

/** A malformed ABI answer; `message` says what was wrong, never the bytes. */
export class AbiError extends Error {
  override readonly name = "AbiError";
}

/** The four byte strings of `kmsInfo()`. */
export interface KmsInfo {
  k256Pubkey: Uint8Array;
  caPubkey: Uint8Array;
  quote: Uint8Array;
  eventlog: Uint8Array;
}

/** Call data of `kmsInfo()`. */
export function encodeKmsInfoCall(): string {
  return `0x${SELECTORS.kmsInfo}`;
}

/** Call data of `registeredApps(address)`; `address` is 20 bytes of hex (with or without 0x). */
export function encodeRegisteredAppsCall(address: string): string {
  const bytes = decodeHex(address, 20);
  if (!bytes) throw new AbiError("an address must be 20 bytes (40 hex digits)");
  return `0x${SELECTORS.registeredApps}${"00".repeat(12)}${encodeHex(bytes)}`;
}

/** The hex return data of an `eth_call` as bytes (`0x` + an even number of hex digits). */
export function returnData(result: unknown): Uint8Array {
  if (typeof result !== "string" || !/^0x/.test(result))
    throw new AbiError("the call result is not 0x-prefixed hex");
  const bytes = decodeHex(result);
  if (!bytes) throw new AbiError("the call result is not an even number of hex digits");
  return bytes;
}

/** `bool`: exactly one word, 0 or 1. */
export function decodeBool(data: Uint8Array): boolean {
  if (data.length !== WORD) throw new AbiError(`a bool answer must be 32 bytes, got ${data.length}`);
  for (let i = 0; i < WORD - 1; i++) if (data[i] !== 0) throw new AbiError("a bool answer is not 0 or 1");
  const last = data[WORD - 1];
  if (last !== 0 && last !== 1) throw new AbiError("a bool answer is not 0 or 1");
  return last === 1;
}

/** `(bytes, bytes, bytes, bytes)`: four offsets, then each length-prefixed, zero-padded string. */
export function decodeKmsInfo(data: Uint8Array): KmsInfo {
  const [k256Pubkey, caPubkey, quote, eventlog] = decodeBytesTuple(data, 4) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  return { k256Pubkey, caPubkey, quote, eventlog };
}

/** A tuple of `count` dynamic `bytes`, each bounded by the answer. */
export function decodeBytesTuple(data: Uint8Array, count: number): Uint8Array[] {
  if (data.length % WORD !== 0)
    throw new AbiError(`the answer (${data.length} bytes) is not whole 32-byte words`);
  if (data.length < count * WORD) throw new AbiError(`the answer is shorter than its ${count} offsets`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const offset = word(data, i * WORD, `offset ${i}`);
    if (offset % WORD !== 0 || offset < count * WORD)
      throw new AbiError(`offset ${i} does not point past the head`);
    if (offset + WORD > data.length) throw new AbiError(`offset ${i} points outside the answer`);
    const length = word(data, offset, `length ${i}`);
    const start = offset + WORD;
    const padded = Math.ceil(length / WORD) * WORD;
    if (start + padded > data.length) throw new AbiError(`bytes ${i} run past the end of the answer`);
    for (let p = start + length; p < start + padded; p++) {
      if (data[p] !== 0) throw new AbiError(`bytes ${i} have non-zero padding`);
    }
    out.push(data.slice(start, start + length));
  }
  return out;
}

/** A uint256 word at `at` that must fit in its low four bytes (an offset or a length). */
function word(data: Uint8Array, at: number, what: string): number {
  for (let i = at; i < at + WORD - 4; i++) {
    if (data[i] !== 0) throw new AbiError(`${what} is out of range`);
  }
  return new DataView(data.buffer, data.byteOffset + at + WORD - 4, 4).getUint32(0, false);
}

/** ABI encoding of a tuple of `bytes` (for the JSON-RPC stub and tests; the inverse of {@link decodeBytesTuple}). */
export function encodeBytesTuple(items: readonly Uint8Array[]): Uint8Array {
  const head = new Uint8Array(items.length * WORD);
  const tails: Uint8Array[] = [];
  let offset = head.length;
  items.forEach((item, i) => {
    new DataView(head.buffer).setUint32(i * WORD + WORD - 4, offset, false);
    const tail = new Uint8Array(WORD + Math.ceil(item.length / WORD) * WORD);
    new DataView(tail.buffer).setUint32(WORD - 4, item.length, false);
    tail.set(item, WORD);
    tails.push(tail);
    offset += tail.length;
  });
  const out = new Uint8Array(offset);
  out.set(head, 0);
  let at = head.length;
  for (const tail of tails) {
    out.set(tail, at);
    at += tail.length;
  }
  return out;
}
