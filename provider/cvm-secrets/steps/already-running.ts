/**
 * CVMs an apply does not restart because an interrupted run of this resource already moved them
 * to the env it wants (the rollout journal, journal.ts): found twice in an apply — before any
 * API call, for CVMs the plan makes no write to (the journal's digest is this env's), and after
 * the CVMs were read, for planned pushes with evidence ({@link journalEvidence}): the CVM runs
 * with this key set allowed and its newest app revision is still that run's push. Either way the apply says so, and state
 * records the CVM as running this env, with the ciphertext digest the journal kept
 * (apply/settle.ts).
 */
import type { CvmInfo } from "../../api/phala";
import { sameSet } from "../../core/env-rules";
import type { PlanWrite } from "../../core/plan";
import type { Journal } from "../records/journal";
import type { Newest } from "../records/ownership";

/** What the apply wants: this env's digest and its keys. */
export interface WantedRun {
  digest: string;
  envKeys: readonly string[];
}

/** Targets the plan makes no write to whose journal digest is this env's, not yet recorded so. */
export function caughtUpWithoutWrite(
  targets: Iterable<string>,
  writes: readonly PlanWrite[],
  journal: Journal,
  applied: Readonly<Record<string, string>>,
  { digest }: WantedRun,
): string[] {
  return [...targets].filter(
    (cvm) =>
      journal.digestOf(cvm) === digest && !writes.some((w) => w.cvm === cvm) && applied[cvm] !== digest,
  );
}

/**
 * Pure: the journal's evidence that an interrupted run of this resource already moved a CVM to
 * this env — the journal recorded a push of this env with its ciphertext digest, the CVM's newest
 * app revision is readable and carries that very ciphertext (nobody wrote since; an unreadable
 * revision is no evidence), and the CVM is running with this key set allowed. A fact for the
 * decision (apply/decide.ts).
 */
export function journalEvidence(
  cvm: string,
  info: CvmInfo,
  newest: Newest,
  journal: Journal,
  { digest, envKeys }: WantedRun,
): boolean {
  const sha = journal.pushedOf(cvm);
  return (
    sha !== undefined &&
    newest.kind !== "unknown" &&
    newest.digest === sha &&
    journal.digestOf(cvm) === digest &&
    info.status === "running" &&
    !info.inProgress &&
    info.allowedEnvs !== undefined &&
    sameSet(info.allowedEnvs, new Set(envKeys))
  );
}

/** A CVM that runs this env already, and the digest of the ciphertext that run pushed (if kept). */
export interface RanAlready {
  cvm: string;
  pushed: string | undefined;
}

/** Says, for each CVM, that it is not restarted; returns what state records of them. */
export function noteAlreadyRunning(
  cvms: readonly string[],
  journal: Journal,
  say: (line: string) => void,
): RanAlready[] {
  return cvms.map((cvm) => {
    say(`${cvm} already runs this env (an interrupted run finished it); not restarted`);
    return { cvm, pushed: journal.pushedOf(cvm) };
  });
}
