/**
 * The env push, `PATCH /cvms/{id}/envs`: its request in the provider's words, its 202 answer's
 * schema, the 465 of the on-chain flow as a value, and the lost-answer probe that tells whether a
 * push whose answer was lost took effect.
 */
import type { CvmInfo } from "./cvms";
import { bareHex, cvmPathId } from "./ids";
import { perMode } from "./schemas";
import { type RegistrationRequired, registrationRequired, type Transport } from "./transport";

/** The body of `PATCH /cvms/{id}/envs`, in the provider's words. */
export interface PatchEnvsRequest {
  encryptedEnv: string;
  envKeys?: readonly string[];
  composeHash?: string;
  transactionHash?: string;
}

/** The schema of the push's answer. */
export const envSchemas = perMode(({ model, str, opt, bool }) => {
  /** `PATCH /cvms/{id}/envs` → 202 (SDK: all four keys). */
  const PatchEnvsAccepted = model(
    { status: str, message: opt(str), correlation_id: opt(str), allowed_envs_changed: bool },
    ["status", "message", "correlation_id", "allowed_envs_changed"],
  );
  return { PatchEnvsAccepted };
});

const Wire = envSchemas("tolerant");

/** The reads {@link patchEnvs} asks after a lost answer. */
export interface PushLookups {
  getCvm(cvm: string): Promise<CvmInfo>;
  /** The newest app revision of one CVM (by VM UUID), with its `encrypted_env`. */
  latestRevision(appId: string, vmUuid: string): Promise<{ encryptedEnv?: string } | undefined>;
}

/**
 * What `PATCH /cvms/{id}/envs` answers, as the official SDK models it: its
 * `UpdateCvmEnvsResultSchema` (Phala-Network/phala-cloud js/src/actions/cvms/update_cvm_envs.ts)
 * is a union of `in_progress` and `precondition_required`. The second is the API's HTTP 465 for
 * an app whose KMS is on chain when the push changes the allow-list (and so the compose hash):
 * nothing was written, and `composeHash` must be registered on app `appId`'s contract before the
 * push is sent again with the registration's `transactionHash` (phase 2).
 */
export type PatchEnvsAnswer =
  | {
      kind: "accepted";
      allowedEnvsChanged?: boolean;
      correlationId?: string;
      /**
       * The answer was lost and the CVM was busy: it may be running this push, or be busy for
       * another reason and have refused it. The caller records the push only on evidence (the
       * newest app revision carries it, cvm-secrets/steps/evidence.ts).
       */
      unconfirmed?: true;
    }
  | RegistrationRequired;

/** `PATCH /cvms/{id}/envs`: the env push (202), with its lost-answer probe; a 465 is a value. */
export async function patchEnvs(
  t: Transport,
  lookups: PushLookups,
  cvm: string,
  body: PatchEnvsRequest,
): Promise<PatchEnvsAnswer> {
  const wire: Record<string, unknown> = { encrypted_env: body.encryptedEnv };
  if (body.envKeys !== undefined) wire.env_keys = [...body.envKeys];
  if (body.composeHash !== undefined) wire.compose_hash = body.composeHash;
  if (body.transactionHash !== undefined) wire.transaction_hash = body.transactionHash;
  return t.call(
    "PATCH /cvms/{id}/envs",
    "PATCH",
    `/cvms/${cvmPathId(cvm)}/envs`,
    Wire.PatchEnvsAccepted.transform(
      (raw): PatchEnvsAnswer => ({
        kind: "accepted",
        allowedEnvsChanged: raw.allowed_envs_changed,
        correlationId: raw.correlation_id ?? undefined,
      }),
    ),
    {
      body: wire,
      ok: [200, 202],
      subject: `CVM ${cvm}`,
      // The push is accepted only on an idle CVM (busy → 409), so a CVM that is busy right
      // after a lost answer may be running this push: do not send it again (a second restart),
      // but it may as well be busy for another reason and have refused it, so the answer is
      // `unconfirmed` until the newest revision shows it. One that is idle again may have finished it already: its newest app revision then
      // carries exactly this ciphertext (`AppRevisionDetailResponse.encrypted_env`; a
      // ciphertext has a fresh ephemeral key, so nobody else's push can equal it).
      applied: async (): Promise<PatchEnvsAnswer | undefined> => {
        const info = await lookups.getCvm(cvm).catch(() => undefined);
        if (!info) return undefined;
        if (info.inProgress)
          return { kind: "accepted", correlationId: info.correlationId, unconfirmed: true };
        if (!info.appId || !info.vmUuid) return undefined;
        const newest = await lookups.latestRevision(info.appId, info.vmUuid).catch(() => undefined);
        return newest?.encryptedEnv !== undefined && newest.encryptedEnv === bareHex(body.encryptedEnv)
          ? { kind: "accepted" }
          : undefined;
      },
      answer: (status, answered, requestId) =>
        status === 465 ? registrationRequired(answered, requestId) : undefined,
    },
  );
}
