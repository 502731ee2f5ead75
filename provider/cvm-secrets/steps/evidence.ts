/**
 * Evidence that a push took effect. A push whose answer was lost (connection reset, timeout,
 * 5xx) while the CVM was busy cannot tell "busy with this push" from "busy for another reason"
 * (a restart, someone else's operation): the API applies a `PATCH /cvms/{id}/envs` only on an
 * idle CVM, and a busy CVM may have refused it. Such a push is recorded as done only when the
 * CVM, once idle, has a newest app revision carrying exactly the ciphertext sent (its
 * `encrypted_env`, `GET /apps/{app_id}/revisions/{revision_id}`; a ciphertext has a fresh
 * ephemeral key, so nobody else's push can equal it). Anything else — another revision, none,
 * revisions that cannot be read — is not evidence: the CVM is marked not done, and the next
 * `pulumi up` pushes again.
 */
import type { PhalaClient } from "../../api/phala";
import { CvmSecretsError, ErrorCodes } from "../../errors";
import { ciphertextDigest, latestRevision } from "../records/ownership";

/** Throws (ROLLOUT_FAILED, nothing recorded as done) unless `cvm`'s newest revision carries `encryptedEnv`. */
export async function confirmPush(client: PhalaClient, cvm: string, encryptedEnv: string): Promise<void> {
  const why = await missingEvidence(client, cvm, encryptedEnv);
  if (why === undefined) return;
  throw new CvmSecretsError(
    ErrorCodes.ROLLOUT_FAILED,
    `CVM ${cvm}: the answer to the env push was lost while the CVM was busy, and ${why}; ` +
      "the push is not recorded as done (run `pulumi up` again to push it)",
    { cvm },
  );
}

/** Undefined when the newest revision carries `encryptedEnv`; else what the revisions showed instead. */
async function missingEvidence(
  client: PhalaClient,
  cvm: string,
  encryptedEnv: string,
): Promise<string | undefined> {
  const info = await client
    .getCvm(cvm)
    .catch((error: unknown) => (error instanceof Error ? error : undefined));
  if (!info || info instanceof Error) return "the CVM could not be read again to check";
  const newest = await latestRevision(client, info);
  if (newest instanceof Error) return `its app revisions could not be read (${newest.message})`;
  if (newest === undefined) return "the API lists no app revision for it";
  if (newest.encryptedEnv === undefined) return "its newest app revision shows no encrypted_env";
  return ciphertextDigest(newest.encryptedEnv) === ciphertextDigest(encryptedEnv)
    ? undefined
    : `its newest app revision (${newest.revisionId}) does not carry this push`;
}
