/**
 * The update plan: the pure function that decides, from the old state and the new inputs,
 * which CVMs get an env write and therefore restart (docs/restarts-and-ownership.md). It never looks at
 * ciphertext (a fresh ephemeral key and IV every time): it compares per-key fingerprints and the
 * per-CVM record of what each CVM already runs with.
 *
 * | what changed                                   | writes                       | restart           |
 * |------------------------------------------------|------------------------------|-------------------|
 * | nothing; key order; same values; ciphertext    | none                         | none              |
 * | only rollout / timeouts / composeCheck / adopt | none                         | none              |
 * | a value changed, a key added or removed        | every target (env_keys when  | every target,     |
 * |                                                | the key set changed)         | rolling           |
 * | registry credential rotated                    | every target                 | every target      |
 * | a CVM added                                    | only the new CVM             | only the new CVM  |
 * | a CVM removed                                  | clear its env (unless kept)  | only that CVM     |
 * | the app's key changed on the server            | every target of that app     | (refused if pinned)|
 * | an input unknown during preview                | reported as a change         | —                 |
 * | a CVM not running the current env (a rollout   | that CVM                     | that CVM          |
 * | stopped, or drift found by refresh)            |                              |                   |
 * | another id form of the same CVM                | none (recorded)              | none              |
 * | retainOnRemove or rollout settings             | none (recorded)              | none              |
 * | a CVM adopted by `pulumi import` (env unknown)  | that CVM                     | that CVM          |
 * | … while the env leaves out keys that CVM has    | none: apply refuses (unless  | —                 |
 * |                                                | `adopt`)                     |                   |
 * | a CVM refresh did not find                     | none: apply refuses until it | —                 |
 * |                                                | is removed from cvms         |                   |
 *
 * CVMs are compared by what the API resolved them to (their `cvm_…` id), never by the string the
 * user typed: callers pass resolved ids in `cvms` and the typed forms in `forms`/`labels`.
 */
import { compareFingerprints, envDigest, type KeyChanges } from "./fingerprint";

export interface PlanState {
  /** Target CVMs, resolved (one entry per CVM, whatever id form the user typed). */
  cvms: readonly string[];
  /** The id forms as the user typed them (a change of form alone is recorded, never written). */
  forms?: readonly string[];
  /** Per resolved CVM: the name to show (the form the user typed). */
  labels?: Readonly<Record<string, string>>;
  /**
   * Per CVM (old state only): the env digest this machine's rollout journal last saw it run
   * with. It wins over `applied` where they disagree: an interrupted run moved the CVM.
   */
  journal?: Readonly<Record<string, string>>;
  /** Per-key fingerprints of the env the CVMs should see (registry variables included). */
  fingerprints: Readonly<Record<string, string>>;
  /** True when an input is not known yet (preview of a program with unresolved outputs). */
  unknown?: boolean;
  /** Which input is unknown, in words, when that is known ("the registry credential"). */
  unknownInput?: string;
  /** Per CVM: the env digest it carries and runs with (old state only). */
  applied: Readonly<Record<string, string>>;
  /** Per CVM: its app id (old state only). */
  appIds?: Readonly<Record<string, string>>;
  /** Per app: the pinned encryption key (old state only). */
  encryptionKeys: Readonly<Record<string, string>>;
  /** Per app: a different key seen on the server by `refresh` (old state only). */
  observedKeys: Readonly<Record<string, string>>;
  allowKeyChange: boolean;
  retainOnRemove: boolean;
  rollout?: { maxUnavailable?: number; readyTimeoutSeconds?: number };
  composeCheck?: string;
  /**
   * Old state: the key names the CVMs were found with. After `pulumi import` (nothing pushed
   * yet) these are the keys the CVMs allow, whose values nobody here knows.
   */
  envKeys?: readonly string[];
  /** New inputs: `adopt`, the explicit "replace whatever env those CVMs have with this one". */
  adopt?: boolean;
}

/** One env write (and so one restart). */
export interface PlanWrite {
  cvm: string;
  action: "push-env" | "clear-env";
  /** Send `env_keys` (rewrites `allowed_envs`): the key set changed or the CVM is new to us. */
  sendEnvKeys: boolean;
  /** Why, in names only. */
  reason: string;
}

export interface Plan {
  /** Whether Pulumi should record an update at all. */
  changed: boolean;
  /** The writes, pushes in target order first, then clears. */
  writes: PlanWrite[];
  /** CVMs refresh did not find that are still listed: apply refuses until they are removed. */
  blocked: string[];
  /**
   * Imported CVMs the new env would take keys away from (`keys`, which they have now): apply
   * refuses, so an env left empty in a program generated by `pulumi import` never clears them.
   */
  unsupplied: { cvms: string[]; keys: string[] };
  /** Key-level changes between the old and the new env. */
  keys: KeyChanges;
  /** Apps whose key changed on the server. */
  rekeyedApps: string[];
  /** One line for preview and the PR summary: how many CVMs restart and why. */
  summary: string;
}

/** Decides what an update does. Pure and total: same inputs, same plan. */
export function planUpdate(old: PlanState, next: PlanState): Plan {
  const keys = compareFingerprints(old.fingerprints, next.fingerprints);
  if (next.unknown) {
    return {
      changed: true,
      writes: [],
      blocked: [],
      unsupplied: { cvms: [], keys: [] },
      keys,
      rekeyedApps: [],
      summary: next.unknownInput
        ? `${next.unknownInput} is known only at apply; up to ${next.cvms.length} CVM${next.cvms.length === 1 ? "" : "s"} restart if what they see changes`
        : "some inputs are not known until apply; CVMs restart only if the env they see changes",
    };
  }

  const digest = envDigest(next.fingerprints);
  const keySetChanged = keys.added.length > 0 || keys.removed.length > 0;
  const rekeyedApps = Object.keys(old.observedKeys)
    .filter((app) => old.observedKeys[app] !== old.encryptionKeys[app])
    .sort();
  const rekeyed = new Set(rekeyedApps);
  const envReason = describeKeys(keys);
  const oldCvms = new Set(old.cvms);
  const writes: PlanWrite[] = [];

  const oldDigest = envDigest(old.fingerprints);
  const envChanged = oldDigest !== digest;
  const blocked: string[] = [];
  const caughtUp: string[] = [];
  const imported: string[] = [];
  for (const cvm of next.cvms) {
    const app = old.appIds?.[cvm];
    const recorded = old.applied[cvm];
    const journal = old.journal?.[cvm];
    // The journal knows better than state when an interrupted run moved the CVM (journal.ts).
    const moved =
      journal !== undefined && recorded !== undefined && !isMarker(recorded) && journal !== recorded;
    const carried = moved ? journal : recorded;
    // In sync: the CVM runs exactly the env the old state describes (so its allow-list too).
    const inSync = oldCvms.has(cvm) && carried === oldDigest;
    let reason: string | undefined;
    if (!oldCvms.has(cvm)) reason = old.cvms.length === 0 ? "first deploy" : "new replica";
    else if (app !== undefined && rekeyed.has(app)) reason = "the app's encryption key changed on the server";
    else if (carried === GONE) {
      blocked.push(cvm);
      continue;
    } else if (carried === "drift") reason = "allowed_envs changed outside this stack";
    else if (carried === FOREIGN) reason = FOREIGN_REASON;
    else if (carried === OUTSIDE) reason = "its env was changed outside this stack";
    else if (carried === INTERRUPTED)
      reason = "an interrupted run of this stack pushed an env state never recorded (no journal of it here)";
    else if (carried === IMPORTED) {
      reason = IMPORTED_REASON;
      imported.push(cvm);
    } else if (carried === digest) {
      if (moved) caughtUp.push(cvm); // an interrupted run finished it: record, do not restart
      reason = undefined;
    } else if (inSync && envChanged) reason = envReason;
    else if (moved) reason = "an interrupted rollout of this stack pushed another env to it";
    else reason = "the last rollout did not finish here";
    if (reason === undefined) continue;
    writes.push({ cvm, action: "push-env", sendEnvKeys: keySetChanged || !inSync, reason });
  }
  const nextCvms = new Set(next.cvms);
  if (!next.retainOnRemove) {
    for (const cvm of old.cvms) {
      if (nextCvms.has(cvm) || old.applied[cvm] === GONE) continue; // nothing left to clear
      writes.push({ cvm, action: "clear-env", sendEnvKeys: true, reason: "removed from cvms" });
    }
  }
  // Zero-write changes the outputs must record (what delete does, how the CVMs are named).
  const recorded: string[] = [];
  if (old.retainOnRemove !== next.retainOnRemove) recorded.push(`retainOnRemove: ${next.retainOnRemove}`);
  if (JSON.stringify(old.rollout ?? {}) !== JSON.stringify(next.rollout ?? {}))
    recorded.push("rollout settings");
  if (caughtUp.length > 0) {
    const names = caughtUp.map((c) => next.labels?.[c] ?? c).join(", ");
    recorded.push(`the env an interrupted run of this stack already rolled out (${names})`);
  }
  const unsupplied = unsuppliedKeys(imported, old, next);
  const renamed = renamedForms(old, next);
  if (renamed.length > 0) recorded.push(`the same CVMs under another id form (${renamed.join(", ")})`);

  return {
    // A CVM dropped without a write (kept, or already gone) still changes what state records.
    changed:
      writes.length > 0 ||
      blocked.length > 0 ||
      unsupplied.keys.length > 0 ||
      recorded.length > 0 ||
      old.cvms.some((c) => !nextCvms.has(c)),
    writes,
    blocked,
    unsupplied,
    keys,
    rekeyedApps,
    summary: summarize(writes, blocked, unsupplied, recorded, next, rekeyedApps),
  };
}

/** `applied` marker: refresh did not find the CVM. */
export const GONE = "gone";
/**
 * `applied` marker: the CVM's latest app revision is not this resource's push, and refresh cannot
 * tell who wrote it: only the owner key proves a push (core/envelope-facts.ts), and refresh has
 * the outputs alone, which never hold it.
 */
export const FOREIGN = "foreign";
const FOREIGN_REASON =
  "its env is not the one this stack pushed (changed outside this stack, or by a run interrupted on another machine)";
/** `applied` marker: the CVM's latest app revision carries no owner tag made with this resource's owner key (refresh). */
export const OUTSIDE = "outside";
/**
 * `applied` marker: the CVM's latest app revision is a push of this resource that state never
 * recorded and this machine's journal does not know (a run killed on another machine).
 */
export const INTERRUPTED = "interrupted";

/** `applied` marker: `pulumi import` adopted the CVM; its env (only ciphertext) was never read. */
export const IMPORTED = "imported";
const IMPORTED_REASON = "imported: its env was set outside this stack and cannot be read back";

function isMarker(value: string): boolean {
  return (
    value === GONE ||
    value === FOREIGN ||
    value === OUTSIDE ||
    value === INTERRUPTED ||
    value === IMPORTED ||
    value === "drift"
  );
}

/**
 * The keys imported CVMs have that the new env leaves out. Their values cannot be read back, so
 * a push without them takes them away — all of them when the program kept the `env: {}` that
 * `pulumi import` generates. `adopt` says that is meant.
 */
function unsuppliedKeys(
  imported: readonly string[],
  old: PlanState,
  next: PlanState,
): { cvms: string[]; keys: string[] } {
  if (imported.length === 0 || next.adopt === true) return { cvms: [], keys: [] };
  const keys = (old.envKeys ?? []).filter((k) => next.fingerprints[k] === undefined).sort();
  return keys.length === 0 ? { cvms: [], keys: [] } : { cvms: [...imported], keys };
}

/**
 * Why apply refuses a push to imported CVMs that would take keys away, and the two ways on, in
 * names only. `label` names a CVM as the user typed it.
 */
export function describeUnsupplied(
  unsupplied: { cvms: readonly string[]; keys: readonly string[] },
  label: (cvm: string) => string = (cvm) => cvm,
): string {
  const names = unsupplied.cvms.map(label).join(", ");
  const registry = unsupplied.keys.some((k) => k.startsWith("DSTACK_DOCKER_") || k.startsWith("DSTACK_AWS_"));
  return (
    `the env leaves out ${unsupplied.keys.join(", ")}, which imported ${unsupplied.cvms.length === 1 ? "CVM" : "CVMs"} ` +
    `${names} ${unsupplied.cvms.length === 1 ? "has" : "have"} (values set outside this stack cannot be read back, ` +
    "so `pulumi import` generates `env: {}`): give each in env" +
    (registry ? " (the DSTACK_ registry variables through registry)" : "") +
    ", or set adopt: true to replace the env with exactly this one"
  );
}

/** "old → new" for each CVM whose typed form changed while it stayed the same CVM. */
function renamedForms(old: PlanState, next: PlanState): string[] {
  if (!old.forms || !next.forms) return [];
  const before = new Set(old.forms);
  const after = new Set(next.forms);
  if (before.size === after.size && [...before].every((f) => after.has(f))) return [];
  const out: string[] = [];
  for (const cvm of next.cvms) {
    const was = old.labels?.[cvm];
    const now = next.labels?.[cvm];
    if (was !== undefined && now !== undefined && was !== now) out.push(`${was} → ${now}`);
  }
  return out;
}

/** "keys added: A; changed: B; removed: C", registry variables called out as a rotation. */
export function describeKeys(keys: KeyChanges): string {
  const registry = (k: string): boolean => k.startsWith("DSTACK_DOCKER_") || k.startsWith("DSTACK_AWS_");
  const parts: string[] = [];
  const app = {
    added: keys.added.filter((k) => !registry(k)),
    changed: keys.changed.filter((k) => !registry(k)),
    removed: keys.removed.filter((k) => !registry(k)),
  };
  if (app.added.length > 0) parts.push(`keys added: ${app.added.join(", ")}`);
  if (app.changed.length > 0) parts.push(`keys changed: ${app.changed.join(", ")}`);
  if (app.removed.length > 0) parts.push(`keys removed: ${app.removed.join(", ")}`);
  const reg = [...keys.added, ...keys.changed, ...keys.removed].filter(registry).sort();
  if (reg.length > 0) parts.push(`registry credential rotated (${reg.join(", ")})`);
  return parts.length > 0 ? parts.join("; ") : "env changed";
}

function summarize(
  writes: readonly PlanWrite[],
  blocked: readonly string[],
  unsupplied: Plan["unsupplied"],
  recorded: readonly string[],
  next: PlanState,
  rekeyedApps: readonly string[],
): string {
  const label = (cvm: string): string => next.labels?.[cvm] ?? cvm;
  const parts: string[] = [];
  if (writes.length === 0) parts.push("no CVM restarts");
  else {
    const width = Math.max(1, next.rollout?.maxUnavailable ?? 1);
    const byReason = new Map<string, string[]>();
    for (const w of writes) byReason.set(w.reason, [...(byReason.get(w.reason) ?? []), label(w.cvm)]);
    const reasons = [...byReason].map(([reason, cvms]) => `${reason} (${cvms.join(", ")})`);
    const count =
      writes.length === 1 ? "1 CVM restarts" : `${writes.length} CVMs restart, ${width} at a time`;
    parts.push(`${count}: ${reasons.join("; ")}`);
  }
  if (rekeyedApps.length > 0) {
    parts.push(
      next.allowKeyChange
        ? `the new key is accepted (kms.allowKeyChange) for ${rekeyedApps.join(", ")}`
        : `refused at apply unless kms.allowKeyChange is set (key pinned for ${rekeyedApps.join(", ")})`,
    );
  }
  if (blocked.length > 0) {
    const names = blocked.map(label).join(", ");
    parts.push(
      `${names} ${blocked.length === 1 ? "was" : "were"} not found at the last refresh: cannot be updated until removed from cvms`,
    );
  }
  if (unsupplied.keys.length > 0) parts.push(`refused at apply: ${describeUnsupplied(unsupplied, label)}`);
  if (recorded.length > 0) parts.push(`records ${recorded.join(", ")}`);
  return parts.join("; ");
}
