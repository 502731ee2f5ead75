/**
 * A rollout journal on the operator's machine: which CVMs of an update in progress already run
 * the new env. Pulumi writes a dynamic provider's result to state only when `update` returns, so
 * if the Pulumi process is killed mid-rollout, state still describes the old env and the next
 * `up` would restart the CVMs already done. The journal closes that gap: after each CVM is ready
 * its id and env digest are recorded; the next apply of the same resource skips a CVM whose
 * journal digest equals the new one (and whose live allow-list matches). It is kept after an apply
 * finishes — a killed engine may never receive that result while an orphaned provider completes
 * the rollout — and always holds the last env each CVM was seen running with; it is deleted with
 * the resource. With each env digest it keeps the sha256 of the ciphertext pushed, so `refresh`
 * can tell a CVM an interrupted run of this resource moved from one changed by someone else, and
 * `diff` reads it (a local file, no API call) so a plain `up` repairs such a CVM.
 *
 * Env digests are digests of the fingerprints, and fingerprints are value-independent change
 * tokens: a run the engine never recorded and the next, different value get the same tokens. So
 * each entry is also bound to the plaintext it recorded, by an HMAC-SHA256 under a random key
 * that never leaves this folder (`mac-key`, mode 0600). An entry whose digest equals the env
 * wanted now but whose binding does not (or that has none) reads as {@link REISSUED}: that CVM may
 * run another value. A key file that holds no valid key is replaced.
 * The folder holds CVM ids, digests and those bindings (no value, no fingerprint); like Pulumi's
 * own credentials file beside it, only the operator's account may read it. In
 * `$PULUMI_HOME/cvm-secrets/journal/` (default `~/.pulumi`), files mode 0600.
 */
import { createHmac, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

export interface Journal {
  /** The digest the journal records for a CVM, if any. */
  digestOf(cvm: string): string | undefined;
  /** The sha256 of the ciphertext recorded with it, if any. */
  pushedOf(cvm: string): string | undefined;
  /**
   * Every CVM's recorded env digest; a CVM whose push was accepted but not yet seen ready maps
   * to {@link PUSHING} (it may run either env).
   */
  digests(): Record<string, string>;
  /** Records that the API accepted a push of `digest` (ciphertext sha256 `pushed`) to a CVM. */
  pushing(cvm: string, digest: string, pushed: string): void;
  /**
   * Records that a push in flight finished: the CVM runs it (refresh saw it as the newest app
   * revision of a running CVM). Keeps the binding the push was made with. False if none in flight.
   */
  settle(cvm: string): boolean;
  /** The env digest and ciphertext sha256 of the newest push to a CVM (in flight or done). */
  lastPush(cvm: string): { digest: string; pushed?: string } | undefined;
  /** Records that a CVM is running with `digest` (pushed as the ciphertext with sha256 `pushed`). */
  record(cvm: string, digest: string, pushed?: string): void;
  /** Forgets one CVM (its env was cleared). */
  forget(cvm: string): void;
  /** Forgets everything (the resource is deleted). */
  clear(): void;
}

/** `digests()` value of a CVM whose push was accepted but not yet seen ready. */
export const PUSHING = "pushing";

/**
 * What `digestOf()` / `digests()` say of a CVM whose recorded digest equals the wanted one while
 * its plaintext binding differs: the same tokens were issued for another value (an interrupted
 * run the engine never recorded), so the CVM does not run the wanted env.
 */
export const REISSUED = "reissued";

/** The env the caller wants now: its fingerprint digest and its plaintext (never stored). */
export interface WantedEnv {
  digest: string;
  env: Readonly<Record<string, string>>;
}

/**
 * The binding of an entry of a journal written before bindings were kept, when fingerprints were
 * value-bound HMACs (so the digest itself is bound to the plaintext).
 */
const VALUE_BOUND_DIGEST = "value-bound-digest";

/** Binding keys read or created by this process, per journal folder. */
const bindingKeys = new Map<string, Buffer>();

/**
 * The machine-local key of the plaintext bindings; created on first use, read once per journal
 * folder by a process. Undefined if unusable (asked again next time).
 */
function bindingKey(): Buffer | undefined {
  const dir = journalDir();
  const known = bindingKeys.get(dir);
  if (known) return known;
  const key = readOrCreateKey(dir);
  if (key) bindingKeys.set(dir, key);
  return key;
}

/**
 * Reads the key file, creating it when there is none and replacing it when it holds no valid
 * key (empty, truncated, edited): an invalid file must not silently stop every entry from being
 * bound. A replacement is written beside it (mode 0600) and renamed over it, so a reader never
 * sees a half-written key; the key used is the one read back after that, whichever process's
 * file won a race. Undefined when the folder cannot be used.
 */
function readOrCreateKey(dir: string): Buffer | undefined {
  const file = path.join(dir, "mac-key");
  const first = readKey(file);
  if (first instanceof Buffer || first === "unreadable") return first instanceof Buffer ? first : undefined;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const key = randomBytes(32).toString("hex");
    if (first === "missing") {
      writeFileSync(file, key, { mode: 0o600, flag: "wx" });
    } else {
      const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
      writeFileSync(temp, key, { mode: 0o600, flag: "wx" });
      renameSync(temp, file);
    }
  } catch {
    // Another process created it first, or the folder is not writable: read what is there.
  }
  const written = readKey(file);
  return written instanceof Buffer ? written : undefined;
}

/** The key in `file`, or why there is none. */
function readKey(file: string): Buffer | "missing" | "invalid" | "unreadable" {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : "unreadable";
  }
  const hex = text.trim();
  return /^[0-9a-f]{64}$/.test(hex) ? Buffer.from(hex, "hex") : "invalid";
}

/** The binding of a plaintext env: HMAC-SHA256 under the local key over its sorted entries. */
export function bindEnv(env: Readonly<Record<string, string>>, key: Buffer): string {
  const mac = createHmac("sha256", key);
  for (const k of Object.keys(env).sort()) {
    mac.update(k, "utf8");
    mac.update(Buffer.from([0]));
    mac.update(env[k] ?? "", "utf8");
    mac.update(Buffer.from([0]));
  }
  return mac.digest("hex").slice(0, 32);
}

function journalDir(): string {
  return path.join(process.env.PULUMI_HOME || path.join(homedir(), ".pulumi"), "cvm-secrets", "journal");
}

function journalFile(resourceId: string): string {
  return path.join(journalDir(), `${resourceId.replace(/[^A-Za-z0-9_-]/g, "_")}.json`);
}

/**
 * Opens the journal of one resource (by its id). Never throws: a journal is an optimisation.
 */
export function openJournal(resourceId: string, wanted?: WantedEnv): Journal {
  const file = journalFile(resourceId);
  const key = wanted ? bindingKey() : undefined;
  const binding = wanted && key ? bindEnv(wanted.env, key) : undefined;
  let bound: Record<string, string> = {};
  let entries: Record<string, string> = {};
  let pushed: Record<string, string> = {};
  let inflight: Record<string, { digest: string; pushed: string; bound?: string }> = {};
  const strings = (value: unknown): Record<string, string> =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string"),
        )
      : {};
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown> | null;
    // `{env, pushed}`; journals written before ciphertext digests were kept are a flat map.
    const current = parsed && typeof parsed === "object" && typeof parsed.env === "object";
    entries = strings(current ? parsed.env : parsed);
    pushed = current ? strings(parsed.pushed) : {};
    // A journal from before bindings (no `bound`) was written while fingerprints were value-bound
    // HMACs: its digests bind their plaintext themselves.
    bound =
      current && parsed.bound !== undefined
        ? strings(parsed.bound)
        : Object.fromEntries(Object.keys(entries).map((cvm) => [cvm, VALUE_BOUND_DIGEST]));
    const flying = current ? strings(parsed.inflight) : {};
    inflight = Object.fromEntries(
      Object.entries(flying).flatMap(([cvm, v]) => {
        const [digest, sha, binding] = v.split(":");
        return digest && sha ? [[cvm, { digest, pushed: sha, bound: binding || undefined }]] : [];
      }),
    );
  } catch {
    entries = {};
  }
  const save = (): void => {
    try {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const flying = Object.fromEntries(
        Object.entries(inflight).map(([c, v]) => [c, [v.digest, v.pushed, v.bound ?? ""].join(":")]),
      );
      writeFileSync(file, JSON.stringify({ env: entries, pushed, bound, inflight: flying }), { mode: 0o600 });
    } catch {
      // Best effort: without a journal the next run restarts this CVM once more.
    }
  };
  // An entry recorded for another plaintext under the same tokens is not the wanted env.
  const seen = (cvm: string): string | undefined => {
    const digest = entries[cvm];
    if (digest === undefined || wanted === undefined || digest !== wanted.digest) return digest;
    if (bound[cvm] === VALUE_BOUND_DIGEST) return digest;
    // Only an entry bound to the wanted plaintext is that env. One with no binding (written
    // while the key was unusable) or read without a usable key now cannot show which value it
    // recorded: never trusted as bound (one more restart at worst).
    return binding !== undefined && bound[cvm] === binding ? digest : REISSUED;
  };
  return {
    digestOf: seen,
    pushedOf: (cvm) => pushed[cvm],
    digests: () => ({
      ...Object.fromEntries(Object.keys(entries).map((c) => [c, seen(c)!])),
      ...Object.fromEntries(Object.keys(inflight).map((c) => [c, PUSHING])),
    }),
    pushing(cvm, digest, sha) {
      inflight[cvm] = {
        digest,
        pushed: sha,
        bound: binding !== undefined && wanted?.digest === digest ? binding : undefined,
      };
      save();
    },
    lastPush: (cvm) =>
      inflight[cvm] ??
      (entries[cvm] === undefined ? undefined : { digest: entries[cvm]!, pushed: pushed[cvm] }),
    settle(cvm) {
      const push = inflight[cvm];
      if (push === undefined) return false;
      delete inflight[cvm];
      entries[cvm] = push.digest;
      pushed[cvm] = push.pushed;
      if (push.bound === undefined) delete bound[cvm];
      else bound[cvm] = push.bound;
      save();
      return true;
    },
    record(cvm, digest, sha) {
      delete inflight[cvm];
      entries[cvm] = digest;
      if (binding !== undefined && wanted?.digest === digest) bound[cvm] = binding;
      else delete bound[cvm];
      if (sha === undefined) delete pushed[cvm];
      else pushed[cvm] = sha;
      save();
    },
    forget(cvm) {
      delete inflight[cvm];
      delete entries[cvm];
      delete bound[cvm];
      delete pushed[cvm];
      save();
    },
    clear() {
      entries = {};
      bound = {};
      pushed = {};
      inflight = {};
      rmSync(file, { force: true });
    },
  };
}
