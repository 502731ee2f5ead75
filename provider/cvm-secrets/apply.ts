/**
 * `create` / `update`: the shared apply path. Each step has its module — resolve the CVMs
 * (resolve.ts), refuse a take-over (adopt-guard.ts), verify and pin the keys (trust.ts), check
 * the compose (compose-gate.ts), encrypt once per app (encrypt.ts) — and then the rollout in
 * waves (rollout.ts). A failure leaves state that says exactly which CVMs are done.
 */
import { randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { CvmInfo } from "../api/phala-client";
import { pushedBy } from "../core/envelope-facts";
import { carryFingerprints } from "../core/fingerprint";
import { describeUnsupplied, planUpdate } from "../core/plan";
import { CvmSecretsError, ErrorCodes } from "../errors";
import { apiClient } from "../runtime/api-client";
import { providerLog } from "../runtime/engine-log";
import { openJournal } from "./records/journal";
import {
  ciphertextDigest,
  describeTheirs,
  latestRevision,
  type Ownership,
  ownerReason,
  ownershipOf,
} from "./records/ownership";
import {
  beforeDeadline,
  byResolvedId,
  type CallOptions,
  type CvmSecretsInputs,
  type CvmSecretsOutputs,
  desiredOf,
  envDigest,
  maxUnavailable,
  noPreviousState,
  OPTIONAL_INPUT_KEYS,
  planStateOf,
  publicOutputs,
  readyTimeoutMs,
  readyWithin,
  resolvedId,
  sameSet,
} from "./state";
import { guardAdoption } from "./steps/adopt-guard";
import { alreadyRunning, caughtUpWithoutWrite, recordAlreadyRunning } from "./steps/already-running";
import { checkComposeBeforeWrite } from "./steps/compose-gate";
import { encryptPerApp } from "./steps/encrypt";
import { refuseDuplicates, resolveForms } from "./steps/identity";
import { describeRolloutEvent } from "./steps/progress";
import { stopCause } from "./steps/registration";
import { effectiveEnv } from "./steps/registry-env";
import { resolveTargets } from "./steps/resolve";
import { type RolloutTarget, rollOut } from "./steps/rollout";
import { pinKeys } from "./steps/trust";

export async function create(
  raw: Record<string, unknown>,
  options: CallOptions = {},
): Promise<pulumi.dynamic.CreateResult> {
  const inputs = raw as unknown as CvmSecretsInputs;
  const id = `cvmsecrets-${randomBytes(8).toString("hex")}`;
  const outs = await apply(id, noPreviousState(inputs), inputs, raw.__provider, {
    creating: true,
    ...options,
  });
  return { id, outs: publicOutputs(outs) };
}

export async function update(
  id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  options: CallOptions = {},
): Promise<pulumi.dynamic.UpdateResult> {
  const outs = await apply(
    id,
    olds as unknown as CvmSecretsOutputs,
    news as unknown as CvmSecretsInputs,
    news.__provider,
    { creating: false, ...options },
  );
  return { outs: publicOutputs(outs) };
}

/**
 * `env_keys` of a push: sent only when the CVM's live allow-list is a different set (a changed
 * `allowed_envs` changes the compose hash, and for on-chain KMS needs a registration, 465). When
 * the API does not show the allow-list, the plan decides (`planned`: the key set changed, or a
 * first push).
 */
function envKeysToSend(info: CvmInfo, envKeys: string[], planned: boolean): string[] | undefined {
  if (info.allowedEnvs === undefined) return planned ? envKeys : undefined;
  return sameSet(info.allowedEnvs, new Set(envKeys)) ? undefined : envKeys;
}

async function apply(
  id: string,
  old: CvmSecretsOutputs,
  inputs: CvmSecretsInputs,
  providerText: unknown,
  { creating, deadline }: { creating: boolean } & CallOptions,
): Promise<CvmSecretsOutputs> {
  const client = apiClient();
  const name = inputs.resourceName ?? id;
  const log = providerLog();
  const warn = (message: string): void => log.warn(`CvmSecrets ${name}: ${message}`);
  const env = effectiveEnv(inputs);
  // Computed by check (the same tokens the preview showed); a direct call without check gets
  // first tokens.
  const fingerprints = inputs.fingerprints ?? carryFingerprints(name, env);
  const digest = envDigest(fingerprints);
  const envKeys = Object.keys(fingerprints).sort();

  // Identity first: every form resolved, two forms of one CVM refused (identity.ts).
  const ids = await resolveForms(
    () => client,
    inputs.cvms,
    { ...old.cvmIds, ...inputs.cvmIds },
    { tolerant: false },
  );
  refuseDuplicates(inputs.cvms, ids);
  const journal = openJournal(id, { digest, env });
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
  const targets = new Set(resolveFormsOf(inputs.cvms, ids));
  const keep = (record: Record<string, string> | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(byResolvedId(record, ids)).filter(([cvm]) => targets.has(cvm)));
  const removed = new Set(plan.writes.filter((w) => w.action === "clear-env").map((w) => w.cvm));
  const outs: CvmSecretsOutputs = {
    ...withoutSettings(old),
    ...inputs,
    cvmIds: ids,
    fingerprints,
    envKeys,
    applied: keep(old.applied),
    pushed: keep(old.pushed),
    appIds: Object.fromEntries(
      Object.entries(byResolvedId(old.appIds, ids)).filter(([cvm]) => targets.has(cvm) || removed.has(cvm)),
    ),
    encryptionPublicKeys: { ...old.encryptionPublicKeys },
    composeHashes: byResolvedId(old.composeHashes, ids),
  };
  for (const cvm of Object.keys(outs.composeHashes))
    if (!targets.has(cvm) && !removed.has(cvm)) delete outs.composeHashes[cvm];
  // CVMs an interrupted run already moved to this env: the plan makes no write for them.
  const wanted = { digest, envKeys };
  const say = (line: string): void => log.info(`CvmSecrets ${name}: ${line}`);
  recordAlreadyRunning(
    caughtUpWithoutWrite(targets, plan.writes, journal, outs, wanted),
    journal,
    outs,
    wanted,
    say,
  );

  // Every check before the first write.
  const infos = await resolveTargets(client, plan.writes);
  const owners = new Map<string, Ownership>();
  for (const [cvm, info] of infos) {
    owners.set(cvm, ownershipOf(byResolvedId(old.pushed, ids)[cvm], await latestRevision(client, info)));
  }
  for (const cvm of guardAdoption(infos, owners, {
    creating,
    adopt: inputs.adopt,
    ownerUrn: inputs.ownerUrn,
  })) {
    say(
      `${cvm}: its env was pushed by this stack's ${name} (the resource this one replaces, or an earlier one ` +
        "of this name); it restarts with this resource's env, and that resource's delete leaves it alone",
    );
  }
  // A removed CVM is cleared only while it runs this resource's push.
  const writes = plan.writes.filter((w) => {
    if (w.action !== "clear-env" || !infos.has(w.cvm)) return true;
    const owner = owners.get(w.cvm)!;
    if (owner.kind === "ours") return true;
    warn(`left ${w.cvm} alone (removed from cvms, env not cleared): ${ownerReason(owner)}`);
    infos.delete(w.cvm);
    return false;
  });
  for (const w of writes) {
    const owner = owners.get(w.cvm);
    if (w.action !== "push-env" || owner?.kind !== "theirs") continue;
    if (pushedBy(owner.revision.encryptedEnv, inputs.ownerUrn)) continue; // an interrupted run of ours
    if (creating ? inputs.adopt === true : byResolvedId(old.pushed, ids)[w.cvm] !== undefined) {
      warn(`${w.cvm}: ${describeTheirs(owner)}; it is overwritten with this resource's env`);
    }
  }
  const keyByApp = await pinKeys(client, infos, old, inputs, outs);
  await checkComposeBeforeWrite(client, writes, infos, inputs, envKeys, warn);
  const blobs = encryptPerApp(env, envKeys, keyByApp, inputs.ownerUrn);

  const reasons = new Map(writes.map((w) => [w.cvm, w]));
  const pending: Record<string, string> = { ...old.pendingComposeHashes };
  // CVMs an interrupted run of this update already finished: no second restart.
  const already = alreadyRunning(writes, infos, owners, journal, wanted);
  recordAlreadyRunning(
    already.map((w) => w.cvm),
    journal,
    outs,
    wanted,
    say,
  );
  const rollTargets: RolloutTarget[] = writes
    .filter((w) => infos.has(w.cvm) && !already.includes(w))
    .map((w) => ({ cvm: w.cvm, reason: plan.summary }));
  const sent = new Map<string, string>();
  const timeoutMs = readyTimeoutMs(inputs);
  const result = await rollOut(rollTargets, maxUnavailable(inputs), {
    push: async (t) => {
      beforeDeadline(t.cvm, deadline);
      const write = reasons.get(t.cvm)!;
      const info = infos.get(t.cvm)!;
      const clearing = write.action === "clear-env";
      const blob = (clearing ? blobs.cleared : blobs.env).get(info.appId)!;
      const answer = await client.patchEnvs(t.cvm, {
        encryptedEnv: blob,
        envKeys: clearing ? undefined : envKeysToSend(info, envKeys, write.sendEnvKeys || creating),
        // Phase 2 of the on-chain flow (`PATCH /cvms/{id}/envs`): the hash named by the 465.
        ...(inputs.transactionHash && pending[info.appId]
          ? { composeHash: pending[info.appId], transactionHash: inputs.transactionHash }
          : {}),
      });
      if (answer.kind === "registration-required") return answer;
      sent.set(t.cvm, ciphertextDigest(blob));
      if (!clearing) journal.pushing(t.cvm, digest, ciphertextDigest(blob));
    },
    waitReady: async (t) => {
      const ready = await readyWithin(t.cvm, (ms) => client.waitReady(t.cvm, ms), timeoutMs, deadline);
      if (ready.composeHash) outs.composeHashes[t.cvm] = ready.composeHash;
      if (reasons.get(t.cvm)?.action === "push-env") journal.record(t.cvm, digest, sent.get(t.cvm));
      else journal.forget(t.cvm);
    },
    progress: (event) => {
      const clearing = "cvm" in event && reasons.get(event.cvm)?.action === "clear-env";
      log.info(`CvmSecrets ${name}: ${describeRolloutEvent(event, clearing ? "env cleared" : "env pushed")}`);
    },
  });
  await log.flush();

  for (const cvm of result.done) {
    const write = reasons.get(cvm)!;
    if (write.action === "clear-env") {
      delete outs.applied[cvm];
      delete outs.composeHashes[cvm];
      delete outs.appIds[cvm];
    } else {
      outs.applied[cvm] = digest;
      outs.pushed![cvm] = sent.get(cvm)!;
    }
  }
  for (const f of result.failed) {
    delete outs.applied[f.cvm]; // pushed, but not known to run with it
    const sha = sent.get(f.cvm);
    if (sha && reasons.get(f.cvm)?.action === "push-env") outs.pushed![f.cvm] = sha;
  }
  for (const cvm of removed) if (!result.failed.some((f) => f.cvm === cvm)) delete outs.appIds[cvm];
  for (const cvm of result.done) {
    const app = infos.get(cvm)?.appId;
    if (app) delete pending[app];
  }
  if (result.pendingRegistration) {
    const { cvm, composeHash, appId } = result.pendingRegistration;
    const app = appId !== "" ? appId : infos.get(cvm)?.appId;
    if (app && composeHash !== "") pending[app] = composeHash;
  }
  outs.pendingComposeHashes = Object.keys(pending).length > 0 ? pending : undefined;
  if (result.done.length > 0 || result.failed.length > 0) {
    outs.lastRollout = {
      at: new Date().toISOString(),
      restarted: [...result.done, ...result.failed.map((f) => f.cvm)],
      reason: plan.summary,
    };
  }
  outs.observedEncryptionPublicKeys = undefined;

  const cause = stopCause(result);
  if (cause) {
    const done = result.done.join(", ") || "none";
    const notDone = [...result.failed.map((f) => f.cvm), ...result.untouched].join(", ");
    const error = new CvmSecretsError(
      result.pendingRegistration ? ErrorCodes.HASH_REGISTRATION_REQUIRED : ErrorCodes.ROLLOUT_FAILED,
      `${cause.message}\nRollout stopped. Done (running with the new env): ${done}. Not done: ${notDone}. ` +
        "Fix the cause and run `pulumi up` again: it continues with the CVMs not done and does not restart the others.",
    ) as CvmSecretsError & { id?: string; properties?: Record<string, unknown>; reasons?: string[] };
    // The engine keeps this state (ErrorResourceInitFailed), so it tells the truth next time.
    error.id = id;
    error.properties = { ...publicOutputs(outs), __provider: providerText };
    // Without reasons the CLI prints only "resource init failed".
    error.reasons = [error.message];
    throw error;
  }
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

function resolveFormsOf(forms: readonly string[], ids: Readonly<Record<string, string>>): string[] {
  return forms.map((f) => resolvedId(f, ids));
}
