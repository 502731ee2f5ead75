/**
 * Authenticity of an app's env-encryption key, as signed by the dstack KMS root secp256k1 key
 * (the dstack KMS signature format; repo Dstack-TEE/dstack, dstack/kms/src/crypto.rs):
 *
 *   legacy message = "dstack-env-encrypt-pubkey" || ":" || app_id(20) || public_key(32)
 *   v1 message     = "dstack-env-encrypt-pubkey" || ":" || app_id(20) || u64be(timestamp) || public_key(32)
 *   digest         = keccak256(message)            -- Ethereum Keccak, not SHA3-256
 *   signature      = r(32) || s(32) || v(1), v in {0, 1}
 *
 * The official SDK functions only *recover* a signer and leave the comparison to the caller;
 * this module always compares against the signer the caller trusts and answers yes or no.
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { concatBytes, decodeHex, encodeHex } from "./hex";

const PREFIX = new TextEncoder().encode("dstack-env-encrypt-pubkey:");

/** Default window for v1 signatures, as in @phala/dstack-sdk 0.5.8 (`maxAgeSeconds` 300). */
export const DEFAULT_MAX_AGE_SECONDS = 300;
/** A v1 timestamp may be at most this far in the future (clock skew), as in the SDK. */
export const MAX_FUTURE_SKEW_SECONDS = 60;

export interface KeySignatureInput {
  /** The app id: 40 hex digits (20 bytes), `0x` optional. */
  appId: string;
  /** The env-encryption public key that was signed: 64 hex digits, `0x` optional. */
  publicKey: string;
  /** The 65-byte signature `r || s || v` in hex, `0x` optional. */
  signature: string;
  /** The signer you trust: the KMS `k256_pubkey` (33-byte compressed or 65-byte uncompressed hex). */
  trustedSigner: string;
  /** Unix seconds; present for the timestamped (v1) format, absent for the legacy format. */
  timestamp?: number | bigint;
  /** Unix seconds used as "now" for the v1 age check (defaults to the clock). */
  now?: number;
  /** Maximum accepted age of a v1 signature. */
  maxAgeSeconds?: number;
}

export type KeySignatureFailure =
  | "malformed-app-id"
  | "malformed-public-key"
  | "malformed-signature"
  | "malformed-trusted-signer"
  | "timestamp-in-future"
  | "timestamp-expired"
  | "unrecoverable"
  | "signer-mismatch";

export type KeySignatureVerdict =
  | { readonly ok: true; readonly format: "legacy" | "v1" }
  | { readonly ok: false; readonly reason: KeySignatureFailure; readonly message: string };

/** The message the KMS signs (legacy when `timestamp` is undefined). */
export function keySignatureMessage(
  appId: Uint8Array,
  publicKey: Uint8Array,
  timestamp?: bigint,
): Uint8Array {
  if (timestamp === undefined) return concatBytes(PREFIX, appId, publicKey);
  const ts = new Uint8Array(8);
  new DataView(ts.buffer).setBigUint64(0, timestamp, false);
  return concatBytes(PREFIX, appId, ts, publicKey);
}

function fail(reason: KeySignatureFailure, message: string): KeySignatureVerdict {
  return { ok: false, reason, message };
}

/** Compressed SEC1 form of a secp256k1 public key given in hex, or undefined if it is not one. */
export function normalizeSigner(hex: string): string | undefined {
  const bytes = decodeHex(hex.trim());
  if (!bytes || (bytes.length !== 33 && bytes.length !== 65)) return undefined;
  try {
    return encodeHex(secp256k1.Point.fromBytes(bytes).toBytes(true));
  } catch {
    return undefined;
  }
}

/**
 * Verifies that `trustedSigner` signed `publicKey` for `appId`. Never returns "some recovered
 * key": the answer is yes, or no with the reason.
 */
export function verifyKeySignature(input: KeySignatureInput): KeySignatureVerdict {
  const appId = decodeHex(input.appId, 20);
  if (!appId) return fail("malformed-app-id", "the app id must be 20 bytes (40 hex digits)");
  const publicKey = decodeHex(input.publicKey, 32);
  if (!publicKey)
    return fail("malformed-public-key", "the signed public key must be 32 bytes (64 hex digits)");
  const signature = decodeHex(input.signature, 65);
  if (!signature) return fail("malformed-signature", "the signature must be 65 bytes (r || s || v) in hex");
  const trusted = normalizeSigner(input.trustedSigner);
  if (!trusted) {
    return fail("malformed-trusted-signer", "the trusted signer must be a secp256k1 public key in hex");
  }
  const recovery = signature[64]!;
  if (recovery !== 0 && recovery !== 1) {
    return fail("malformed-signature", "the signature's recovery byte must be 0 or 1");
  }

  let timestamp: bigint | undefined;
  if (input.timestamp !== undefined) {
    timestamp = BigInt(input.timestamp);
    const now = BigInt(input.now ?? Math.floor(Date.now() / 1000));
    const age = now - timestamp;
    if (age < -BigInt(MAX_FUTURE_SKEW_SECONDS)) {
      return fail("timestamp-in-future", "the signature's timestamp is more than 60 s in the future");
    }
    if (age > BigInt(input.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS)) {
      return fail("timestamp-expired", "the signature's timestamp is older than the accepted maximum age");
    }
  }

  const digest = keccak_256(keySignatureMessage(appId, publicKey, timestamp));
  let recovered: string;
  try {
    recovered = encodeHex(
      secp256k1.Signature.fromBytes(signature.subarray(0, 64), "compact")
        .addRecoveryBit(recovery)
        .recoverPublicKey(digest)
        .toBytes(true),
    );
  } catch {
    return fail("unrecoverable", "no public key can be recovered from the signature");
  }
  if (recovered !== trusted) {
    return fail("signer-mismatch", "the key was not signed by the trusted KMS signer");
  }
  return { ok: true, format: timestamp === undefined ? "legacy" : "v1" };
}

/**
 * Signs an env-encryption key the way the KMS does (used by the emulator). Returns the
 * 65-byte `r || s || v` signature in hex.
 */
export function signKey(
  kmsSecretKey: Uint8Array,
  appId: Uint8Array,
  publicKey: Uint8Array,
  timestamp?: bigint,
): string {
  const digest = keccak_256(keySignatureMessage(appId, publicKey, timestamp));
  const recovered = secp256k1.sign(digest, kmsSecretKey, { prehash: false, format: "recovered" });
  // noble puts the recovery byte first; dstack puts it last.
  return encodeHex(concatBytes(recovered.subarray(1), recovered.subarray(0, 1)));
}

/** The compressed public key (`k256_pubkey`) of a KMS secret key, as hex. */
export function kmsPublicKey(kmsSecretKey: Uint8Array): string {
  return encodeHex(secp256k1.getPublicKey(kmsSecretKey, true));
}
