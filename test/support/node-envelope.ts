/**
 * An independent implementation of the dstack env envelope on node:crypto (OpenSSL), used to
 * cross-check provider/core/envelope.ts, which is built on @noble. Mirrors the guest decryptor
 * (research/phala.md §1.3).
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
} from "node:crypto";

const PKCS8_X25519 = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI_X25519 = Buffer.from("302a300506032b656e032100", "hex");

export function x25519Shared(secret: Uint8Array, peerPublic: Uint8Array): Buffer {
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_X25519, secret]),
    format: "der",
    type: "pkcs8",
  });
  const publicKey = createPublicKey({
    key: Buffer.concat([SPKI_X25519, peerPublic]),
    format: "der",
    type: "spki",
  });
  return diffieHellman({ privateKey, publicKey });
}

export function x25519Public(secret: Uint8Array): Buffer {
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_X25519, secret]),
    format: "der",
    type: "pkcs8",
  });
  const der = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  return der.subarray(der.length - 32);
}

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
