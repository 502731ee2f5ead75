/**
 * The provider methods' diff answer (`changes`, `replaces`, `deleteBeforeReplace`, as the
 * dynamic provider returns it) translated into the engine's: which top-level inputs changed
 * (`diffs`) and a per-property detailed diff, so `pulumi preview --diff` names each changed key
 * (per env key through its fingerprint) and `--json` carries `diffReasons` and `detailedDiff`.
 * Pure: plain values in, plain answer out.
 */
import { UNKNOWN } from "../runtime/wire";
import type { Props } from "./wire";

export type DiffKind = "add" | "add-replace" | "update" | "update-replace" | "delete" | "delete-replace";

export interface ImplDiff {
  changes?: boolean;
  replaces?: string[];
  deleteBeforeReplace?: boolean;
}

export interface EngineDiff {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
  /** Top-level inputs that differ. */
  diffs: string[];
  /** Per property path: how it differs. Empty when nothing visible differs. */
  detailedDiff: Record<string, DiffKind>;
}

export interface DiffView {
  /** Inputs never shown or compared (bookkeeping, or plaintext shown through another key). */
  hidden: readonly string[];
  /** Maps compared key by key (`fingerprints.STRIPE_KEY`), not as a whole. */
  perKey: readonly string[];
}

export function translateDiff(
  result: ImplDiff,
  oldInputs: Props,
  newInputs: Props,
  view: DiffView,
): EngineDiff {
  const replaces = result.replaces ?? [];
  const base = { replaces, deleteBeforeReplace: result.deleteBeforeReplace === true };
  if (result.changes === false) return { ...base, changes: "none", diffs: [], detailedDiff: {} };
  const detailedDiff: Record<string, DiffKind> = {};
  const diffs = new Set<string>();
  const hidden = new Set(view.hidden);
  const keys = new Set([...Object.keys(oldInputs), ...Object.keys(newInputs)]);
  for (const key of [...keys].sort()) {
    if (hidden.has(key) || key.startsWith("__")) continue;
    const before = oldInputs[key];
    const after = newInputs[key];
    const replace = replaces.includes(key);
    if (view.perKey.includes(key) && isMap(before) && isMap(after)) {
      for (const sub of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
        const kind = kindOf(before[sub], after[sub], replace);
        if (kind) detailedDiff[`${key}.${sub}`] = kind;
      }
      if (Object.keys(detailedDiff).some((p) => p.startsWith(`${key}.`))) diffs.add(key);
      continue;
    }
    const kind = kindOf(before, after, replace);
    if (kind) {
      detailedDiff[key] = kind;
      diffs.add(key);
    }
  }
  for (const key of replaces) diffs.add(key);
  return {
    ...base,
    changes: result.changes === true ? "some" : "unknown",
    diffs: [...diffs],
    detailedDiff,
  };
}

function kindOf(before: unknown, after: unknown, replace: boolean): DiffKind | undefined {
  const suffix = replace ? "-replace" : "";
  if (before === undefined && after === undefined) return undefined;
  if (before === undefined) return `add${suffix}` as DiffKind;
  if (after === undefined) return `delete${suffix}` as DiffKind;
  if (after !== UNKNOWN && same(before, after)) return undefined;
  return `update${suffix}` as DiffKind;
}

function isMap(value: unknown): value is Props {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Deep equality, key order ignored (the engine hands state back with sorted keys). */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => same(a[k], b[k]));
  }
  return false;
}
