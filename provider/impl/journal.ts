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
 * `diff` reads it (a local file, no API call) so a plain `up` repairs such a CVM. It holds CVM
 * ids and digests only (no value, no fingerprint key), in
 * `$PULUMI_HOME/cvm-secrets/journal/` (default `~/.pulumi`), mode 0600.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

function journalDir(): string {
  return path.join(process.env.PULUMI_HOME || path.join(homedir(), ".pulumi"), "cvm-secrets", "journal");
}

function journalFile(resourceId: string): string {
  return path.join(journalDir(), `${resourceId.replace(/[^A-Za-z0-9_-]/g, "_")}.json`);
}

/**
 * The resource on this machine whose journal records pushing the ciphertext with sha256 `sha`
 * (its id and name), if any. A new resource of the same name finding its own name here is the
 * replacement of that resource (`pulumi up --replace`: the engine gives `create` no link to the
 * resource it replaces). Never throws.
 */
export function findPusher(sha: string): { resourceId: string; name?: string } | undefined {
  let files: string[];
  try {
    files = readdirSync(journalDir()).filter((f) => f.endsWith(".json"));
  } catch {
    return undefined;
  }
  for (const f of files) {
    try {
      const parsed = JSON.parse(readFileSync(path.join(journalDir(), f), "utf8")) as {
        name?: unknown;
        pushed?: Record<string, unknown>;
        inflight?: Record<string, unknown>;
      };
      const pushes = [
        ...Object.values(parsed.pushed ?? {}),
        ...Object.values(parsed.inflight ?? {}).map((v) => String(v).split(":")[1]),
      ];
      if (pushes.includes(sha)) {
        return {
          resourceId: f.slice(0, -5),
          name: typeof parsed.name === "string" ? parsed.name : undefined,
        };
      }
    } catch {
      // not a journal
    }
  }
  return undefined;
}

/**
 * Opens the journal of one resource (by its id; `name` is its Pulumi name, kept for
 * {@link findPusher}). Never throws: a journal is an optimisation.
 */
export function openJournal(resourceId: string, name?: string): Journal {
  const file = journalFile(resourceId);
  let resourceName = name;
  let entries: Record<string, string> = {};
  let pushed: Record<string, string> = {};
  let inflight: Record<string, { digest: string; pushed: string }> = {};
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
    if (resourceName === undefined && current && typeof parsed.name === "string") resourceName = parsed.name;
    const flying = current ? strings(parsed.inflight) : {};
    inflight = Object.fromEntries(
      Object.entries(flying).flatMap(([cvm, v]) => {
        const [digest, sha] = v.split(":");
        return digest && sha ? [[cvm, { digest, pushed: sha }]] : [];
      }),
    );
  } catch {
    entries = {};
  }
  const save = (): void => {
    try {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const flying = Object.fromEntries(
        Object.entries(inflight).map(([c, v]) => [c, `${v.digest}:${v.pushed}`]),
      );
      writeFileSync(file, JSON.stringify({ name: resourceName, env: entries, pushed, inflight: flying }), {
        mode: 0o600,
      });
    } catch {
      // Best effort: without a journal the next run restarts this CVM once more.
    }
  };
  return {
    digestOf: (cvm) => entries[cvm],
    pushedOf: (cvm) => pushed[cvm],
    digests: () => ({ ...entries, ...Object.fromEntries(Object.keys(inflight).map((c) => [c, PUSHING])) }),
    pushing(cvm, digest, sha) {
      inflight[cvm] = { digest, pushed: sha };
      save();
    },
    lastPush: (cvm) =>
      inflight[cvm] ??
      (entries[cvm] === undefined ? undefined : { digest: entries[cvm]!, pushed: pushed[cvm] }),
    record(cvm, digest, sha) {
      delete inflight[cvm];
      entries[cvm] = digest;
      if (sha === undefined) delete pushed[cvm];
      else pushed[cvm] = sha;
      save();
    },
    forget(cvm) {
      delete inflight[cvm];
      delete entries[cvm];
      delete pushed[cvm];
      save();
    },
    clear() {
      entries = {};
      pushed = {};
      inflight = {};
      rmSync(file, { force: true });
    },
  };
}
