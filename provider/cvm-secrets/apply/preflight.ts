/**
 * Phase 2 of an apply: every check before the first write. The CVMs the plan writes to are read
 * (steps/resolve.ts) with who pushed their env last (records/ownership.ts); a new resource is
 * refused a take-over (steps/adopt-guard.ts); a removed CVM is cleared only while it runs this
 * resource's push; the keys are verified and pinned (steps/trust.ts); the env is checked against
 * each compose (steps/compose-gate.ts); planned pushes an interrupted run already finished are
 * not repeated (steps/already-running.ts).
 *
 * The result is per CVM: what was read and what was decided. The safety model's decision module
 * (issue 20) is to live here; for now each step still makes its own decision and this module
 * records it.
 */
import type { CvmInfo } from "../../api/phala";
import { pushedBy } from "../../core/envelope-facts";
import type { PlanWrite } from "../../core/plan";
import { byResolvedId } from "../migrate";
import {
  describeTheirs,
  latestRevision,
  type Ownership,
  ownerReason,
  ownershipOf,
} from "../records/ownership";
import { guardAdoption } from "../steps/adopt-guard";
import { alreadyRunning, noteAlreadyRunning, type RanAlready } from "../steps/already-running";
import { checkComposeBeforeWrite } from "../steps/compose-gate";
import { resolveTargets } from "../steps/resolve";
import { pinKeys } from "../steps/trust";
import type { ApplyContext } from "./context";
import type { Planned } from "./plan";

/**
 * What preflight decided for one CVM the plan writes to:
 * - `roll`: it is pushed (or cleared) in the rollout;
 * - `already-running`: an interrupted run of this resource already moved it to this env — not
 *   restarted, recorded as running it;
 * - `left-alone`: removed from `cvms`, but someone else's push runs there — not cleared;
 * - `gone`: removed from `cvms` and already deleted (404) — nothing to clear.
 */
export type Decision = "roll" | "already-running" | "left-alone" | "gone";

/** One CVM of the plan's writes, as preflight found and judged it. */
export interface CheckedCvm {
  /** What the plan asked for it. */
  write: PlanWrite;
  /** What `GET /cvms/{id}` said (absent when `gone`). */
  info?: CvmInfo;
  /** Who pushed the env its newest app revision carries (absent when `gone`). */
  owner?: Ownership;
  decision: Decision;
}

/** What preflight hands on: per CVM in the plan's order, and the key to encrypt to per app. */
export interface Checked {
  cvms: CheckedCvm[];
  /** App id → its verified, pinned env-encryption key (every app of a CVM not left alone or gone). */
  keyByApp: Map<string, string>;
  /** The `already-running` CVMs, with the ciphertext digest their run pushed (for state). */
  ranAlready: RanAlready[];
}

export async function preflight(ctx: ApplyContext, planned: Planned): Promise<Checked> {
  const { client, inputs, old, creating, name } = ctx;
  const { plan, ids, journal, digest, envKeys } = planned;
  const infos = await resolveTargets(client, plan.writes);
  const read = new Map(infos);
  const owners = new Map<string, Ownership>();
  const pushedBefore = byResolvedId(old.pushed, ids);
  for (const [cvm, info] of infos) {
    owners.set(cvm, ownershipOf(pushedBefore[cvm], await latestRevision(client, info)));
  }
  for (const cvm of guardAdoption(infos, owners, {
    creating,
    adopt: inputs.adopt,
    ownerUrn: inputs.ownerUrn,
  })) {
    ctx.say(
      `${cvm}: its env was pushed by this stack's ${name} (the resource this one replaces, or an earlier one ` +
        "of this name); it restarts with this resource's env, and that resource's delete leaves it alone",
    );
  }
  const decisions = new Map<string, Decision>();
  for (const w of plan.writes) if (!infos.has(w.cvm)) decisions.set(w.cvm, "gone");
  // A removed CVM is cleared only while it runs this resource's push.
  for (const w of plan.writes) {
    const owner = owners.get(w.cvm);
    if (w.action !== "clear-env" || !owner || owner.kind === "ours") continue;
    ctx.warn(`left ${w.cvm} alone (removed from cvms, env not cleared): ${ownerReason(owner)}`);
    decisions.set(w.cvm, "left-alone");
    infos.delete(w.cvm);
  }
  const writes = plan.writes.filter((w) => decisions.get(w.cvm) !== "left-alone");
  for (const w of writes) {
    const owner = owners.get(w.cvm);
    if (w.action !== "push-env" || owner?.kind !== "theirs") continue;
    if (pushedBy(owner.revision.encryptedEnv, inputs.ownerUrn)) continue; // an interrupted run of ours
    if (creating ? inputs.adopt === true : pushedBefore[w.cvm] !== undefined) {
      ctx.warn(`${w.cvm}: ${describeTheirs(owner)}; it is overwritten with this resource's env`);
    }
  }
  const keyByApp = await pinKeys(client, infos, old, inputs, ids);
  await checkComposeBeforeWrite(client, writes, infos, inputs, envKeys, ctx.warn);
  // CVMs an interrupted run of this update already finished: no second restart.
  const already = alreadyRunning(writes, infos, owners, journal, { digest, envKeys });
  for (const w of already) decisions.set(w.cvm, "already-running");
  const ranAlready = noteAlreadyRunning(
    already.map((w) => w.cvm),
    journal,
    ctx.say,
  );
  const cvms = plan.writes.map(
    (write): CheckedCvm => ({
      write,
      info: read.get(write.cvm),
      owner: owners.get(write.cvm),
      decision: decisions.get(write.cvm) ?? "roll",
    }),
  );
  return { cvms, keyByApp, ranAlready };
}

/** The CVMs read and not left alone, in the plan's order: those whose app ids state records. */
export function readCvms(checked: Checked): Array<CheckedCvm & { info: CvmInfo }> {
  return checked.cvms.filter(
    (c): c is CheckedCvm & { info: CvmInfo } => c.info !== undefined && c.decision !== "left-alone",
  );
}

/** The CVMs the rollout pushes to (or clears), in the plan's order. */
export function toRoll(checked: Checked): Array<CheckedCvm & { info: CvmInfo }> {
  return readCvms(checked).filter((c) => c.decision === "roll");
}
