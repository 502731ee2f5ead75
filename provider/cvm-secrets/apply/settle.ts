/**
 * Phase 5 of an apply, pure: the state it leaves, from the old state and what the other phases
 * found and did. It says exactly which CVMs carry the new env and run with it (`applied`), what
 * this resource pushed to each (`pushed`: also for a CVM pushed but not ready), each CVM's app
 * and compose hash, the key pinned per app, the compose hash an on-chain KMS must allow first
 * (`pendingComposeHashes`, from a 465), and the last rollout. A CVM removed from `cvms` leaves
 * state once it is cleared (or was gone, or left alone).
 */
import { byResolvedId } from "../migrate";
import { OPTIONAL_INPUT_KEYS } from "../properties";
import type { CvmSecretsOutputs } from "../state";
import type { RanAlready } from "../steps/already-running";
import type { Planned } from "./plan";
import { type Checked, readCvms, toRoll } from "./preflight";
import type { Rolled } from "./roll";

/** What settle reads of the plan phase: its data, not the journal. */
export type PlannedState = Omit<Planned, "journal">;

export function settle(
  old: CvmSecretsOutputs,
  planned: PlannedState,
  checked: Checked,
  rolled: Rolled,
): CvmSecretsOutputs {
  const { inputs, ids, digest, targets, removed } = planned;
  const { rollout } = rolled;
  const keep = (record: Record<string, string> | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(byResolvedId(record, ids)).filter(([cvm]) => targets.has(cvm)));
  const outs: CvmSecretsOutputs = {
    ...withoutSettings(old),
    ...inputs,
    cvmIds: ids,
    fingerprints: planned.fingerprints,
    envKeys: planned.envKeys,
    applied: keep(old.applied),
    pushed: keep(old.pushed),
    appIds: Object.fromEntries(
      Object.entries(byResolvedId(old.appIds, ids)).filter(([cvm]) => targets.has(cvm) || removed.has(cvm)),
    ),
    encryptionPublicKeys: { ...old.encryptionPublicKeys },
    keyAnchors: { ...old.keyAnchors },
    composeHashes: byResolvedId(old.composeHashes, ids),
  };
  const pushed = outs.pushed!;
  for (const cvm of Object.keys(outs.composeHashes))
    if (!targets.has(cvm) && !removed.has(cvm)) delete outs.composeHashes[cvm];
  const ranAlready = (records: readonly RanAlready[]): void => {
    for (const { cvm, pushed: sha } of records) {
      outs.applied[cvm] = digest;
      if (sha) pushed[cvm] = sha;
    }
  };
  ranAlready(planned.caughtUp);
  const read = readCvms(checked);
  for (const { write, info } of read) outs.appIds[write.cvm] = info.appId;
  for (const [app, key] of checked.keyByApp) outs.encryptionPublicKeys[app] = key;
  for (const [app, anchor] of checked.anchorByApp) outs.keyAnchors![app] = anchor;
  ranAlready(checked.ranAlready);
  for (const [cvm, hash] of rolled.composeHashes) outs.composeHashes[cvm] = hash;

  const writeOf = new Map(toRoll(checked).map((c) => [c.write.cvm, c.write]));
  for (const cvm of rollout.done) {
    if (writeOf.get(cvm)?.action === "clear-env") {
      delete outs.applied[cvm];
      delete outs.composeHashes[cvm];
      delete outs.appIds[cvm];
    } else {
      outs.applied[cvm] = digest;
      pushed[cvm] = rolled.sent.get(cvm)!;
    }
  }
  for (const f of rollout.failed) {
    delete outs.applied[f.cvm]; // pushed, but not known to run with it
    const sha = rolled.sent.get(f.cvm);
    if (sha && writeOf.get(f.cvm)?.action === "push-env") pushed[f.cvm] = sha;
  }
  for (const cvm of removed) if (!rollout.failed.some((f) => f.cvm === cvm)) delete outs.appIds[cvm];

  const appOf = new Map(read.map((c) => [c.write.cvm, c.info.appId]));
  const pending: Record<string, string> = { ...old.pendingComposeHashes };
  for (const cvm of rollout.done) {
    const app = appOf.get(cvm);
    if (app) delete pending[app];
  }
  if (rollout.pendingRegistration) {
    const { cvm, composeHash, appId } = rollout.pendingRegistration;
    const app = appId !== "" ? appId : appOf.get(cvm);
    if (app && composeHash !== "") pending[app] = composeHash;
  }
  outs.pendingComposeHashes = Object.keys(pending).length > 0 ? pending : undefined;
  if (rollout.done.length > 0 || rollout.failed.length > 0) {
    outs.lastRollout = {
      at: rolled.at,
      restarted: [...rollout.done, ...rollout.failed.map((f) => f.cvm)],
      reason: planned.plan.summary,
    };
  }
  outs.observedEncryptionPublicKeys = undefined;
  return outs;
}

/**
 * The old state without the optional settings: an input the program no longer sets (e.g.
 * `retainOnRemove` removed) must not live on from the old state, where delete would still read it.
 */
function withoutSettings(old: CvmSecretsOutputs): CvmSecretsOutputs {
  const copy: Partial<CvmSecretsOutputs> = { ...old };
  for (const key of OPTIONAL_INPUT_KEYS) delete copy[key];
  return copy as CvmSecretsOutputs;
}
