/**
 * A rollout journal on the operator's machine: which CVMs of an update in progress already run
 * the new env. Pulumi writes a dynamic provider's result to state only when `update` returns, so
 * if the Pulumi process is killed mid-rollout, state still describes the old env and the next
 * `up` would restart the CVMs already done. The journal closes that gap: after each CVM is ready
 * its id and env digest are recorded; the next apply of the same resource skips a CVM whose
 * journal digest equals the new one (and whose live allow-list matches). It is kept after an apply
 * finishes — a killed engine may never receive that result while an orphaned provider completes
 * the rollout — and always holds the last env each CVM was seen running with; it is deleted with
 * the resource. It holds CVM ids and digests only (no value, no fingerprint key), in
 * `$PULUMI_HOME/cvm-secrets/journal/` (default `~/.pulumi`), mode 0600.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

export interface Journal {
  /** The digest the journal records for a CVM, if any. */
  digestOf(cvm: string): string | undefined;
  /** Records that a CVM is running with `digest`. */
  record(cvm: string, digest: string): void;
  /** Forgets one CVM (its env was cleared). */
  forget(cvm: string): void;
  /** Forgets everything (the resource is deleted). */
  clear(): void;
}

function journalDir(): string {
  return path.join(process.env.PULUMI_HOME || path.join(homedir(), ".pulumi"), "cvm-secrets", "journal");
}

/** Opens the journal of one resource (by its id). Never throws: a journal is an optimisation. */
export function openJournal(resourceId: string): Journal {
  const file = path.join(journalDir(), `${resourceId.replace(/[^A-Za-z0-9_-]/g, "_")}.json`);
  let entries: Record<string, string> = {};
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as unknown;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      entries = Object.fromEntries(
        Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string"),
      );
    }
  } catch {
    entries = {};
  }
  const save = (): void => {
    try {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, JSON.stringify(entries), { mode: 0o600 });
    } catch {
      // Best effort: without a journal the next run restarts this CVM once more.
    }
  };
  return {
    digestOf: (cvm) => entries[cvm],
    record(cvm, digest) {
      entries[cvm] = digest;
      save();
    },
    forget(cvm) {
      delete entries[cvm];
      save();
    },
    clear() {
      entries = {};
      rmSync(file, { force: true });
    },
  };
}
