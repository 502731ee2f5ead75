/**
 * Step 2 of an apply: a new resource refuses to take over a CVM that carries an env it did not
 * push, unless `adopt: true` says so. A replacement (`pulumi up --replace`, `deleteBeforeReplace`)
 * takes over without asking when the CVM's newest app revision carries this resource's owner tag
 * (core/envelope-facts.ts: pushed by a resource with this URN — the one it replaces), which the
 * API shows on any machine; the engine gives `create` no other link to the resource it replaces.
 * The replacement pushes, so the predecessor's delete then finds a push not its own and leaves
 * the CVM alone.
 */
import type { CvmInfo } from "../../api/phala";
import { carriesNoVariable, pushedBy } from "../../core/envelope-facts";
import { CvmSecretsError, ErrorCodes } from "../../errors";
import type { Ownership } from "../records/ownership";

/**
 * Pure: whether a CVM carries an env someone could lose. `allowed_envs` lists the keys the guest
 * lets through; a CVM whose compose reports no allow-list at all carries an env when its newest
 * app revision has a non-empty `encrypted_env`. Either way, a newest revision with no
 * `encrypted_env`, or one too short to hold one variable (a cleared env: the allow-list is kept),
 * carries none: the guest sees nothing.
 */
export function carriesEnv(info: CvmInfo, owner: Ownership | undefined): string | undefined {
  const newest = owner?.kind === "ours" ? undefined : owner?.revision;
  // The newest revision has no env (a replica added to an app whose compose allows keys), or one
  // too short to hold a variable: the guest sees none.
  if (newest?.encryptedEnv === "" || carriesNoVariable(newest?.encryptedEnv)) return undefined;
  if (info.allowedEnvs && info.allowedEnvs.length > 0) return `${info.allowedEnvs.length} allowed keys`;
  if (info.allowedEnvs === undefined && owner?.kind === "theirs" && owner.revision.encryptedEnv) {
    return `an encrypted env in app revision ${owner.revision.revisionId}`;
  }
  return undefined;
}

/**
 * Throws when a new resource would take over a CVM with someone else's env. Returns the CVMs it
 * takes over from the resource it replaces (their newest revision carries its owner tag).
 */
export function guardAdoption(
  infos: ReadonlyMap<string, CvmInfo>,
  owners: ReadonlyMap<string, Ownership>,
  { creating, adopt, ownerUrn }: { creating: boolean; adopt?: boolean; ownerUrn?: string },
): string[] {
  const successor: string[] = [];
  if (!creating || adopt) return successor;
  for (const [cvm, info] of infos) {
    const owner = owners.get(cvm);
    const carried = carriesEnv(info, owner);
    if (carried === undefined) continue;
    if (owner?.kind === "theirs" && pushedBy(owner.revision.encryptedEnv, ownerUrn)) {
      successor.push(cvm);
      continue;
    }
    throw new CvmSecretsError(
      ErrorCodes.INVALID_INPUT,
      `CVM ${cvm} already carries an env (${carried}) that this resource did not push (nothing was changed): ` +
        "its newest app revision is not a push of a resource with this one's URN (it was pushed by another " +
        "resource, stack or person, or by a version of this package before pushes carried owner tags). " +
        'If you renamed the resource or moved it under another parent, add `aliases: [{ name: "<old name>" }]` ' +
        "(or the old parent) to its options: Pulumi then treats it as the same resource (no write, no restart). " +
        "To replace that env with this resource's env, set adopt: true: the CVM restarts with this resource's env, " +
        "and the resource that pushed the env it carries now leaves it alone when deleted and reports it as " +
        "changed outside its stack when refreshed.",
      { cvm },
    );
  }
  return successor;
}
