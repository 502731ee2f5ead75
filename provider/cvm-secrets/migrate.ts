/**
 * The one reader of state written by earlier versions. Every method that reads an old state's
 * per-CVM records, or the keys only older versions wrote, goes through {@link migrate}; what an
 * earlier version wrote is then rewritten in the current shape by the next update.
 *
 * What earlier versions wrote differently:
 *   - per-CVM records (`applied`, `pushed`, `appIds`, `composeHashes`) keyed by the id form as
 *     typed in `cvms`, before ids were resolved: re-keyed by resolved id ({@link byResolvedId});
 *   - 0.1: the plaintext env and the fingerprints' HMAC key (`fingerprintSalt`) in the outputs
 *     too: the key is read once, to recognise unchanged values (core/fingerprint.ts), and the
 *     state is rewritten without them (diff.ts).
 */

import { isRecord } from "../core/is-record";
import { resolvedId } from "./forms";
import { propertiesWith, SECRET_INPUT_KEYS } from "./properties";

/** The per-CVM records of a state (keyed by CVM), whatever form their keys were written in. */
export const PER_CVM_KEYS = propertiesWith("perCvm");

/** An old state read in the current shape. */
export interface Migrated {
  /** The per-CVM records, keyed by resolved `cvm_…` id. */
  perCvm: Record<(typeof PER_CVM_KEYS)[number], Record<string, string>>;
  /** The 0.1 fingerprints' HMAC key, when the state has one (core/fingerprint.ts `legacySalt`). */
  legacySalt?: unknown;
  /**
   * For a state's outputs: true when they hold plaintext (written by 0.1, whose outputs carried
   * the inputs). The inputs recorded with a state hold plaintext by design: not asked of them.
   */
  plaintextInOutputs: boolean;
}

/**
 * Reads an old state — a resource's outputs, or the inputs recorded with them (`check`'s olds) —
 * written by any version. `ids` maps typed forms to resolved ids (by default the state's own
 * `cvmIds`; the new inputs' map knows every form the old state used, and any new one).
 */
export function migrate(
  old: Readonly<Record<string, unknown>>,
  ids: Readonly<Record<string, string>> | undefined = recordOf(old.cvmIds),
): Migrated {
  const perCvm = Object.fromEntries(
    PER_CVM_KEYS.map((key) => [key, byResolvedId(recordOf(old[key]), ids)]),
  ) as Migrated["perCvm"];
  return {
    perCvm,
    legacySalt: old.fingerprintSalt,
    plaintextInOutputs: SECRET_INPUT_KEYS.some((key) => old[key] !== undefined),
  };
}

/**
 * Re-keys a per-CVM record of an old state by resolved id (states written before ids were
 * resolved key it by the typed form).
 */
export function byResolvedId(
  record: Readonly<Record<string, string>> | undefined,
  ids: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(record ?? {})) {
    const id = resolvedId(key, ids);
    if (out[id] === undefined || key === id) out[id] = value;
  }
  return out;
}

function recordOf(value: unknown): Readonly<Record<string, string>> | undefined {
  return isRecord(value) ? (value as Record<string, string>) : undefined;
}
