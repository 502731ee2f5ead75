/**
 * What an `encrypted_env` says without its key — the two facts an app revision's ciphertext
 * (`GET /apps/{app_id}/revisions/{revision_id}`) gives anyone who can read it:
 *
 * - **Who pushed it.** The envelope's IV (bytes 32–44, core/envelope.ts) is free: the AES-GCM key
 *   is the shared secret of an ephemeral key made for one encryption, so any IV is unique under
 *   it. The provider writes an owner tag there, the first 12 bytes of
 *   sha256("pulumi-cvm-secrets owner v1" ‖ 0 ‖ owner ‖ 0 ‖ ephemeral public key), where `owner`
 *   is the resource's Pulumi URN (project, stack, type, parents and name). A replacement
 *   (`pulumi up --replace`) has the URN of the resource it replaces, so its `create` knows —
 *   on any machine, from the API alone — that a CVM's env was pushed by that resource, and
 *   another stack or resource never matches. The tag names no value; anyone who can read the
 *   revisions and guesses the URN can tell which pushes came from that resource.
 * - **Whether it can carry a variable.** The guest parses `{"env":[{"key":K,"value":V},…]}`; a
 *   plaintext shorter than the smallest env with one variable carries none (a cleared env).
 */
import { createHash } from "node:crypto";
import { ENVELOPE_OVERHEAD, type EncryptEnvOptions, envPlaintext } from "./envelope";
import { decodeHex } from "./hex";

const OWNER_TAG_DOMAIN = "pulumi-cvm-secrets owner v1";
const EPK_BYTES = 32;
const IV_BYTES = 12;

/** The owner tag (the envelope's IV) of a push by `owner` with this ephemeral public key. */
export function ownerTag(owner: string, ephemeralPublicKey: Uint8Array): Uint8Array {
  const hash = createHash("sha256")
    .update(OWNER_TAG_DOMAIN, "utf8")
    .update(Buffer.from([0]))
    .update(owner, "utf8")
    .update(Buffer.from([0]))
    .update(ephemeralPublicKey)
    .digest();
  return new Uint8Array(hash.subarray(0, IV_BYTES));
}

/**
 * Envelope options that write `owner`'s tag into the IV (none without an owner): what every
 * push of a resource (an apply's env, a delete's empty env) encrypts with.
 */
export function taggedBy(owner: string | undefined): EncryptEnvOptions {
  return owner ? { iv: (epk) => ownerTag(owner, epk) } : {};
}

/** Pure: whether `owner` pushed this `encrypted_env` (its IV is `owner`'s tag). */
export function pushedBy(encryptedEnv: string | undefined, owner: string | undefined): boolean {
  if (!encryptedEnv || !owner) return false;
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
