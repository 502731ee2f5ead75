/**
 * Turns `pulumi preview --json` into a Markdown summary a pull-request comment can carry: per
 * resource, the keys added, changed and removed and the CVMs that restart — never a value and
 * never `__provider`.
 *
 * How a changed secret is found without seeing it: the JSON replaces every secret with
 * "[secret]" on both sides, so secret values cannot be compared (the Pulumi CLI's diff display). Each
 * CvmSecrets resource therefore carries, as a non-secret input, a fingerprint per key: a change
 * token that moves exactly when the value changes and is computed from no value at all (see
 * core/fingerprint.ts), so it reveals nothing about the value.
 */
import { UNKNOWN } from "./pulumi-wire";

/** The part of a preview step this summary reads. */
export interface PreviewStep {
  op: string;
  urn: string;
  oldState?: { type?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
  newState?: { type?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
}

export interface PreviewDocument {
  steps?: PreviewStep[];
  changeSummary?: Record<string, number>;
}

/** What changed for one resource (names only). */
export interface ResourceChange {
  name: string;
  kind: "CvmSecrets" | "RegistryCredential";
  op: string;
  added: string[];
  changed: string[];
  removed: string[];
  /** Keys whose new values are not known until apply. */
  unknown: boolean;
  cvmsAdded: string[];
  cvmsRemoved: string[];
  /** CVMs that restart, when known. */
  restarts: string[];
  maxUnavailable: number;
  /** For RegistryCredential: the credential's fields changed. */
  rotated: boolean;
}

function kindOf(type: string | undefined): ResourceChange["kind"] | undefined {
  if (!type) return undefined;
  if (type.endsWith(":CvmSecrets")) return "CvmSecrets";
  if (type.endsWith(":RegistryCredential")) return "RegistryCredential";
  return undefined;
}

function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === "string") out[k] = v;
  return out;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string" && v !== UNKNOWN) : [];
}

/** Extracts the per-resource changes from a preview document. */
export function summarizePreview(doc: PreviewDocument): ResourceChange[] {
  const out: ResourceChange[] = [];
  for (const step of doc.steps ?? []) {
    const kind = kindOf(step.newState?.type ?? step.oldState?.type);
    if (!kind || step.op === "same" || step.op === "read" || step.op === "refresh") continue;
    const oldInputs = step.oldState?.inputs ?? {};
    const newInputs = step.op === "delete" ? {} : (step.newState?.inputs ?? {});
    const oldFp = stringRecord(oldInputs.fingerprints) ?? {};
    const newFpRaw = newInputs.fingerprints;
    const unknown = step.op !== "delete" && (newFpRaw === undefined || newFpRaw === UNKNOWN);
    const newFp = stringRecord(newFpRaw) ?? {};
    const added = unknown ? [] : Object.keys(newFp).filter((k) => !(k in oldFp));
    const removed = unknown ? [] : Object.keys(oldFp).filter((k) => !(k in newFp));
    const changed = unknown ? [] : Object.keys(newFp).filter((k) => k in oldFp && oldFp[k] !== newFp[k]);
    const oldCvms = stringList(oldInputs.cvms);
    const newCvms = stringList(newInputs.cvms);
    const cvmsAdded = newCvms.filter((c) => !oldCvms.includes(c));
    const cvmsRemoved = oldCvms.filter((c) => !newCvms.includes(c));
    const applied = stringRecord(step.oldState?.outputs?.applied) ?? {};
    // A delete acts on the settings the resource last had: its old inputs.
    const settings = step.op === "delete" ? oldInputs : newInputs;
    const retain = settings.retainOnRemove === true;
    const envChanged = unknown || added.length + changed.length + removed.length > 0;
    let restarts: string[];
    if (kind !== "CvmSecrets") restarts = [];
    else if (step.op === "create" || step.op === "replace") restarts = newCvms;
    else if (step.op === "delete") restarts = retain ? [] : oldCvms;
    else {
      // Every current CVM when what it sees changed; otherwise the new ones and those whose
      // last rollout did not finish; removed CVMs restart to clear their env.
      const pending = newCvms.filter((c) => !cvmsAdded.includes(c) && applied[c] === undefined);
      restarts = envChanged ? newCvms : [...cvmsAdded, ...pending];
      if (!retain) restarts = [...restarts, ...cvmsRemoved];
    }
    const rollout = settings.rollout as { maxUnavailable?: unknown } | undefined;
    const maxUnavailable = typeof rollout?.maxUnavailable === "number" ? rollout.maxUnavailable : 1;
    const rotated =
      kind === "RegistryCredential" &&
      (step.op === "update" || step.op === "replace") &&
      JSON.stringify(oldInputs.fingerprints ?? null) !== JSON.stringify(newInputs.fingerprints ?? null);
    out.push({
      name: nameOf(step.urn),
      kind,
      op: step.op,
      added,
      changed,
      removed,
      unknown,
      cvmsAdded,
      cvmsRemoved,
      restarts,
      maxUnavailable,
      rotated,
    });
  }
  return out;
}

const code = (names: readonly string[]): string => names.map((n) => `\`${n}\``).join(", ");

/**
 * One entry of the heading's counts: `pulumi preview`'s changeSummary is keyed by step op
 * ("create", "update", "same", ...); "same" reads as "2 unchanged", the others as "1 to update".
 */
export function countPhrase(op: string, n: number): string {
  return op === "same" ? `${n} unchanged` : `${n} to ${op}`;
}

/** Renders the summary as Markdown. */
export function renderPrSummary(doc: PreviewDocument, title = "pulumi preview"): string {
  const changes = summarizePreview(doc);
  const counts = Object.entries(doc.changeSummary ?? {})
    .filter(([, n]) => n > 0)
    .map(([op, n]) => countPhrase(op, n))
    .join(", ");
  const lines = [`### ${title}${counts ? `: ${counts}` : ""}`, ""];
  if (changes.length === 0) {
    lines.push("No CVM secrets or registry credentials change. No CVM restarts.");
    return `${lines.join("\n")}\n`;
  }
  lines.push("| Resource | Action | Keys | CVM restarts |", "|---|---|---|---|");
  for (const c of changes) {
    const keys: string[] = [];
    if (c.unknown) keys.push("values known only at apply");
    if (c.added.length) keys.push(`added: ${code(c.added)}`);
    if (c.changed.length) keys.push(`changed: ${code(c.changed)}`);
    if (c.removed.length) keys.push(`removed: ${code(c.removed)}`);
    if (c.kind === "RegistryCredential" && c.rotated) keys.push("credential rotated");
    if (c.cvmsAdded.length) keys.push(`CVMs added: ${code(c.cvmsAdded)}`);
    if (c.cvmsRemoved.length) keys.push(`CVMs removed: ${code(c.cvmsRemoved)}`);
    const restarts =
      c.kind !== "CvmSecrets"
        ? "—"
        : c.restarts.length === 0
          ? "none"
          : `${c.restarts.length} (${c.maxUnavailable} at a time): ${code(c.restarts)}`;
    lines.push(`| \`${c.name}\` (${c.kind}) | ${c.op} | ${keys.join("; ") || "—"} | ${restarts} |`);
  }
  lines.push("", "_Values are never shown; a key is listed as changed when its fingerprint changed._");
  return `${lines.join("\n")}\n`;
}
