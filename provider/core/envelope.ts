/**
 * The dstack encrypted-env envelope, byte-compatible with the guest decryptor and the
 * official SDKs (the dstack env envelope; repo Dstack-TEE/dstack, docs/encrypted-env-spec.md and
 * dstack/dstack-util/src/crypto.rs):
 *
 *   plaintext = UTF-8 of {"env":[{"key":K,"value":V},...]}
 *   esk       = 32 random bytes, epk = X25519(esk, 9)
 *   key       = X25519(esk, recipient)       -- the raw shared secret; no KDF
 *   iv        = 12 random bytes (the provider derives them: its owner tag, envelope-facts.ts)
 *   blob      = epk(32) || iv(12) || AES-256-GCM(key, iv, plaintext, aad = none) || tag(16)
 *   wire      = lowercase hex, no 0x
 */
import { gcm } from "@noble/ciphers/aes.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { CvmSecretsError, ErrorCodes } from "../errors";
import { concatBytes, decodeHex, encodeHex } from "./hex";

/** Bytes of the envelope around the plaintext: epk (32) + IV (12) + GCM tag (16). */
export const ENVELOPE_OVERHEAD = 60;

/** One variable of the env, in the guest's wire shape. */
export interface EnvPair {
  /** Variable name. */
  key: string;
  /** Variable value; the guest requires a JSON string (a number fails the whole parse). */
  value: string;
}

/**
 * An env as a record (`{ KEY: "value" }`), a list of `[key, value]` pairs, or a list of
 * `{ key, value }` objects. List order is kept in the plaintext; the guest sorts on its side.
 */
export type EnvInput = Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string] | EnvPair>;

/** Options of {@link encryptEnv}. */
export interface EncryptEnvOptions {
  /**
   * Source of randomness for the ephemeral key and the IV. For deterministic tests only:
   * leave unset in real use (defaults to the platform CSPRNG).
   * @internal
   */
  randomBytes?: (length: number) => Uint8Array;
  /**
   * Derives the 12-byte IV from the ephemeral public key instead of drawing it at random (the
   * provider writes its owner tag there, core/envelope-facts.ts). Sound for AES-GCM: the key is
   * the shared secret of an ephemeral key made for this one encryption, so any IV is unique
   * under it.
   * @internal
   */
  iv?: (ephemeralPublicKey: Uint8Array) => Uint8Array;
}

/**
 * Normalises any {@link EnvInput} into the guest's pair list. Refuses non-string values and
 * duplicate keys (the guest would silently keep the last one), naming the key, never the value.
 */
export function toEnvPairs(env: EnvInput): EnvPair[] {
  const entries: Array<readonly [unknown, unknown]> = Array.isArray(env)
    ? (env as ReadonlyArray<unknown>).map((item, index) => {
        if (Array.isArray(item) && item.length === 2) return [item[0], item[1]] as const;
        if (item !== null && typeof item === "object" && "key" in item && "value" in item) {
          const pair = item as { key: unknown; value: unknown };
          return [pair.key, pair.value] as const;
        }
        throw new CvmSecretsError(
          ErrorCodes.INVALID_INPUT,
          `env[${index}] must be a [key, value] pair or a { key, value } object`,
          { index },
        );
      })
    : Object.entries(env as Record<string, unknown>);

  const seen = new Set<string>();
  return entries.map(([key, value], index) => {
    if (typeof key !== "string") {
      throw new CvmSecretsError(ErrorCodes.INVALID_INPUT, `env[${index}]: the key must be a string`, {
        index,
      });
    }
    if (typeof value !== "string") {
      throw new CvmSecretsError(
        ErrorCodes.INVALID_INPUT,
        `env key "${key}": the value must be a string (got ${value === null ? "null" : typeof value}); ` +
          "the guest rejects the whole env when any value is not a JSON string",
        { key },
      );
    }
    if (seen.has(key)) {
      throw new CvmSecretsError(
        ErrorCodes.INVALID_INPUT,
        `env key "${key}" is given more than once; give each key once`,
        { key },
      );
    }
    seen.add(key);
    return { key, value };
  });
}

/** The exact plaintext bytes the guest parses. */
export function envPlaintext(pairs: readonly EnvPair[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ env: pairs.map(({ key, value }) => ({ key, value })) }));
}

/**
 * Parses and checks an X25519 public key given as 64 hex digits (with or without `0x`).
 * Throws {@link ErrorCodes.INVALID_PUBLIC_KEY} otherwise.
 */
export function parseEncryptionPublicKey(publicKeyHex: string): Uint8Array {
  if (typeof publicKeyHex !== "string") {
    throw new CvmSecretsError(
      ErrorCodes.INVALID_PUBLIC_KEY,
      "the encryption public key must be a hex string",
    );
  }
  const key = decodeHex(publicKeyHex.trim(), 32);
  if (!key) {
    throw new CvmSecretsError(
      ErrorCodes.INVALID_PUBLIC_KEY,
      "the encryption public key must be exactly 32 bytes written as 64 hex digits (an optional 0x prefix is allowed)",
    );
  }
  return key;
}

function defaultRandomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

/**
 * Encrypts an env to an app's X25519 env-encryption key, returning the lowercase hex blob that
 * `PATCH /cvms/{id}/envs` takes as `encrypted_env`.
 *
 * @param env - the variables, as a record or a list of pairs.
 * @param publicKeyHex - the app's `encrypted_env_pubkey` (64 hex digits, `0x` optional).
 * @throws CvmSecretsError `CVMS_INVALID_PUBLIC_KEY` for a malformed or low-order key,
 *   `CVMS_INVALID_INPUT` for a non-string value or a duplicate key.
 */
export function encryptEnv(env: EnvInput, publicKeyHex: string, options: EncryptEnvOptions = {}): string {
  const recipient = parseEncryptionPublicKey(publicKeyHex);
  const plaintext = envPlaintext(toEnvPairs(env));
  const random = options.randomBytes ?? defaultRandomBytes;

  const ephemeralSecret = random(32);
  if (ephemeralSecret.length !== 32) {
    throw new CvmSecretsError(ErrorCodes.CONFIGURATION, "randomBytes returned the wrong number of bytes");
  }
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret);
  const iv = options.iv ? options.iv(ephemeralPublic) : random(12);
  if (iv.length !== 12) {
    throw new CvmSecretsError(ErrorCodes.CONFIGURATION, "the IV must be 12 bytes");
  }
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(ephemeralSecret, recipient);
  } catch {
    // noble throws when the result is all zero, exactly where the guest refuses (crypto.rs, dh_decrypt).
    shared = new Uint8Array(32);
  }
  if (shared.every((b) => b === 0)) {
    throw new CvmSecretsError(
      ErrorCodes.INVALID_PUBLIC_KEY,
      "the encryption public key is a low-order X25519 point (the shared secret would be all zero); " +
        "the guest refuses such a blob — check where the key came from",
    );
  }
  const sealed = gcm(shared, iv).encrypt(plaintext);
  return encodeHex(concatBytes(ephemeralPublic, iv, sealed));
}
