/**
 * Phase 1 of an apply: what it is to do, before the CVMs are read. Every form in `cvms` resolved
 * to one CVM (steps/identity.ts), the journal of an interrupted run opened (records/journal.ts),
 * the update planned (core/plan.ts), and the plan's refusals raised: a CVM refresh did not find,
 * an imported CVM the new env would take keys away from. CVMs an interrupted run already moved to
 * this env, for which the plan makes no write, are noted here (steps/already-running.ts).
 */
import { carryFingerprints } from "../../core/fingerprint";
import { describeUnsupplied, type Plan, planUpdate } from "../../core/plan";
import { CvmSecretsError, ErrorCodes } from "../../errors";
import { resolvedId } from "../forms";
import { byResolvedId } from "../migrate";
import { type Journal, openJournal } from "../records/journal";
import { type CvmSecretsInputs, desiredOf, envDigest, planStateOf } from "../state";
import { caughtUpWithoutWrite, noteAlreadyRunning, type RanAlready } from "../steps/already-running";
import { refuseDuplicates, resolveForms } from "../steps/identity";
import type { ApplyContext } from "./context";

/** What the plan phase decided; everything but the journal is plain data (settle reads it). */
export interface Planned {
  /** The new inputs. */
  inputs: CvmSecretsInputs;
  /** Every typed form of `cvms` (old and new) → its resolved `cvm_…` id. */
  ids: Record<string, string>;
  /** Per key: the token of its value (check's, or first tokens for a direct call). */
  fingerprints: Record<string, string>;
  /** The env's digest (core/fingerprint.ts). */
  digest: string;
  /** The env's keys, sorted. */
  envKeys: string[];
  plan: Plan;
  /** The resolved ids of `cvms`: the CVMs that are to carry this env. */
  targets: ReadonlySet<string>;
  /** CVMs removed from `cvms` whose env the plan clears. */
  removed: ReadonlySet<string>;
  /** Targets with no write that an interrupted run already moved to this env. */
  caughtUp: RanAlready[];
  /** The rollout journal (I/O: read here, written by the rollout). */
  journal: Journal;
}

export async function planApply(ctx: ApplyContext): Promise<Planned> {
  const { inputs, old, name, client } = ctx;
  // Computed by check (the same tokens the preview showed); a direct call without check gets
  // first tokens.
  const fingerprints = inputs.fingerprints ?? carryFingerprints(name, ctx.env);
  const digest = envDigest(fingerprints);
  const envKeys = Object.keys(fingerprints).sort();

  // Identity first: every form resolved, two forms of one CVM refused (identity.ts).
  const ids = await resolveForms(() => client, inputs.cvms, { ...old.cvmIds, ...inputs.cvmIds });
  refuseDuplicates(inputs.cvms, ids);
  const journal = openJournal(ctx.id, { digest, env: ctx.env });
  const next = desiredOf({ ...inputs, fingerprints, cvmIds: ids }, ids);
  const plan = planUpdate(planStateOf(old, ids, journal.digests()), next);
  if (plan.blocked.length > 0) {
    throw new CvmSecretsError(
      ErrorCodes.INVALID_INPUT,
      `${plan.blocked.join(", ")} ${plan.blocked.length === 1 ? "was" : "were"} not found at the last refresh: ` +
        "remove it from cvms (no write is needed), or run `pulumi refresh` if it exists again (nothing was changed)",
    );
  }
  if (plan.unsupplied.keys.length > 0) {
    throw new CvmSecretsError(
      ErrorCodes.INVALID_INPUT,
      `${describeUnsupplied(plan.unsupplied, (cvm) => next.labels?.[cvm] ?? cvm)} (nothing was changed)`,
      { resource: name },
    );
  }
  const targets = new Set(inputs.cvms.map((form) => resolvedId(form, ids)));
  const removed = new Set(plan.writes.filter((w) => w.action === "clear-env").map((w) => w.cvm));
  // CVMs an interrupted run already moved to this env: the plan makes no write for them.
  const applied = byResolvedId(old.applied, ids);
  const caughtUp = noteAlreadyRunning(
    caughtUpWithoutWrite(targets, plan.writes, journal, applied, { digest, envKeys }),
    journal,
    ctx.say,
  );
  return { inputs, ids, fingerprints, digest, envKeys, plan, targets, removed, caughtUp, journal };
}
