/**
 * CVM identity: a CVM is what the API resolves it to (its `cvm_…` id), never the string the user
 * typed. `cvm_…`, the CVM name, its VM UUID, `app_<hex>` of a single-replica app and any of these
 * with surrounding space all name the same target. Known forms are kept in state (`cvmIds`), so
 * only a form never seen before costs a `GET /cvms/{id}`.
 */
import type { PhalaClient } from "../../api/phala";
import { CvmSecretsError, ErrorCodes } from "../../errors";
import { resolvedId } from "../forms";

/** Two typed forms that name one CVM. */
export interface DuplicateForm {
  /** Index in `forms` of the later form. */
  index: number;
  form: string;
  /** Index in `forms` of the earlier form naming the same CVM. */
  firstIndex: number;
  first: string;
  id: string;
}

/** Pure: the forms in `forms` that name a CVM an earlier form already names. */
export function duplicateForms(
  forms: readonly string[],
  ids: Readonly<Record<string, string>>,
): DuplicateForm[] {
  const seen = new Map<string, number>();
  const out: DuplicateForm[] = [];
  forms.forEach((form, index) => {
    const id = resolvedId(form, ids);
    const firstIndex = seen.get(id);
    if (firstIndex !== undefined) out.push({ index, form, firstIndex, first: forms[firstIndex]!, id });
    else seen.set(id, index);
  });
  return out;
}

/**
 * The message for a duplicate, naming both forms by list position (`at` of the earlier one):
 * an id may be a secret, so neither the forms nor the CVM id are quoted.
 */
export function duplicateMessage(d: DuplicateForm, firstAt: number): string {
  return d.form === d.first
    ? `is listed twice (also cvms[${firstAt}]); list each CVM once`
    : `names the same CVM as cvms[${firstAt}] (two id forms of one CVM); list each CVM once`;
}

/**
 * Resolves every form of `forms` not in `known` (`GET /cvms/{id}`); the first form that cannot
 * be resolved (not found, a refused key, no answer) fails with the API's error. Check, apply and
 * import call it alike, so a preview fails with the words of the `up` it stands for. Returns the
 * map restricted to `forms`.
 */
export async function resolveForms(
  client: () => PhalaClient,
  forms: readonly string[],
  known: Readonly<Record<string, string>> | undefined,
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  let api: PhalaClient | undefined;
  for (const form of forms) {
    const have = known?.[form];
    if (have !== undefined) {
      ids[form] = have;
      continue;
    }
    api ??= client();
    ids[form] = (await api.getCvm(form)).id;
  }
  return ids;
}

/** The forms of `forms` that `known` does not resolve: what a check would have to look up. */
export function unresolvedForms(
  forms: readonly string[],
  known: Readonly<Record<string, string>> | undefined,
): string[] {
  return forms.filter((form) => known?.[form] === undefined);
}

/** Throws before any write when two forms name one CVM. */
export function refuseDuplicates(forms: readonly string[], ids: Readonly<Record<string, string>>): void {
  const duplicates = duplicateForms(forms, ids);
  if (duplicates.length > 0) {
    throw new CvmSecretsError(
      ErrorCodes.INVALID_INPUT,
      `${duplicates.map((d) => `cvms[${d.index}] ${duplicateMessage(d, d.firstIndex)}`).join("; ")} (nothing was changed)`,
    );
  }
}
