/**
 * The safety model's one decision (issue 20): for each CVM the plan writes to, push, refuse,
 * leave alone, warn (and push), already running, or gone — from resolved facts only. Pure: the
 * facts are gathered by apply/preflight.ts (the CVM as the API resolved it, its newest app revision
 * classified by records/ownership.ts, the journal's evidence by steps/already-running.ts), which
 * records the decision before the first write. Unknown is never safe: without `adopt`, a CVM
 * whose ownership cannot be read is refused, with what could not be read and what to do.
 *
 * The facts, per CVM (keyed by its resolved `cvm_…` id):
 * - write: `clear` (removed from `cvms`) or `push` (a target);
 * - found: `GET /cvms/{id}` found it;
 * - new: not in the previous state's records for that resolved id (`pushed`, `appIds`), or the
 *   resource is being created now;
 * - imported: `pulumi import` recorded it and this resource has not pushed to it yet;
 * - adopt: the `adopt` input;
 * - newest: what its newest app revision carries — `ours` (this resource's recorded push),
 *   `tagged` (a push carrying this resource's v2 owner tag, made with its owner key: the resource
 *   it replaces, or a run of it that state never recorded; core/envelope-facts.ts), `theirs`
 *   (another resource's, stack's or person's env — a v1 tag, made from the URN alone, included:
 *   another backend computes the same one), `empty`
 *   (no env, or one too short to hold a variable), `unknown` (the revisions route failed, no
 *   revision for the CVM, or the newest cannot be determined from the list);
 * - allow-list: the CVM's `allowed_envs` — `none` (an empty list: the guest sees no variable),
 *   `some`, or `unknown` (missing or null in the CVM record);
 * - journal: an interrupted run of this resource pushed this env, the newest revision is that
 *   push (evidence, not assumed), and the CVM is running with this key set allowed.
 *
 * Truth table — the first row that matches decides (`*` = any; `other` = anything but `ours`);
 * test/unit/decide.test.ts checks every combination of facts against it:
 *
 * | write | found | new | imported | adopt | newest        | allow-list | journal | decision        |
 * |-------|-------|-----|----------|-------|---------------|------------|---------|-----------------|
 * | clear | no    | *   | *        | *     | *             | *          | *       | gone            |
 * | clear | yes   | *   | *        | *     | ours          | *          | *       | push            |
 * | clear | yes   | *   | *        | *     | other         | *          | *       | leave-alone     |
 * | push  | no    | *   | *        | *     | *             | *          | *       | refuse          |
 * | push  | yes   | *   | *        | *     | *             | *          | yes     | already-running |
 * | push  | yes   | *   | *        | *     | ours          | *          | no      | push            |
 * | push  | yes   | *   | *        | *     | tagged        | *          | no      | push            |
 * | push  | yes   | *   | *        | *     | empty         | *          | no      | push            |
 * | push  | yes   | *   | *        | yes   | theirs        | *          | no      | warn            |
 * | push  | yes   | *   | *        | yes   | unknown       | *          | no      | warn            |
 * | push  | yes   | *   | yes      | no    | theirs        | unknown    | no      | refuse          |
 * | push  | yes   | *   | yes      | no    | unknown       | unknown    | no      | refuse          |
 * | push  | yes   | *   | yes      | no    | theirs        | *          | no      | warn            |
 * | push  | yes   | *   | yes      | no    | unknown       | *          | no      | warn            |
 * | push  | yes   | *   | no       | no    | unknown       | *          | no      | refuse          |
 * | push  | yes   | yes | no       | no    | theirs        | none       | no      | push            |
 * | push  | yes   | yes | no       | no    | theirs        | *          | no      | refuse          |
 * | push  | yes   | no  | no       | no    | theirs        | *          | no      | warn            |
 *
 * Read: a removed CVM is cleared only while it runs this resource's push. A target runs this
 * resource's env already only on evidence. A push of this resource, an empty env, or adopt
 * proceed (adopt says so). An imported CVM was taken over by `pulumi import` (it is this
 * resource's to overwrite, as after adopt) only when its allow-list is known: without one, the
 * keys its env carries cannot be read, so a program that leaves one out (the generated
 * `env: {}`) would clear it. A CVM whose newest revision cannot be read is refused. A CVM new to
 * this resource carrying another party's env is refused unless its allow-list lets nothing
 * through. A CVM this resource already pushed to that someone wrote to since is pushed again
 * with a warning: drift that `refresh` reports and the next `up` repairs.
 */

/** A CVM's newest app revision, classified (records/ownership.ts `classifyNewest`). */
export type NewestKind = "ours" | "tagged" | "theirs" | "empty" | "unknown";

/** A CVM's allow-list (`compose_file.allowed_envs`). */
export type AllowList = "none" | "some" | "unknown";

/** The resolved facts about one CVM of a run. */
export interface CvmFacts {
  write: "push" | "clear";
  found: boolean;
  /** Not in the previous state's records for its resolved id, or the resource is created now. */
  isNew: boolean;
  imported: boolean;
  adopt: boolean;
  newest: NewestKind;
  allowList: AllowList;
  /** The journal's evidence that an interrupted run of this resource already moved it to this env. */
  journal: boolean;
}

/**
 * What happens to one CVM:
 * - `push`: the plan's write goes ahead (a push; for a removed CVM, the clear);
 * - `warn`: it goes ahead, with a warning that it replaces an env this resource did not push;
 * - `refuse`: the run stops before its first write;
 * - `leave-alone`: removed from `cvms`, not cleared (not this resource's push);
 * - `already-running`: not restarted, recorded as running this env;
 * - `gone`: removed from `cvms` and already deleted.
 */
export type Decision = "push" | "warn" | "refuse" | "leave-alone" | "already-running" | "gone";

/** Pure: the decision for one CVM (the header's truth table). */
export function decide(f: CvmFacts): Decision {
  if (f.write === "clear") {
    if (!f.found) return "gone";
    return f.newest === "ours" ? "push" : "leave-alone";
  }
  if (!f.found) return "refuse";
  if (f.journal) return "already-running";
  if (f.newest === "ours" || f.newest === "tagged" || f.newest === "empty") return "push";
  if (f.adopt) return "warn";
  if (f.imported) return f.allowList === "unknown" ? "refuse" : "warn";
  if (f.newest === "unknown") return "refuse";
  if (f.isNew) return f.allowList === "none" ? "push" : "refuse";
  return "warn";
}

/** How a message names a CVM: its resolved id, and its list position when it has one. */
export function cvmLabel(cvm: string, position: number | undefined): string {
  return position === undefined ? cvm : `cvms[${position}] (${cvm})`;
}

/** What a refusal says was read (or not) of a CVM: the newest revision, in words. */
export interface Unreadable {
  /** Why the newest revision could not be read (for `unknown`). */
  why?: string;
  /** The newest revision in words (names and times only), for `theirs`. */
  revision?: string;
  /** The newest revision carries the v1 owner tag of this resource's URN (made without an owner key). */
  urnTagged?: boolean;
}

/**
 * Pure: why a CVM is refused, and what to do — naming the CVM (`label`), never a value. Only
 * for facts {@link decide} refuses.
 */
export function refusal(f: CvmFacts, label: string, read: Unreadable): string {
  if (!f.found) return `${label}: the API did not return it, so who owns its env cannot be read`;
  const adopt =
    "To replace whatever env it carries with this resource's env, set adopt: true (it restarts with this " +
    "resource's env; the resource that pushed the env it carries then leaves it alone when deleted).";
  if (f.imported) {
    return (
      `${label} was imported, and the API reports no allow-list for it (allowed_envs missing from its compose), ` +
      `so the keys of the env it carries cannot be read${f.newest === "unknown" ? `, nor who pushed it (${read.why})` : ""}: ` +
      "this up could clear or overwrite them (the code `pulumi import` generates has `env: {}`). " +
      `Give its full env in env and ${adopt.charAt(0).toLowerCase()}${adopt.slice(1)} Or remove it from cvms.`
    );
  }
  if (f.newest === "unknown") {
    return (
      `${label}: who pushed the env it carries cannot be read — ${read.why} — so it may be another resource's, ` +
      "stack's or person's env. Run `pulumi up` again once its app revisions can be read. " +
      adopt
    );
  }
  const carried =
    f.allowList === "some"
      ? "an env its allow-list lets through"
      : "an encrypted env, and no allow-list (allowed_envs) saying the guest ignores it";
  if (read.urnTagged) {
    return (
      `${label} already carries ${carried} that this resource cannot tell it pushed: its newest app revision ` +
      `(${read.revision ?? "unnamed"}) carries the owner tag of this resource's URN made without an owner key, ` +
      "which a stack of the same project, stack and resource names in any other backend writes too, so it " +
      "proves nothing. If this resource (or the one it replaces) pushed it, declare a `cvm-secrets:OwnerKey` " +
      "and pass its `key` as `ownerKey` (the TypeScript classes make one themselves) and set adopt: true " +
      `once; later pushes carry a tag made with that key. ${adopt}`
    );
  }
  return (
    `${label} already carries ${carried} that this resource did not push: its newest app revision ` +
    `(${read.revision ?? "unnamed"}) is not a push of this resource (no owner tag made with its owner key: ` +
    "another resource, stack or person pushed it, or a version of this package before owner keys). " +
    'If you renamed the resource or moved it under another parent, add `aliases: [{ name: "<old name>" }]` ' +
    "(or the old parent) to its options: Pulumi then treats it as the same resource (no write, no restart). " +
    adopt
  );
}
