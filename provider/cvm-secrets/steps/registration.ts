/**
 * The first phase of the on-chain flow as the user meets it: a push the API refused (HTTP 465,
 * `PATCH /cvms/{id}/envs`, a value of the client and of the rollout) becomes the
 * `CVMS_HASH_REGISTRATION_REQUIRED` error that names the compose hash to register, the app, and
 * the next step (`transactionHash`, phase 2). The only place that error is raised.
 */
import { CvmSecretsError, ErrorCodes } from "../../errors";
import type { PendingRegistration, RolloutResult } from "./rollout";

/** The error for a push refused until `pending.composeHash` is registered on app `pending.appId`'s contract. */
export function registrationRequired(pending: PendingRegistration): CvmSecretsError {
  const { cvm, composeHash, appId, errorCode } = pending;
  return new CvmSecretsError(
    ErrorCodes.HASH_REGISTRATION_REQUIRED,
    `CVM ${cvm}: the new key set changes the compose hash, which this app's on-chain KMS must allow first (HTTP 465 ${errorCode ?? ""}). ` +
      `Register compose hash 0x${composeHash.replace(/^0x/i, "")} on the DstackApp contract of app ${appId} (addComposeHash), ` +
      'then set transactionHash: "0x…" (the registration transaction) on this resource and run `pulumi up` again.',
  );
}

/** Why a rollout stopped, as an error (undefined when it did not stop). */
export function stopCause(result: RolloutResult): Error | undefined {
  return result.pendingRegistration ? registrationRequired(result.pendingRegistration) : result.error;
}
