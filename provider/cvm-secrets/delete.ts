/**
 * `delete` (destroy, replace, rename): clears the env of every CVM the resource manages that
 * still runs this resource's push (ownership.ts; 404 = already gone), in waves, unless
 * `retainOnRemove` keeps it. A CVM someone wrote to since is left alone, with a warning.
 */
import type { CvmInfo } from "../api/phala";
import { taggedBy } from "../core/envelope-facts";
import { CvmSecretsError, ErrorCodes } from "../errors";
import { apiClient, notFoundAsUndefined } from "../runtime/api-client";
import { beforeDeadline, type CallOptions, readyWithin } from "../runtime/call";
import { about, providerLog } from "../runtime/engine-log";
import { lazy } from "../runtime/lazy";
import { labelForms } from "./forms";
import { byResolvedId } from "./migrate";
import { openJournal } from "./records/journal";
import { latestRevision, ownerReason, ownershipOf } from "./records/ownership";
import { type CvmSecretsOutputs, maxUnavailable, ownerOf, readyTimeoutMs } from "./state";
import { describeRolloutEvent } from "./steps/progress";
import { stopCause } from "./steps/registration";
import { type RolloutTarget, rollOut } from "./steps/rollout";

export async function remove(
  id: string,
  props: Record<string, unknown>,
  { deadline }: CallOptions = {},
): Promise<void> {
  const state = props as unknown as CvmSecretsOutputs;
  if (state.retainOnRemove) return;
  const client = apiClient(deadline);
  const log = providerLog();
  const name = state.resourceName ?? id;
  const pushed = byResolvedId(state.pushed, state.cvmIds);
  const targets: RolloutTarget[] = [];
  const blobs = new Map<string, string>();
  for (const cvm of labelForms(state.cvms ?? [], state.cvmIds).cvms) {
    const info = await client.getCvm(cvm).catch(notFoundAsUndefined);
    if (!info) continue; // already gone
    // Only while the CVM still runs this resource's push (ownership.ts).
    const owner = ownershipOf(pushed[cvm], await latestRevision(client, info));
    if (owner.kind !== "ours") {
      log.warn(about("CvmSecrets", name, `left ${cvm} alone (env not cleared): ${ownerReason(owner)}`));
      continue;
    }
    // Tagged as the resource's pushes are when its owner key is at hand (state's outputs do not
    // hold it: then the v1 tag). The tag of a clear decides nothing: an env too short to hold a
    // variable is `empty` to every reader (records/ownership.ts).
    blobs.set(cvm, lazy.envelope().encryptEnv({}, clearingKey(state, info), taggedBy(ownerOf(state))));
    targets.push({ cvm, reason: "resource deleted: env cleared" });
  }
  if (targets.length > 0) {
    const count =
      targets.length === 1
        ? "1 CVM loses its env and restarts"
        : `${targets.length} CVMs lose their env and restart, ${maxUnavailable(state)} at a time`;
    log.info(
      about("CvmSecrets", name, `${count}: resource deleted (${targets.map((t) => t.cvm).join(", ")})`),
    );
  }
  const timeoutMs = readyTimeoutMs(state);
  const result = await rollOut(targets, maxUnavailable(state), {
    // No env_keys: the allow-list (and so the compose hash) stays as it is. An on-chain KMS app
    // would otherwise answer 465 (a changed allow-list needs an on-chain registration) and
    // `pulumi destroy` could not finish; the empty env is what the guest sees either way.
    push: async (t) => {
      beforeDeadline(t.cvm, deadline);
      const answer = await client.patchEnvs(t.cvm, { encryptedEnv: blobs.get(t.cvm)! });
      if (answer.kind === "registration-required") return answer;
    },
    waitReady: async (t) => {
      await readyWithin(t.cvm, (ms) => client.waitReady(t.cvm, ms), timeoutMs, deadline);
    },
    progress: (event) => log.info(about("CvmSecrets", name, describeRolloutEvent(event, "env cleared"))),
  });
  await log.flush();
  const cause = stopCause(result);
  if (cause) {
    throw new CvmSecretsError(
      ErrorCodes.ROLLOUT_FAILED,
      `clearing the env failed on ${[...result.failed.map((f) => f.cvm), ...result.untouched].join(", ")}: ` +
        `${cause.message}. Cleared: ${result.done.join(", ") || "none"}. Run \`pulumi destroy\` again.`,
    );
  }
  openJournal(id).clear();
}

/**
 * The key to encrypt an empty env to when clearing: the live one. An empty env carries no
 * secret, so a re-keyed (even untrusted) app can be cleared without risk, and the guest can
 * only decrypt with its current key.
 */
export function clearingKey(state: CvmSecretsOutputs, info: CvmInfo): string {
  return info.encryptionPublicKey ?? state.encryptionPublicKeys?.[info.appId] ?? "";
}
