/**
 * Per-key fingerprints: what lets `pulumi preview --diff`, the PR summary and the update plan
 * tell which secret changed without anyone seeing a value.
 *
 * A fingerprint is HMAC-SHA256 keyed by a per-resource random salt (32 bytes, kept in state as a
 * secret) over the key name and the value, truncated to 64 bits. It is stored as a plain (not
 * secret) input on purpose: the engine shows a changed secret inside a map only as `[secret]`
 * with no change marker (research/pulumi.md §5), while a changed plain string shows as
 * `"fp-…" => "fp-…"`. Without the salt a fingerprint cannot be used to test guesses of a value,
 * and the same value under two resources or two stacks gives unrelated fingerprints.
 * (DESIGN.md §2 proposes secret fingerprints; they would hide exactly what a reviewer needs.)
 */
import { createHash, createHmac } from "node:crypto";

/** Display and comparison length: 16 hex digits (64 bits). */
const LENGTH = 16;

/** The fingerprint of one entry. */
export function fingerprint(key: string, value: string, saltHex: string): string {
  const mac = createHmac("sha256", Buffer.from(saltHex, "hex"));
  mac.update(key, "utf8");
  mac.update(Buffer.from([0]));
  mac.update(value, "utf8");
  return `fp-${mac.digest("hex").slice(0, LENGTH)}`;
}

/** Fingerprints of every entry, keys sorted. */
export function fingerprintEnv(
  env: Readonly<Record<string, string>>,
  saltHex: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(env).sort()) out[key] = fingerprint(key, env[key] ?? "", saltHex);
  return out;
}

/** How two fingerprint maps differ, by key name. */
export interface KeyChanges {
  added: string[];
  changed: string[];
  removed: string[];
}

export function compareFingerprints(
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
): KeyChanges {
  const added = Object.keys(after).filter((k) => !(k in before));
  const removed = Object.keys(before).filter((k) => !(k in after));
  const changed = Object.keys(after).filter((k) => k in before && before[k] !== after[k]);
  return { added: added.sort(), changed: changed.sort(), removed: removed.sort() };
}

/**
 * A digest of a whole fingerprint map: equal exactly when a CVM would see the same env.
 * Order-insensitive. Stored per CVM in state (`applied`) to record what each CVM runs with.
 */
export function envDigest(fingerprints: Readonly<Record<string, string>>): string {
  const canonical = Object.keys(fingerprints)
    .sort()
    .map((k) => `${k}=${fingerprints[k]}`)
    .join("\n");
  return createHash("sha256").update(canonical).digest("hex").slice(0, 32);
}
