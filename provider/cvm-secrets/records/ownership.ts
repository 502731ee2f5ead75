/**
 * Ownership of a CVM's env: does the CVM still run the ciphertext this resource pushed?
 *
 * Each push's `encrypted_env` is kept by the API as an app revision (`GET /apps/{app_id}/
 * revisions`, then `GET /apps/{app_id}/revisions/{revision_id}` for the ciphertext). The resource
 * remembers, per CVM, the sha256 of the ciphertext it pushed (`pushed` in state: not secret, the
 * ciphertext has a random ephemeral key and says nothing about the values). The CVM's newest
 * revision carrying the same ciphertext means nobody wrote an env since; anything else means
 * someone did (a replacement, another stack, a person). Delete clears only what it owns,
 * refresh reports what it no longer owns, and an apply warns before overwriting such a CVM.
 */
import { createHash } from "node:crypto";
import type { AppRevision, CvmInfo, PhalaClient } from "../../api/phala";
import { carriesNoVariable, type Owner, pushedBy } from "../../core/envelope-facts";
import type { NewestKind } from "../apply/decide";

/** sha256 (hex) of an `encrypted_env` as sent or as a revision returns it (hex, any case, 0x optional). */
export function ciphertextDigest(encryptedEnv: string): string {
  return createHash("sha256").update(encryptedEnv.replace(/^0x/i, "").toLowerCase()).digest("hex");
}

/** What the newest revision of a CVM says about its env. */
export type Ownership =
  /** The newest revision carries this resource's push. */
  | { kind: "ours" }
  /** Someone wrote after this resource's push (or this resource never pushed to it). */
  | { kind: "theirs"; revision: AppRevision; digest: string }
  /**
   * Revisions could not tell (not readable, none for this CVM, or no record of our push); the
   * newest revision when there is one.
   */
  | { kind: "unknown"; why: string; revision?: AppRevision };

/** Pure: compares our recorded digest with the CVM's newest revision. */
export function ownershipOf(pushed: string | undefined, latest: AppRevision | undefined | Error): Ownership {
  if (latest instanceof Error)
    return { kind: "unknown", why: `its app revisions could not be read (${latest.message})` };
  if (latest === undefined) return { kind: "unknown", why: "the API lists no app revision for it" };
  const digest = ciphertextDigest(latest.encryptedEnv ?? "");
  if (pushed === undefined) {
    return latest.encryptedEnv
      ? { kind: "theirs", revision: latest, digest }
      : { kind: "unknown", why: "this resource has no record of what it pushed", revision: latest };
  }
  return digest === pushed ? { kind: "ours" } : { kind: "theirs", revision: latest, digest };
}

/** A CVM's newest app revision as the decision (apply/decide.ts) sees it. */
export interface Newest {
  kind: NewestKind;
  /** sha256 of its `encrypted_env` (absent when `unknown`). */
  digest?: string;
  /** The revision (absent when `unknown` or `ours`). */
  revision?: AppRevision;
  /** Why it is `unknown`. */
  why?: string;
  /**
   * `theirs` carrying the v1 tag of this resource's URN (a push of a version without owner keys,
   * or of a resource with this URN in any backend): not proof of ownership, named in the refusal.
   */
  urnTagged?: boolean;
}

/**
 * Pure: classifies a CVM's newest revision for the decision — this resource's recorded push
 * (`pushed`), a push carrying this resource's v2 owner tag (made with its owner key: `owner`),
 * no env (empty, or too short to hold a variable), another party's env, or unknown (not
 * readable, or none listed). A v1 tag (URN only) is computable by anyone who knows the URN, in
 * any backend (core/envelope-facts.ts): `theirs`, marked `urnTagged` for the refusal's advice.
 */
export function classifyNewest(
  pushed: string | undefined,
  latest: AppRevision | undefined | Error,
  owner: Owner | undefined,
): Newest {
  if (latest instanceof Error)
    return { kind: "unknown", why: `its app revisions could not be read (${latest.message})` };
  if (latest === undefined) return { kind: "unknown", why: "the API lists no app revision for it" };
  const env = latest.encryptedEnv ?? "";
  const digest = ciphertextDigest(env);
  if (pushed !== undefined && digest === pushed) return { kind: "ours", digest };
  if (env === "" || carriesNoVariable(env)) return { kind: "empty", digest, revision: latest };
  if (owner?.key !== undefined && pushedBy(env, owner)) return { kind: "tagged", digest, revision: latest };
  const urnTagged = owner !== undefined && pushedBy(env, { urn: owner.urn });
  return { kind: "theirs", digest, revision: latest, ...(urnTagged && { urnTagged }) };
}

/** The newest revision of a CVM (with its ciphertext), or the error that prevented reading it. */
export async function latestRevision(
  client: PhalaClient,
  info: CvmInfo,
): Promise<AppRevision | undefined | Error> {
  if (!info.vmUuid || !info.appId) return new Error("the CVM record has no vm_uuid or app_id");
  try {
    return await client.latestRevision(info.appId, info.vmUuid);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** One line saying who wrote last, for warnings: names and times only. */
export function describeTheirs(o: { revision: AppRevision }): string {
  return `its latest app revision (${describeRevision(o.revision)}) is not this resource's push`;
}

/** A revision in words: its id, operation and time (never its ciphertext). */
export function describeRevision(r: AppRevision): string {
  return `${r.revisionId}, ${r.operationType} at ${r.createdAt}`;
}

/** Why a CVM's env is not this resource's to clear, in words. */
export function ownerReason(owner: Exclude<Ownership, { kind: "ours" }>): string {
  return owner.kind === "theirs"
    ? `${describeTheirs(owner)} (another resource, stack or person wrote after it)`
    : owner.why;
}
