/**
 * What creating and deleting a CvmSecrets will do to its CVMs, in words, before anything runs.
 *
 * The engine shows neither before the fact on its own: a dynamic provider's `create` is never
 * called during a preview, and a delete (`pulumi destroy`, or the resource removed from the
 * program) calls no provider method at all until it runs. So `check` — which the engine calls in
 * every preview and again before the create — says what a create does (`describeCreate`, a
 * message), and records in the resource's inputs what its delete will do to each CVM
 * (`describeDelete`): the engine shows a deleted resource's inputs in `pulumi destroy --diff`,
 * `pulumi preview --diff` and `--json`. Pure: CVM
 * labels, counts and settings only — never a value.
 */

/** One CVM of the `cvms` list, as the preview names it. */
export interface CvmRef {
  /** The form as typed in `cvms`. */
  form: string;
  /** Its resolved `cvm_…` id, when check could resolve it. */
  id?: string;
  /** Its position in `cvms`. */
  index: number;
  /** Whether the id was given as a secret: then only its position is named. */
  secret?: boolean;
}

/**
 * The one place that decides how a preview names a CVM: its resolved id, with the form as typed
 * when that differs (`cvm_1 (api-node)`), or `cvms[i]` when the id is a secret.
 */
export function cvmLabel(ref: CvmRef): string {
  if (ref.secret) return `cvms[${ref.index}]`;
  const typed = ref.form.trim();
  return ref.id === undefined || ref.id === typed ? typed : `${ref.id} (${typed})`;
}

/** A setting as check sees it: a value, or not known until apply. */
export type Setting<T> = T | "unknown";

export interface LifecycleFacts {
  /** The CVMs, one per resolved CVM; `undefined` when `cvms` is not known until apply. */
  cvms: readonly CvmRef[] | undefined;
  maxUnavailable: Setting<number>;
  adopt: Setting<boolean>;
  retainOnRemove: Setting<boolean>;
}

/**
 * The message a create (or the create half of a replacement) prints in the preview and again
 * just before it runs; worded in the future tense so that it is true at both times.
 */
export function describeCreate(facts: LifecycleFacts): string {
  const them = facts.cvms?.length === 1 ? "it" : "them";
  const parts = [`will push the env to ${targets(facts.cvms)} and restart ${them}${pace(facts)}`];
  if (facts.adopt === true) {
    parts.push("adopt: a CVM that carries an env this resource did not push is taken over (overwritten)");
  } else {
    const refused =
      facts.adopt === "unknown"
        ? "is refused unless adopt (known only at apply) is set"
        : "is refused (adopt is not set)";
    // "This resource" is its URN and owner key: a replacement (`up --replace`) shares both, so
    // the CVMs its predecessor pushed to are not refused (the push's owner tag, core/envelope-facts.ts).
    parts.push(
      `a CVM that carries an env pushed by anything but this resource (or the one it replaces) ${refused}`,
    );
  }
  const their = facts.cvms?.length === 1 ? "its" : "their";
  parts.push(
    facts.retainOnRemove === true
      ? `deleting this resource later leaves ${their} env (retainOnRemove)`
      : facts.retainOnRemove === "unknown"
        ? `deleting this resource later clears ${their} env unless retainOnRemove (known only at apply) is set`
        : `deleting this resource later clears ${their} env (retainOnRemove is not set)`,
  );
  return parts.join("; ");
}

/**
 * What deleting the resource will do to each CVM, by label (`cvmLabel`), recorded in its inputs
 * (`onDelete`) for the preview of a delete. One short line per CVM: the engine's diff display cuts
 * a string after 150 characters. Only for settings known now: else the plan is known only at apply.
 */
export function describeDelete(facts: {
  cvms: readonly CvmRef[];
  maxUnavailable: number;
  retainOnRemove: boolean;
}): Record<string, string> {
  const pace = facts.cvms.length > 1 ? ` (${facts.maxUnavailable} at a time)` : "";
  const what = facts.retainOnRemove
    ? "keeps its env (retainOnRemove); no restart"
    : `clears its env and restarts it${pace} if it still runs this resource's push, else leaves it alone`;
  return Object.fromEntries(facts.cvms.map((ref) => [cvmLabel(ref), what]));
}

function targets(cvms: readonly CvmRef[] | undefined): string {
  if (cvms === undefined) return "the CVMs in cvms (known only at apply)";
  return cvms.map(cvmLabel).join(", ");
}

function pace(facts: LifecycleFacts): string {
  if (facts.cvms !== undefined && facts.cvms.length <= 1) return "";
  return facts.maxUnavailable === "unknown"
    ? ", rollout.maxUnavailable at a time (known only at apply)"
    : `, ${facts.maxUnavailable} at a time`;
}
