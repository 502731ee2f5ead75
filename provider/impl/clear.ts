/**
 * `delete`: clears the env of every CVM the resource manages (404 = already gone), in waves,
 * unless `retainOnRemove` keeps it.
 */
import type { CvmInfo } from "../api/phala-client";
import { CvmSecretsError, ErrorCodes } from "../errors";
import { apiClient, notFoundAsUndefined } from "./api-client";
import { type CvmSecretsOutputs, maxUnavailable, readyTimeoutMs } from "./cvm-secrets-state";
import { providerLog } from "./engine-log";
import { openJournal } from "./journal";
import { lazy } from "./lazy";
import { describeRolloutEvent } from "./progress";
import { type RolloutTarget, rollOut } from "./rollout";

export async function remove(id: string, props: Record<string, unknown>): Promise<void> {
  const state = props as unknown as CvmSecretsOutputs;
  if (state.retainOnRemove) return;
  const client = apiClient();
  const log = providerLog();
  const name = state.resourceName ?? id;
  const targets: RolloutTarget[] = [];
  const blobs = new Map<string, string>();
  for (const cvm of state.cvms ?? []) {
    const info = await client.getCvm(cvm).catch(notFoundAsUndefined);
    if (!info) continue; // already gone
    blobs.set(cvm, lazy.envelope().encryptEnv({}, clearingKey(state, info)));
    targets.push({ cvm, reason: "resource deleted: env cleared" });
  }
  const timeoutMs = readyTimeoutMs(state);
  const result = await rollOut(targets, maxUnavailable(state), {
    // No env_keys: the allow-list (and so the compose hash) stays as it is. An on-chain KMS app
    // would otherwise answer 465 (a changed allow-list needs an on-chain registration) and
    // `pulumi destroy` could not finish; the empty env is what the guest sees either way.
    push: (t) => client.patchEnvs(t.cvm, { encryptedEnv: blobs.get(t.cvm)! }).then(() => undefined),
    waitReady: (t) => client.waitReady(t.cvm, timeoutMs).then(() => undefined),
    progress: (event) => log.info(`CvmSecrets ${name}: ${describeRolloutEvent(event, "env cleared")}`),
  });
  await log.flush();
  if (result.error) {
    throw new CvmSecretsError(
      ErrorCodes.ROLLOUT_FAILED,
      `clearing the env failed on ${[...result.failed.map((f) => f.cvm), ...result.untouched].join(", ")}: ` +
        `${result.error.message}. Cleared: ${result.done.join(", ") || "none"}. Run \`pulumi destroy\` again.`,
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
