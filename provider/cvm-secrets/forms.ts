/**
 * A CVM as `cvms` names it: in any id form the API accepts, as typed (`cvm_…`, `app_<hex>`, a
 * UUID, a name), and the `cvm_…` id `check` resolved it to (the `cvmIds` input, form → id).
 * Pure: the lookup itself is steps/identity.ts.
 */

/**
 * The CVM a typed id form names: its resolved `cvm_…` id when known, else the form itself,
 * trimmed (the API ignores surrounding space in a path id).
 */
export function resolvedId(form: string, ids: Readonly<Record<string, string>> | undefined): string {
  return ids?.[form] ?? ids?.[form.trim()] ?? form.trim();
}

/** Resolved CVM ids of a `cvms` list, and a label (the typed form) per resolved id. */
export function labelForms(
  forms: readonly string[],
  ids: Readonly<Record<string, string>> | undefined,
): { cvms: string[]; labels: Record<string, string> } {
  const cvms: string[] = [];
  const labels: Record<string, string> = {};
  for (const form of forms) {
    const id = resolvedId(form, ids);
    if (labels[id] !== undefined) continue;
    cvms.push(id);
    labels[id] = form;
  }
  return { cvms, labels };
}
