/**
 * `create` / `update`: the shared apply path. Each step has its module — resolve the CVMs
 * (resolve.ts), refuse a take-over (adopt-guard.ts), verify and pin the keys (trust.ts), check
 * the compose (compose-gate.ts), encrypt once per app (encrypt.ts) — and then the rollout in
 * waves (rollout.ts). A failure leaves state that says exactly which CVMs are done.
 */
import { randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { CvmInfo } from "../api/phala-client";
import { carryFingerprints } from "../core/fingerprint";
import { planUpdate } from "../core/plan";
import { CvmSecretsError, ErrorCodes } from "../errors";
import { guardAdoption } from "./adopt-guard";
import { apiClient, isHashRegistration } from "./api-client";
import { checkComposeBeforeWrite } from "./compose-gate";
import {
  type CvmSecretsInputs,
  type CvmSecretsOutputs,
  desiredOf,
  envDigest,
  maxUnavailable,
  planStateOf,
  publicOutputs,
  readyTimeoutMs,
  sameSet,
} from "./cvm-secrets-state";
import { encryptPerApp } from "./encrypt";
import { providerLog } from "./engine-log";
import { openJournal } from "./journal";
import { describeRolloutEvent } from "./progress";
import { effectiveEnv } from "./registry-env";
import { resolveTargets } from "./resolve";
import { type RolloutTarget, rollOut } from "./rollout";
import { pinKeys } from "./trust";

export async function create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const inputs = raw as unknown as CvmSecretsInputs;
  const id = `cvmsecrets-${randomBytes(8).toString("hex")}`;
  const empty: CvmSecretsOutputs = {
    ...inputs,
    envKeys: [],
    applied: {},
    appIds: {},
    encryptionPublicKeys: {},
    composeHashes: {},
  };
  const outs = await apply(id, empty, inputs, raw.__provider, { creating: true });
  return { id, outs: publicOutputs(outs) };
}

export async function update(
  id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<pulumi.dynamic.UpdateResult> {
  const outs = await apply(
    id,
    olds as unknown as CvmSecretsOutputs,
    news as unknown as CvmSecretsInputs,
    news.__provider,
    { creating: false },
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
  { creating }: { creating: boolean },
): Promise<CvmSecretsOutputs> {
  const client = apiClient();
  const name = inputs.resourceName ?? id;
  const log = providerLog();
  const env = effectiveEnv(inputs);
  // Computed by check (the same tokens the preview showed); a direct call without check gets
  // first tokens.
  const fingerprints = inputs.fingerprints ?? carryFingerprints(name, env);
  const digest = envDigest(fingerprints);
  const plan = planUpdate(planStateOf(old), desiredOf({ ...inputs, fingerprints }));
  const envKeys = Object.keys(fingerprints).sort();

  const outs: CvmSecretsOutputs = {
    ...old,
    ...inputs,
    fingerprints,
    envKeys,
    applied: { ...old.applied },
    appIds: { ...old.appIds },
    encryptionPublicKeys: { ...old.encryptionPublicKeys },
    composeHashes: { ...old.composeHashes },
  };
  for (const cvm of Object.keys(outs.applied)) if (!inputs.cvms.includes(cvm)) delete outs.applied[cvm];

  // Every check before the first write.
  const writes = plan.writes;
  const infos = await resolveTargets(client, writes);
  guardAdoption(infos, { creating, adopt: inputs.adopt });
  const keyByApp = await pinKeys(client, infos, old, inputs, outs);
  await checkComposeBeforeWrite(client, writes, infos, inputs, envKeys, (message) =>
    log.warn(`CvmSecrets ${name}: ${message}`),
  );
  const blobs = encryptPerApp(env, envKeys, keyByApp);

  const reasons = new Map(writes.map((w) => [w.cvm, w]));
  const pending: Record<string, string> = { ...old.pendingComposeHashes };
  // CVMs an interrupted run of this update already finished (journal.ts): running, with the
  // new key set allowed and the journal's digest equal to this env's — no second restart.
  const journal = openJournal(id);
  const already = writes.filter((w) => {
    const info = infos.get(w.cvm);
    return (
      w.action === "push-env" &&
      info !== undefined &&
      journal.digestOf(w.cvm) === digest &&
      info.status === "running" &&
      !info.inProgress &&
      info.allowedEnvs !== undefined &&
      sameSet(info.allowedEnvs, new Set(envKeys))
    );
  });
  for (const w of already) {
    outs.applied[w.cvm] = digest;
    log.info(
      `CvmSecrets ${name}: ${w.cvm} already runs this env (an interrupted run finished it); not restarted`,
    );
  }
  const targets: RolloutTarget[] = writes
    .filter((w) => infos.has(w.cvm) && !already.includes(w))
    .map((w) => ({ cvm: w.cvm, reason: plan.summary }));
  const timeoutMs = readyTimeoutMs(inputs);
  const result = await rollOut(targets, maxUnavailable(inputs), {
    push: async (t) => {
      const write = reasons.get(t.cvm)!;
      const info = infos.get(t.cvm)!;
      const clearing = write.action === "clear-env";
      await client.patchEnvs(t.cvm, {
        encryptedEnv: (clearing ? blobs.cleared : blobs.env).get(info.appId)!,
        envKeys: clearing ? undefined : envKeysToSend(info, envKeys, write.sendEnvKeys || creating),
        // Phase 2 of the on-chain flow (`PATCH /cvms/{id}/envs`): the hash named by the 465.
        ...(inputs.transactionHash && pending[info.appId]
          ? { composeHash: pending[info.appId], transactionHash: inputs.transactionHash }
          : {}),
      });
    },
    waitReady: async (t) => {
      const ready = await client.waitReady(t.cvm, timeoutMs);
      if (ready.composeHash) outs.composeHashes[t.cvm] = ready.composeHash;
      if (reasons.get(t.cvm)?.action === "push-env") journal.record(t.cvm, digest);
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
    } else outs.applied[cvm] = digest;
  }
  for (const f of result.failed) delete outs.applied[f.cvm]; // pushed, but not known to run with it
  for (const cvm of result.done) {
    const app = infos.get(cvm)?.appId;
    if (app) delete pending[app];
  }
  if (result.error && isHashRegistration(result.error)) {
    const details = (result.error as CvmSecretsError).details;
    const cvm = result.untouched.find((c) => infos.has(c));
    const hash = details.composeHash;
    const app =
      typeof details.appId === "string" && details.appId !== ""
        ? details.appId
        : cvm
          ? infos.get(cvm)?.appId
          : undefined;
    if (app && typeof hash === "string" && hash !== "") pending[app] = hash;
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

  if (result.error) {
    const done = result.done.join(", ") || "none";
    const notDone = [...result.failed.map((f) => f.cvm), ...result.untouched].join(", ");
    const error = new CvmSecretsError(
      isHashRegistration(result.error) ? ErrorCodes.HASH_REGISTRATION_REQUIRED : ErrorCodes.ROLLOUT_FAILED,
      `${result.error.message}\nRollout stopped. Done (running with the new env): ${done}. Not done: ${notDone}. ` +
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
