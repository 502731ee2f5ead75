/**
 * Step 2 of an apply: a new resource refuses to take over a CVM whose env was set elsewhere,
 * unless `adopt: true` says so.
 */
import type { CvmInfo } from "../api/phala-client";
import { CvmSecretsError, ErrorCodes } from "../errors";

export function guardAdoption(
  infos: ReadonlyMap<string, CvmInfo>,
  { creating, adopt }: { creating: boolean; adopt?: boolean },
): void {
  if (!creating || adopt) return;
  for (const [cvm, info] of infos) {
    if (info.allowedEnvs && info.allowedEnvs.length > 0) {
      throw new CvmSecretsError(
        ErrorCodes.INVALID_INPUT,
        `CVM ${cvm} already has encrypted env (${info.allowedEnvs.length} allowed keys) set outside this stack; ` +
          "set adopt: true to take it over (its env will be replaced by this resource's env)",
        { cvm },
      );
    }
  }
}
