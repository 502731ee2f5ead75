/**
 * Phase 4 of an apply: the rollout (steps/rollout.ts) bound to the API. Each CVM preflight kept
 * gets its app's blob (`PATCH /cvms/{id}/envs`), with `env_keys` only when its allow-list must
 * change, and — phase 2 of the on-chain flow — the compose hash a 465 named with the
 * registration's `transactionHash` (a 465 is verified first: steps/registration-check.ts). The
 * journal follows each push (records/journal.ts), so an interrupted run is known to the next one.
 * A push whose answer was lost while the CVM was busy counts as sent only once the CVM's newest
 * revision carries it (steps/evidence.ts); until then it is neither journalled nor recorded. Never throws for a CVM: the result says what happened.
 */
import type { CvmInfo } from "../../api/phala";
import { sameSet } from "../../core/env-rules";
import { beforeDeadline, readyWithin } from "../../runtime/call";
import { about } from "../../runtime/engine-log";
import { ciphertextDigest } from "../records/ownership";
import { maxUnavailable, readyTimeoutMs } from "../state";
import type { AppBlobs } from "../steps/encrypt";
import { confirmPush } from "../steps/evidence";
import { describeRolloutEvent } from "../steps/progress";
import { verifyRegistration } from "../steps/registration-check";
import { type RolloutResult, rollOut } from "../steps/rollout";
import type { ApplyContext } from "./context";
import type { Planned } from "./plan";
import { type Checked, toRoll } from "./preflight";

/** What the rollout did, with what state needs of it. */
export interface Rolled {
  rollout: RolloutResult;
  /** Per CVM pushed to: the sha256 of the ciphertext sent (records/ownership.ts `ciphertextDigest`). */
  sent: ReadonlyMap<string, string>;
  /** Per CVM ready again: the compose hash it reported. */
  composeHashes: ReadonlyMap<string, string>;
  /** When the rollout finished (ISO 8601). */
  at: string;
}

export async function roll(
  ctx: ApplyContext,
  planned: Planned,
  checked: Checked,
  blobs: AppBlobs,
): Promise<Rolled> {
  const { client, inputs, log, name, deadline } = ctx;
  const { journal, digest, envKeys, plan } = planned;
  const rolling = new Map(toRoll(checked).map((c) => [c.write.cvm, c]));
  const pending = ctx.old.pendingComposeHashes ?? {};
  const sent = new Map<string, string>();
  /** Per CVM whose push's answer was lost while it was busy: the blob, until evidence shows it ran. */
  const unconfirmed = new Map<string, string>();
  const composeHashes = new Map<string, string>();
  const timeoutMs = readyTimeoutMs(inputs);
  const markSent = (cvm: string, blob: string, clearing: boolean): void => {
    sent.set(cvm, ciphertextDigest(blob));
    if (!clearing) journal.pushing(cvm, digest, ciphertextDigest(blob));
  };
  const targets = [...rolling.keys()].map((cvm) => ({ cvm, reason: plan.summary }));
  const rollout = await rollOut(targets, maxUnavailable(inputs), {
    push: async (t) => {
      beforeDeadline(t.cvm, deadline);
      const { write, info } = rolling.get(t.cvm)!;
      const clearing = write.action === "clear-env";
      const blob = (clearing ? blobs.cleared : blobs.env).get(info.appId)!;
      const sentKeys = clearing ? undefined : envKeysToSend(info, envKeys, write.sendEnvKeys || ctx.creating);
      const answer = await client.patchEnvs(t.cvm, {
        encryptedEnv: blob,
        envKeys: sentKeys,
        // Phase 2 of the on-chain flow (`PATCH /cvms/{id}/envs`): the hash named by the 465.
        ...(inputs.transactionHash && pending[info.appId]
          ? { composeHash: pending[info.appId], transactionHash: inputs.transactionHash }
          : {}),
      });
      if (answer.kind === "registration-required") {
        // The hash and app the 465 names are computed and compared, never relayed unverified.
        await verifyRegistration(client, t.cvm, info, sentKeys, answer);
        return answer;
      }
      if (answer.unconfirmed) unconfirmed.set(t.cvm, blob);
      else markSent(t.cvm, blob, clearing);
      return undefined;
    },
    waitReady: async (t) => {
      const ready = await readyWithin(t.cvm, (ms) => client.waitReady(t.cvm, ms), timeoutMs, deadline);
      const blob = unconfirmed.get(t.cvm);
      if (blob !== undefined) {
        await confirmPush(client, t.cvm, blob);
        markSent(t.cvm, blob, rolling.get(t.cvm)?.write.action === "clear-env");
      }
      if (ready.composeHash) composeHashes.set(t.cvm, ready.composeHash);
      if (rolling.get(t.cvm)?.write.action === "push-env") journal.record(t.cvm, digest, sent.get(t.cvm));
      else journal.forget(t.cvm);
    },
    progress: (event) => {
      const clearing = "cvm" in event && rolling.get(event.cvm)?.write.action === "clear-env";
      log.info(
        about("CvmSecrets", name, describeRolloutEvent(event, clearing ? "env cleared" : "env pushed")),
      );
    },
  });
  await log.flush();
  return { rollout, sent, composeHashes, at: new Date().toISOString() };
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
