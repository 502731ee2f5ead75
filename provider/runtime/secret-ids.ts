/**
 * CVM ids given as secrets. A dynamic provider receives every input in plaintext with no secret
 * marker (the dynamic-provider host accepts no secrets), so the resource class passes the list
 * positions of `cvms` that were secret (`secretCvms`: `true` for the whole list). From those this
 * module
 *   - names such a CVM by its position (`cvms[0]`) in every message: {@link SecretIds.redact}
 *     replaces each form of its id — as typed, resolved (`cvm_…`), its name, VM UUID and app id as
 *     the API reported them — wherever it appears in a message;
 *   - marks every output that carries such an id secret ({@link wrapIdOutputs}), in Pulumi's
 *     secret wire form, which the engine keeps as a secret in state, `preview` and the program.
 * Lists with no secret id are left exactly as they were: same outputs, same messages.
 *
 * The labels themselves (id → `cvms[i]`) are kept as a secret output (`idLabels`), so that a
 * CVM removed from `cvms` is still named by position — and its leftover records still kept
 * secret — by the update that clears it, by `refresh` and by `destroy`.
 */

import { isRecord } from "../core/is-record";
import { isSecretWire, secretWire } from "./wire";

/** The positions `secretCvms` marks in a list of `length` CVMs. */
export function secretPositions(secretCvms: unknown, length: number): number[] {
  if (secretCvms === true) return Array.from({ length }, (_, i) => i);
  if (!Array.isArray(secretCvms)) return [];
  return secretCvms.filter((i): i is number => Number.isInteger(i) && i >= 0 && i < length);
}

/** What the API reported about a CVM (the fields that identify it). */
export interface CvmIdentity {
  id?: string;
  name?: string;
  appId?: string;
  vmUuid?: string;
}

/** The ways one id may be written: as is, trimmed, URL-encoded, app and UUID spellings. */
export function idSpellings(id: string): string[] {
  const out = new Set<string>();
  const add = (s: string): void => {
    if (s !== "") out.add(s);
  };
  const t = id.trim();
  add(id);
  add(t);
  add(encodeURIComponent(t));
  const app = /^(?:app_|0x)?([0-9a-fA-F]{40})$/.exec(t);
  if (app) {
    const hex = app[1]!.toLowerCase();
    for (const s of [hex, `app_${hex}`, `0x${hex}`, app[1]!]) add(s);
  }
  const uuid =
    /^([0-9a-fA-F]{8})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{12})$/.exec(t);
  if (uuid) {
    const parts = uuid.slice(1).map((p) => p.toLowerCase());
    add(parts.join("-"));
    add(parts.join(""));
  }
  return [...out];
}

/** The secret CVM ids of one provider call and the position that names each. */
export class SecretIds {
  private readonly labels = new Map<string, string>();
  private pattern: RegExp | undefined;

  /** Registers every spelling of `id` under `label` (a first label wins). */
  add(id: unknown, label: string): void {
    if (typeof id !== "string" || id.trim() === "") return;
    for (const s of idSpellings(id)) {
      if (this.labels.has(s)) continue;
      this.labels.set(s, label);
      this.pattern = undefined;
    }
  }

  /** The label of an id, when it is secret. */
  labelOf(id: string): string | undefined {
    return this.labels.get(id) ?? this.labels.get(id.trim());
  }

  /** True when no id is secret. */
  get empty(): boolean {
    return this.labels.size === 0;
  }

  /**
   * A CVM the API described after being asked for `asked`: when `asked` is secret, every
   * identifier of the answer is too (a secret name resolves to a `cvm_…` id, an app id, …).
   */
  learn(asked: string, info: CvmIdentity): void {
    const label =
      this.labelOf(asked) ?? [info.id, info.name, info.vmUuid].map((s) => s && this.labelOf(s)).find(Boolean);
    if (!label) return;
    for (const s of [info.id, info.name, info.appId, info.vmUuid]) this.add(s, label);
  }

  /** The text with every secret id replaced by its label (an id only as a whole token). */
  redact(text: string): string {
    if (this.labels.size === 0 || typeof text !== "string") return text;
    this.pattern ??= new RegExp(
      `(?<![A-Za-z0-9_.-])(?:${[...this.labels.keys()]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join("|")})(?![A-Za-z0-9_-])`,
      "g",
    );
    return text.replace(this.pattern, (id) => this.labels.get(id) ?? id);
  }

  /** id → label, for the `idLabels` output, limited to ids that `keep` says are still named. */
  toRecord(keep: (id: string) => boolean = () => true): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [id, label] of this.labels) if (keep(id)) out[id] = label;
    return out;
  }
}

/**
 * The secret ids of a call: `current` (the new inputs, or the state a delete/refresh works on)
 * names its secret positions `cvms[i]`; `previous` (the old state) adds the ids of its labels
 * (`idLabels`) and secret positions not named now, as `previous cvms[i]`.
 */
export function secretIdsOf(
  current: Record<string, unknown> | undefined,
  previous?: Record<string, unknown>,
): SecretIds {
  const ids = new SecretIds();
  addPositions(ids, current, "");
  if (previous) addPositions(ids, previous, "previous ");
  // Labels kept from earlier runs: a CVM not named now keeps its label, as a previous position.
  for (const state of [current, previous]) {
    const known = state?.idLabels;
    if (!isRecord(known)) continue;
    for (const [id, label] of Object.entries(known)) {
      const text = String(label);
      ids.add(id, text.startsWith("previous ") ? text : `previous ${text}`);
    }
  }
  // App ids recorded for a secret CVM (`appIds` is keyed by resolved id).
  for (const state of [current, previous]) {
    const apps = state?.appIds;
    if (!isRecord(apps)) continue;
    for (const [cvm, app] of Object.entries(apps)) {
      const label = ids.labelOf(cvm);
      if (label) ids.add(app, label);
    }
  }
  return ids;
}

/** Adds the resolved ids (`cvmIds`) of `state`'s secret positions, e.g. after `check` resolved them. */
export function addResolved(ids: SecretIds, state: Record<string, unknown>): void {
  addPositions(ids, state, "");
}

function addPositions(ids: SecretIds, state: Record<string, unknown> | undefined, prefix: string): void {
  const cvms = Array.isArray(state?.cvms) ? (state.cvms as unknown[]) : [];
  const resolved = isRecord(state?.cvmIds) ? (state.cvmIds as Record<string, unknown>) : {};
  for (const i of secretPositions(state?.secretCvms, cvms.length)) {
    const form = cvms[i];
    if (typeof form !== "string") continue;
    ids.add(form, `${prefix}cvms[${i}]`);
    ids.add(resolved[form] ?? resolved[form.trim()], ids.labelOf(form)!);
  }
}

/**
 * Outputs with every id-bearing value (`idKeys`: the outputs, and checked inputs, that name CVMs
 * or their apps) in secret wire form, and the labels still needed kept as the secret `idLabels`
 * output — or `outs` unchanged when no id is secret.
 */
export function wrapIdOutputs(
  outs: Record<string, unknown>,
  ids: SecretIds,
  idKeys: readonly string[],
): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...outs };
  delete copy.idLabels;
  if (ids.empty) return copy;
  const named = JSON.stringify(copy);
  const labels = ids.toRecord((id) => named.includes(JSON.stringify(id).slice(1, -1)));
  if (Object.keys(labels).length === 0) return copy;
  copy.idLabels = labels;
  for (const key of idKeys) {
    if (copy[key] !== undefined && !isSecretWire(copy[key])) copy[key] = secretWire(copy[key]);
  }
  return copy;
}

/** Applies {@link SecretIds.redact} to an error's message, stack and `reasons`, in place. */
export function redactError(error: unknown, ids: SecretIds): unknown {
  if (ids.empty || error === null || typeof error !== "object") return error;
  const e = error as { message?: unknown; stack?: unknown; reasons?: unknown };
  if (typeof e.message === "string") e.message = ids.redact(e.message);
  if (typeof e.stack === "string") e.stack = ids.redact(e.stack);
  if (Array.isArray(e.reasons)) e.reasons = e.reasons.map((r) => (typeof r === "string" ? ids.redact(r) : r));
  return error;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
