/**
 * An independent implementation of the dstack env envelope on node:crypto (OpenSSL), used to
 * cross-check provider/core/envelope.ts, which is built on @noble. Mirrors the guest decryptor
 * (Dstack-TEE/dstack, dstack/dstack-util/src/crypto.rs `dh_decrypt`; the format in
 * docs/encrypted-env-spec.md).
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { x25519Shared as guestX25519Shared, x25519PublicKey } from "../../emulator/guest";

/** X25519 on node:crypto (the emulator's guest code); throws where OpenSSL refuses. */
export function x25519Shared(secret: Uint8Array, peerPublic: Uint8Array): Buffer {
  const shared = guestX25519Shared(secret, peerPublic);
  if (!shared) throw new Error("X25519 refused (all-zero shared secret)");
  return shared;
}

export const x25519Public = x25519PublicKey;

/** Decrypts a hex blob like the guest; returns the parsed plaintext JSON. Throws on any failure. */
export function guestDecrypt(
  blobHex: string,
  recipientSecret: Uint8Array,
): { env: Array<{ key: string; value: string }> } {
  const data = Buffer.from(blobHex, "hex");
  if (data.length < 44 + 16) throw new Error("blob too short");
  const shared = x25519Shared(recipientSecret, data.subarray(0, 32));
  if (shared.every((b) => b === 0)) throw new Error("all-zero shared secret");
  const iv = data.subarray(32, 44);
  const body = data.subarray(44, data.length - 16);
  const tag = data.subarray(data.length - 16);
  const decipher = createDecipheriv("aes-256-gcm", shared, iv);
  decipher.setAuthTag(tag);
  const plaintext = Buffer.concat([decipher.update(body), decipher.final()]);
  return JSON.parse(plaintext.toString("utf8"));
}

/** Encrypts like the SDKs, with caller-chosen ephemeral secret and IV. */
export function nodeEncrypt(
  plaintext: Uint8Array,
  recipientPublic: Uint8Array,
  ephemeralSecret: Uint8Array,
  iv: Uint8Array,
): string {
  const shared = x25519Shared(ephemeralSecret, recipientPublic);
  const cipher = createCipheriv("aes-256-gcm", shared, iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([x25519Public(ephemeralSecret), iv, body, cipher.getAuthTag()]).toString("hex");
}
