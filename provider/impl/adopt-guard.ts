/**
 * Step 2 of an apply: a new resource refuses to take over a CVM that carries an env it did not
 * push, unless `adopt: true` says so. A replacement (`pulumi up --replace`) takes over without
 * asking when this machine's rollout journal shows the CVM's newest revision was pushed by a
 * resource of the same name (the engine gives `create` no other link to the resource it
 * replaces); the predecessor's delete then sees the replacement's push and leaves the CVM alone.
 */
import type { CvmInfo } from "../api/phala-client";
import { CvmSecretsError, ErrorCodes } from "../errors";
import { findPusher } from "./journal";
import type { Ownership } from "./ownership";

/**
 * Pure: whether a CVM carries an env. `allowed_envs` lists the keys the guest lets through; a
 * CVM whose compose reports no allow-list at all carries an env when its newest app revision has
 * a non-empty `encrypted_env`.
 */
export function carriesEnv(info: CvmInfo, owner: Ownership | undefined): string | undefined {
  if (info.allowedEnvs && info.allowedEnvs.length > 0) return `${info.allowedEnvs.length} allowed keys`;
  if (info.allowedEnvs === undefined && owner?.kind === "theirs" && owner.revision.encryptedEnv) {
    return `an encrypted env in app revision ${owner.revision.revisionId}`;
  }
  return undefined;
}

/**
 * Throws when a new resource would take over a CVM with someone else's env. Returns the CVMs
 * taken over as a replacement, with the id of the resource replaced.
 */
export function guardAdoption(
  infos: ReadonlyMap<string, CvmInfo>,
  owners: ReadonlyMap<string, Ownership>,
  { creating, adopt, id, name }: { creating: boolean; adopt?: boolean; id: string; name?: string },
): Map<string, string> {
  const successorOf = new Map<string, string>();
  if (!creating || adopt) return successorOf;
  for (const [cvm, info] of infos) {
    const owner = owners.get(cvm);
    const carried = carriesEnv(info, owner);
    if (carried === undefined) continue;
    const pusher = owner?.kind === "theirs" ? findPusher(owner.digest) : undefined;
    if (pusher && name !== undefined && pusher.name === name && pusher.resourceId !== id) {
      successorOf.set(cvm, pusher.resourceId);
      continue;
    }
    throw new CvmSecretsError(
      ErrorCodes.INVALID_INPUT,
      `CVM ${cvm} already carries an env (${carried}) that this new resource did not push (nothing was changed). ` +
        'If you renamed the resource, add `aliases: [{ name: "<old name>" }]` to its options: Pulumi then ' +
        "treats it as the same resource (no write, no restart). To replace that env with this resource's env, " +
        "set adopt: true: the CVM restarts with this resource's env, and the previous owner's delete leaves it alone.",
      { cvm },
    );
  }
  return successorOf;
}
