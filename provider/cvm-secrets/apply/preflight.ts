/**
 * Phase 2 of an apply: every check before the first write. The CVMs the plan writes to are read
 * (steps/resolve.ts) with their newest app revision (records/ownership.ts), and the decision for
 * each is taken by the safety model's one module (apply/decide.ts) from those facts. The keys of
 * the CVMs kept are verified and pinned (steps/trust.ts: an API that moved a CVM to another app
 * is named as such first); then a refusal stops the run, before any write; then the env is
 * checked against each compose (steps/compose-gate.ts).
 */
import type { CvmInfo } from "../../api/phala";
import type { KeyAnchor } from "../../core/key-anchor";
import { IMPORTED, type PlanWrite } from "../../core/plan";
import { CvmSecretsError, ErrorCodes } from "../../errors";
import { secretPositions } from "../../runtime/secret-ids";
import { resolvedId } from "../forms";
import { byResolvedId } from "../migrate";
import {
  classifyNewest,
  describeRevision,
  describeTheirs,
  latestRevision,
  type Newest,
} from "../records/ownership";
import { journalEvidence, noteAlreadyRunning, type RanAlready } from "../steps/already-running";
import { checkComposeBeforeWrite } from "../steps/compose-gate";
import { resolveTargets } from "../steps/resolve";
import { pinKeys } from "../steps/trust";
import type { ApplyContext } from "./context";
import {
  type AllowList,
  type CvmFacts,
  cvmLabel,
  type Decision,
  decide,
  refusal,
  type Unreadable,
} from "./decide";
import type { Planned } from "./plan";

export type { Decision } from "./decide";

/** One CVM of the plan's writes, as preflight found and judged it. */
export interface CheckedCvm {
  /** What the plan asked for it. */
  write: PlanWrite;
  /** What `GET /cvms/{id}` said (absent when `gone`). */
  info?: CvmInfo;
  /** What its newest app revision carries (absent when `gone`). */
  newest?: Newest;
  /** The facts the decision was taken from (absent in a state built elsewhere, e.g. tests). */
  facts?: CvmFacts;
  decision: Decision;
}

/** What preflight hands on: per CVM in the plan's order, and the key to encrypt to per app. */
export interface Checked {
  cvms: CheckedCvm[];
  /** App id → its verified, pinned env-encryption key (every app of a CVM not left alone or gone). */
  keyByApp: Map<string, string>;
  /** App id → what its key was checked against (state's `keyAnchors`). */
  anchorByApp: Map<string, KeyAnchor>;
  /** The `already-running` CVMs, with the ciphertext digest their run pushed (for state). */
  ranAlready: RanAlready[];
}

export async function preflight(ctx: ApplyContext, planned: Planned): Promise<Checked> {
  const { client, inputs, old } = ctx;
  const { plan, ids, envKeys } = planned;
  const read = await resolveTargets(client, plan.writes);
  // What state recorded of each CVM, keyed by resolved id once (states of earlier versions keyed
  // them by the typed form: migrate.ts).
  const before: Recorded = {
    pushed: byResolvedId(old.pushed, ids),
    appIds: byResolvedId(old.appIds, ids),
    applied: byResolvedId(old.applied, ids),
  };
  const cvms: CheckedCvm[] = [];
  const refused: string[] = [];
  for (const write of plan.writes) {
    const info = read.get(write.cvm);
    const newest = info
      ? classifyNewest(before.pushed[write.cvm], await latestRevision(client, info), ctx.owner)
      : undefined;
    const facts = factsOf(ctx, planned, before, write, info, newest);
    const decision = decide(facts);
    if (decision === "refuse") refused.push(refusal(facts, labelOf(ctx, planned, write.cvm), readOf(newest)));
    cvms.push({ write, info, newest, facts, decision });
  }
  const kept = cvms.filter(
    (c): c is CheckedCvm & { info: CvmInfo } => c.info !== undefined && c.decision !== "leave-alone",
  );
  const infos = new Map(kept.map((c) => [c.write.cvm, c.info]));
  // The pins first (reads only): an API that moved a CVM to another app says so, by name.
  const { keyByApp, anchorByApp } = await pinKeys(client, infos, old, inputs, ids);
  if (refused.length > 0) {
    throw new CvmSecretsError(ErrorCodes.INVALID_INPUT, `${refused.join("\n")}\n(nothing was changed)`, {
      resource: ctx.name,
    });
  }
  for (const c of cvms) announce(ctx, c);
  await checkComposeBeforeWrite(
    client,
    kept.map((c) => c.write),
    infos,
    inputs,
    envKeys,
    ctx.warn,
  );
  const ranAlready = noteAlreadyRunning(
    cvms.filter((c) => c.decision === "already-running").map((c) => c.write.cvm),
    planned.journal,
    ctx.say,
  );
  return { cvms, keyByApp, anchorByApp, ranAlready };
}

/** State's per-CVM records preflight reads, keyed by resolved id. */
interface Recorded {
  pushed: Readonly<Record<string, string>>;
  appIds: Readonly<Record<string, string>>;
  applied: Readonly<Record<string, string>>;
}

/** The resolved facts about one CVM of the plan's writes (apply/decide.ts). */
function factsOf(
  ctx: ApplyContext,
  planned: Planned,
  before: Recorded,
  write: PlanWrite,
  info: CvmInfo | undefined,
  newest: Newest | undefined,
): CvmFacts {
  const { inputs, creating } = ctx;
  const { journal, digest, envKeys } = planned;
  const cvm = write.cvm;
  const known = before.pushed[cvm] !== undefined || before.appIds[cvm] !== undefined;
  return {
    write: write.action === "clear-env" ? "clear" : "push",
    found: info !== undefined,
    isNew: creating || !known,
    imported: before.applied[cvm] === IMPORTED,
    adopt: inputs.adopt === true,
    newest: newest?.kind ?? "unknown",
    allowList: allowListOf(info),
    journal:
      info !== undefined &&
      newest !== undefined &&
      write.action === "push-env" &&
      journalEvidence(cvm, info, newest, journal, { digest, envKeys }),
  };
}

/** Pure: a CVM record's allow-list as the decision sees it. */
export function allowListOf(info: CvmInfo | undefined): AllowList {
  if (!Array.isArray(info?.allowedEnvs)) return "unknown";
  return info.allowedEnvs.length === 0 ? "none" : "some";
}

/**
 * How messages name a CVM of the plan: its position in `cvms` if listed, and its resolved id
 * unless that position was given as a secret (runtime/secret-ids.ts; its id is then redacted to
 * the position anyway).
 */
function labelOf(ctx: ApplyContext, planned: Planned, cvm: string): string {
  const { cvms, secretCvms } = ctx.inputs;
  const position = cvms.findIndex((form) => resolvedId(form, planned.ids) === cvm);
  if (position >= 0 && secretPositions(secretCvms, cvms.length).includes(position))
    return `cvms[${position}]`;
  return cvmLabel(cvm, position < 0 ? undefined : position);
}

function readOf(newest: Newest | undefined): Unreadable {
  return {
    why: newest?.why,
    revision: newest?.revision ? describeRevision(newest.revision) : undefined,
    urnTagged: newest?.urnTagged,
  };
}

/** Says what a decision means for the CVM, when it is more than the plan said. */
function announce(ctx: ApplyContext, { write, newest, facts, decision }: CheckedCvm): void {
  const cvm = write.cvm;
  if (decision === "leave-alone") {
    ctx.warn(`left ${cvm} alone (removed from cvms, env not cleared): ${notOurs(newest)}`);
  } else if (decision === "warn") {
    const what = newest?.revision ? describeTheirs({ revision: newest.revision }) : (newest?.why ?? "");
    ctx.warn(`${cvm}: ${what}; it is overwritten with this resource's env`);
  } else if (decision === "push" && newest?.kind === "tagged" && facts?.isNew) {
    ctx.say(
      `${cvm}: its env was pushed by this stack's ${ctx.name} (the resource this one replaces, or an earlier one ` +
        "of this name); it restarts with this resource's env, and that resource's delete leaves it alone",
    );
  }
}

/** Why a removed CVM's env is not this resource's to clear, in words. */
function notOurs(newest: Newest | undefined): string {
  if (newest?.kind === "unknown" || !newest?.revision)
    return newest?.why ?? "who pushed its env cannot be read";
  if (newest.kind === "empty")
    return `its latest app revision (${describeRevision(newest.revision)}) carries no env`;
  return `${describeTheirs({ revision: newest.revision })} (another resource, stack or person wrote after it)`;
}

/** The CVMs read and not left alone, in the plan's order: those whose app ids state records. */
export function readCvms(checked: Checked): Array<CheckedCvm & { info: CvmInfo }> {
  return checked.cvms.filter(
    (c): c is CheckedCvm & { info: CvmInfo } => c.info !== undefined && c.decision !== "leave-alone",
  );
}

/** The CVMs the rollout pushes to (or clears), in the plan's order. */
export function toRoll(checked: Checked): Array<CheckedCvm & { info: CvmInfo }> {
  return readCvms(checked).filter((c) => c.decision === "push" || c.decision === "warn");
}
