/**
 * What the dstack guest does with `.encrypted-env` at boot, on node:crypto only (independent of
 * the @noble code that encrypts). Mirrors the dstack guest's decryption (dstack-util) (repo Dstack-TEE/dstack,
 * dstack-util crypto.rs / system_setup.rs / parse_env_file.rs), the allow-list of dstack `allowed_envs` and the
 * limits of the dstack guest's limits. Boot errors use the guest's own messages (anyhow context chains of
 * dstack-util `dh_decrypt` and `parse_env_file::parse_env`); they name keys and sizes, never
 * values or plaintext (the serde detail of a parse error is replaced, as it can quote a value).
 */
import {
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
} from "node:crypto";

const PKCS8_X25519 = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI_X25519 = Buffer.from("302a300506032b656e032100", "hex");

/** the dstack guest's limits: `.encrypted-env` ≤ 256 KiB. */
export const MAX_ENCRYPTED_ENV_BYTES = 262_144;
/** the dstack guest's limits: ≤ 1024 entries, counted before the allow-list filter. */
export const MAX_ENV_ENTRIES = 1024;
/** the dstack guest's limits: key ≤ 255 bytes (allowed keys only). */
export const MAX_KEY_BYTES = 255;
/** the dstack guest's limits: value ≤ 128 KiB (allowed keys only). */
export const MAX_VALUE_BYTES = 131_072;
/** the dstack guest's limits: cumulative key+value bytes ≤ 1 MiB (allowed keys only). */
export const MAX_TOTAL_BYTES = 1_048_576;
/** the dstack guest's limits: key name rule. */
export const KEY_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** An X25519 key pair as raw 32-byte buffers. */
export interface X25519KeyPair {
  secretKey: Buffer;
  publicKey: Buffer;
}

/** A fresh X25519 key pair (node:crypto). */
export function generateX25519(): X25519KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  const pkcs8 = privateKey.export({ format: "der", type: "pkcs8" });
  const spki = publicKey.export({ format: "der", type: "spki" });
  return { secretKey: pkcs8.subarray(pkcs8.length - 32), publicKey: spki.subarray(spki.length - 32) };
}

/** The public key of a raw X25519 secret. */
export function x25519PublicKey(secret: Uint8Array): Buffer {
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_X25519, secret]),
    format: "der",
    type: "pkcs8",
  });
  const der = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  return der.subarray(der.length - 32);
}

/** X25519(secret, peer); returns undefined where OpenSSL refuses (all-zero result). */
export function x25519Shared(secret: Uint8Array, peer: Uint8Array): Buffer | undefined {
  try {
    const privateKey = createPrivateKey({
      key: Buffer.concat([PKCS8_X25519, secret]),
      format: "der",
      type: "pkcs8",
    });
    const publicKey = createPublicKey({
      key: Buffer.concat([SPKI_X25519, peer]),
      format: "der",
      type: "spki",
    });
    return diffieHellman({ privateKey, publicKey });
  } catch {
    return undefined;
  }
}

/** The outcome of one boot: the guest's env (`.decrypted-env.json`) or the reason boot failed. */
export type BootOutcome =
  | {
      ok: true;
      /** The variables the app sees, keys sorted (BTreeMap in the guest). */
      env: Record<string, string>;
      /** Keys present in the blob but not in `allowed_envs` (dstack `allowed_envs`: skipped with a warning). */
      skipped: string[];
    }
  | { ok: false; error: string };

function fail(error: string): BootOutcome {
  return { ok: false, error };
}

const DECRYPT = "Failed to decrypt env file";

/** Decrypts the raw blob; returns the plaintext or a boot error (the dstack guest's decryption (dstack-util), `dh_decrypt`). */
function decryptBlob(data: Buffer, secret: Uint8Array): Buffer | string {
  if (data.length < 32) return `${DECRYPT}: Invalid ephemeral public key length`;
  if (data.length < 44) return `${DECRYPT}: Invalid IV length`;
  const shared = x25519Shared(secret, data.subarray(0, 32));
  if (!shared || shared.every((b) => b === 0)) return `${DECRYPT}: invalid X25519 shared secret`;
  const failed = `${DECRYPT}: Decryption failed: aead::Error`;
  if (data.length < 44 + 16) return failed;
  try {
    const decipher = createDecipheriv("aes-256-gcm", shared, data.subarray(32, 44));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(44, data.length - 16)), decipher.final()]);
  } catch {
    return failed;
  }
}

/** Parses `{"env":[{"key":K,"value":V}]}`; any other shape (or a non-string value) fails. */
function parsePlaintext(plaintext: Buffer): Array<{ key: string; value: string }> | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plaintext));
  } catch {
    // Never include the parser's message: it quotes the plaintext.
    return "Failed to parse env: not UTF-8 JSON";
  }
  const list = (parsed as { env?: unknown } | null)?.env;
  if (parsed === null || typeof parsed !== "object" || !Array.isArray(list)) {
    return 'Failed to parse env: expected {"env":[{"key":…,"value":…}]}';
  }
  const pairs: Array<{ key: string; value: string }> = [];
  for (const [index, item] of list.entries()) {
    const pair = item as { key?: unknown; value?: unknown } | null;
    if (pair === null || typeof pair !== "object" || typeof pair.key !== "string") {
      return `Failed to parse env: env[${index}] has no string key`;
    }
    if (typeof pair.value !== "string") {
      return `Failed to parse env: the value of env[${index}] is not a string`;
    }
    pairs.push({ key: pair.key, value: pair.value });
  }
  return pairs;
}

/**
 * Boots a CVM's env exactly as the guest does.
 *
 * @param encryptedEnvHex - the stored blob (lowercase hex; empty = no env, which is legal).
 * @param appSecret - the app's X25519 env-encryption secret (`env_crypt_key`).
 * @param allowedEnvs - `compose_file.allowed_envs`; empty drops every variable (dstack `allowed_envs`).
 */
export function bootEnv(
  encryptedEnvHex: string,
  appSecret: Uint8Array,
  allowedEnvs: readonly string[],
): BootOutcome {
  // the dstack guest's decryption (dstack-util): an empty file means "No encrypted env, using default".
  if (encryptedEnvHex.length === 0) return { ok: true, env: {}, skipped: [] };
  const data = Buffer.from(encryptedEnvHex, "hex");
  if (data.length > MAX_ENCRYPTED_ENV_BYTES) {
    return fail(
      `Source file /dstack/.host-shared/.encrypted-env is too large (${data.length} > ${MAX_ENCRYPTED_ENV_BYTES} bytes)`,
    );
  }
  const plaintext = decryptBlob(data, appSecret);
  if (typeof plaintext === "string") return fail(plaintext);
  const pairs = parsePlaintext(plaintext);
  if (typeof pairs === "string") return fail(pairs);
  if (pairs.length > MAX_ENV_ENTRIES) {
    return fail(`Too many environment variables: ${pairs.length}`);
  }

  const allowed = new Set(allowedEnvs);
  const env = new Map<string, string>();
  const skipped: string[] = [];
  let total = 0;
  for (const { key, value } of pairs) {
    if (!allowed.has(key)) {
      skipped.push(key);
      continue;
    }
    const keyBytes = Buffer.byteLength(key, "utf8");
    const valueBytes = Buffer.byteLength(value, "utf8");
    // Same order and messages as parse_env: name length, value length, name rule, total.
    if (keyBytes > MAX_KEY_BYTES) return fail(`Environment variable name too long: ${key}`);
    if (valueBytes > MAX_VALUE_BYTES) return fail(`Environment variable value too long for key: ${key}`);
    if (!KEY_PATTERN.test(key)) return fail(`Invalid env key: ${key}`);
    total += keyBytes + valueBytes;
    if (total > MAX_TOTAL_BYTES) return fail("Environment variables total size too large");
    env.set(key, value);
  }
  const sorted: Record<string, string> = {};
  for (const key of [...env.keys()].sort()) sorted[key] = env.get(key)!;
  return { ok: true, env: sorted, skipped };
}
