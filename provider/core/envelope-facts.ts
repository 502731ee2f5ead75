/**
 * What an `encrypted_env` says without its key — the two facts an app revision's ciphertext
 * (`GET /apps/{app_id}/revisions/{revision_id}`) gives anyone who can read it:
 *
 * - **Who pushed it.** The envelope's IV (bytes 32–44, core/envelope.ts) is free: the AES-GCM key
 *   is the shared secret of an ephemeral key made for one encryption, so any IV is unique under
 *   it. The provider writes an owner tag there. With an owner key (an `OwnerKey` resource: 32
 *   random bytes kept in the stack's state, secret), the tag is the first 12 bytes of
 *   sha256("pulumi-cvm-secrets owner v2" ‖ 0 ‖ URN ‖ 0 ‖ key ‖ 0 ‖ ephemeral public key): it
 *   proves that a holder of that key pushed it under that URN. The key is in the state of the
 *   stack that made it, so a replacement (`pulumi up --replace`, which keeps the `OwnerKey`)
 *   recognises its predecessor's pushes from the API alone, on any machine; the same project,
 *   stack and resource names in another backend have another key, and never match. Without one
 *   (a program that declares no `OwnerKey`, or state from before), pushes carry the v1 tag,
 *   sha256("pulumi-cvm-secrets owner v1" ‖ 0 ‖ URN ‖ 0 ‖ ephemeral public key): anyone who
 *   knows the URN computes it, so it proves nothing about who pushed and is never taken as
 *   ownership (records/ownership.ts); it only lets a refusal say what it saw. The tag names no
 *   value; a v2 tag tells nothing to anyone without the key.
 * - **Whether it can carry a variable.** The guest parses `{"env":[{"key":K,"value":V},…]}`; a
 *   plaintext shorter than the smallest env with one variable carries none (a cleared env).
 */
import { createHash } from "node:crypto";
import { ENVELOPE_OVERHEAD, type EncryptEnvOptions, envPlaintext } from "./envelope";
import { decodeHex } from "./hex";

const OWNER_TAG_V1 = "pulumi-cvm-secrets owner v1";
const OWNER_TAG_V2 = "pulumi-cvm-secrets owner v2";
const EPK_BYTES = 32;
const IV_BYTES = 12;
/** Bytes of an owner key (`OwnerKey`'s `key`, 64 hex digits). */
export const OWNER_KEY_BYTES = 32;

/** Who pushes: the resource's URN and, when it has one, its owner key (hex). */
export interface Owner {
  urn: string;
  /** The `OwnerKey`'s key: 64 hex digits. Absent: the push carries the v1 tag (URN only). */
  key?: string;
}

/** Pure: the owner key's bytes, or undefined when it is not 64 hex digits (0x optional). */
export function ownerKeyBytes(key: string): Uint8Array | undefined {
  return decodeHex(key, OWNER_KEY_BYTES);
}

/**
 * The owner tag (the envelope's IV) of a push by `owner` with this ephemeral public key: v2
 * with an owner key, v1 (URN only) without. An owner key that is not 64 hex digits throws.
 */
export function ownerTag(owner: Owner, ephemeralPublicKey: Uint8Array): Uint8Array {
  const hash = createHash("sha256");
  if (owner.key === undefined) {
    hash
      .update(OWNER_TAG_V1, "utf8")
      .update(Buffer.from([0]))
      .update(owner.urn, "utf8");
  } else {
    const key = ownerKeyBytes(owner.key);
    if (!key) throw new Error("an owner key is 64 hex digits");
    hash
      .update(OWNER_TAG_V2, "utf8")
      .update(Buffer.from([0]))
      .update(owner.urn, "utf8")
      .update(Buffer.from([0]))
      .update(key);
  }
  const digest = hash
    .update(Buffer.from([0]))
    .update(ephemeralPublicKey)
    .digest();
  return new Uint8Array(digest.subarray(0, IV_BYTES));
}

/**
 * Envelope options that write `owner`'s tag into the IV (none without an owner): what every
 * push of a resource (an apply's env, a delete's empty env) encrypts with.
 */
export function taggedBy(owner: Owner | undefined): EncryptEnvOptions {
  return owner ? { iv: (epk) => ownerTag(owner, epk) } : {};
}

/**
 * Pure: whether this `encrypted_env`'s IV is the tag `owner` writes (v2 with its key, v1
 * without). Only a v2 match is evidence of who pushed (the module comment).
 */
export function pushedBy(encryptedEnv: string | undefined, owner: Owner | undefined): boolean {
  if (!encryptedEnv || !owner?.urn) return false;
  if (owner.key !== undefined && !ownerKeyBytes(owner.key)) return false;
  const bytes = decodeHex(encryptedEnv.trim());
  if (!bytes || bytes.length < ENVELOPE_OVERHEAD) return false;
  const tag = ownerTag(owner, bytes.subarray(0, EPK_BYTES));
  return tag.every((b, i) => b === bytes[EPK_BYTES + i]);
}

/** Plaintext bytes of the smallest env the guest reads one variable from. */
const SMALLEST_ONE_VARIABLE = envPlaintext([{ key: "", value: "" }]).length;

/**
 * Pure: whether this `encrypted_env` is a well-formed envelope too short to carry any variable
 * (what clearing a CVM pushes). An empty or malformed value is not: it says nothing.
 */
export function carriesNoVariable(encryptedEnv: string | undefined): boolean {
  if (!encryptedEnv) return false;
  const bytes = decodeHex(encryptedEnv.trim());
  return (
    bytes !== undefined &&
    bytes.length >= ENVELOPE_OVERHEAD &&
    bytes.length - ENVELOPE_OVERHEAD < SMALLEST_ONE_VARIABLE
  );
}
