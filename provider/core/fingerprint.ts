/**
 * Per-key fingerprints: what lets `pulumi preview --diff`, the PR summary and the update plan
 * tell which secret changed without anyone seeing a value.
 *
 * A fingerprint is a change token, not a function of the value. `check` compares each new
 * plaintext value with the previous inputs' plaintext (which Pulumi hands it as `olds`): a key
 * whose value is unchanged keeps its token; an added or changed key gets the next token of a
 * deterministic chain over the resource name, the key name and the previous token
 * (`fp-` + 16 hex of SHA-256). Because nothing in a token depends on the value, nothing the
 * engine or the program sees (state, `--json`, `--debug`, `-v=9`) lets anyone test a guess of
 * a secret; and because the chain is deterministic, `preview` and `up` compute the same tokens.
 *
 * Fingerprints are plain (not secret) inputs on purpose: the engine shows a changed secret inside
 * a map only as `[secret]` with no change marker, while a changed plain string shows as
 * `"fp-…" => "fp-…"`.
 *
 * Versions up to 0.1 used HMAC-SHA256 under a per-resource key (`fingerprintSalt`) kept in state;
 * the SDK's debug output printed that key, which made a fingerprint testable offline. The first
 * `check` after the upgrade keeps those old tokens for unchanged values and drops the key.
 */
import { createHash, createHmac } from "node:crypto";

/** Display and comparison length: 16 hex digits (64 bits). */
const LENGTH = 16;
const DOMAIN = "cvm-secrets fingerprint v2";

/**
 * The token after `previous` (or the first one, for a new key): independent of any value.
 * `generation` numbers the resource's env changes (see {@link nextGeneration}); it keeps a key
 * that is removed and later added back from getting its old token again, which a CVM left
 * behind by a stopped rollout would otherwise appear to run already.
 */
export function nextFingerprint(
  resource: string,
  key: string,
  previous: string | undefined,
  generation = 0,
): string {
  const h = createHash("sha256");
  const seed =
    generation > 0
      ? [DOMAIN, resource, key, previous ?? "new", `g${generation}`]
      : [DOMAIN, resource, key, previous ?? "new"];
  for (const part of seed) {
    h.update(part, "utf8");
    h.update(Buffer.from([0]));
  }
  return `fp-${h.digest("hex").slice(0, LENGTH)}`;
}

/** What the previous inputs say about the env: its tokens and, where kept, its plaintext. */
export interface PreviousEnv {
  /** The previous plaintext per key (absent for keys whose old value is not known). */
  env?: Readonly<Record<string, unknown>>;
  fingerprints?: Readonly<Record<string, unknown>>;
  /** The HMAC key of the pre-0.2 design, only to recognise unchanged values once, at upgrade. */
  legacySalt?: unknown;
  /** The previous {@link nextGeneration} (absent: 0). */
  generation?: unknown;
}

/** The previous generation as a number (0 when absent or malformed). */
export function generationOf(previous: PreviousEnv): number {
  const g = previous.generation;
  return typeof g === "number" && Number.isSafeInteger(g) && g >= 0 ? g : 0;
}

/**
 * The generation after an env change: one more than the previous whenever any key was added,
 * changed or removed, else the same. Tokens issued in a change carry the new generation, so no
 * token is ever issued twice within a resource's recorded history.
 */
export function nextGeneration(previous: PreviousEnv, next: Readonly<Record<string, string>>): number {
  const before = Object.fromEntries(
    Object.entries(previous.fingerprints ?? {}).filter(
      (e): e is [string, string] => typeof e[1] === "string",
    ),
  );
  const k = compareFingerprints(before, next);
  const changed = k.added.length + k.changed.length + k.removed.length > 0;
  return changed ? generationOf(previous) + 1 : generationOf(previous);
}

/** Fingerprints of every entry of `env`, keys sorted, carried over from `previous` per key. */
export function carryFingerprints(
  resource: string,
  env: Readonly<Record<string, string>>,
  previous: PreviousEnv = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  const generation = generationOf(previous) + 1;
  for (const key of Object.keys(env).sort()) {
    const value = env[key] ?? "";
    const old = previous.fingerprints?.[key];
    const token = typeof old === "string" ? old : undefined;
    out[key] =
      token !== undefined && unchanged(key, value, token, previous)
        ? token
        : nextFingerprint(resource, key, token, generation);
  }
  return out;
}

function unchanged(key: string, value: string, token: string, previous: PreviousEnv): boolean {
  const env = previous.env;
  if (env !== undefined && Object.hasOwn(env, key)) return env[key] === value;
  const salt = previous.legacySalt;
  return (
    typeof salt === "string" && /^[0-9a-f]{64}$/.test(salt) && legacyFingerprint(key, value, salt) === token
  );
}

/** The pre-0.2 fingerprint (HMAC-SHA256 under the resource's salt); used only at upgrade. */
export function legacyFingerprint(key: string, value: string, saltHex: string): string {
  const mac = createHmac("sha256", Buffer.from(saltHex, "hex"));
  mac.update(key, "utf8");
  mac.update(Buffer.from([0]));
  mac.update(value, "utf8");
  return `fp-${mac.digest("hex").slice(0, LENGTH)}`;
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
