/**
 * Step 1 of an apply: look up every CVM the plan writes to (`GET /cvms/{id}`, by its resolved
 * `cvm_…` id), before any write. A CVM being cleared that is already gone (404) needs no write
 * and is left out.
 */
import type { CvmInfo, PhalaClient } from "../../api/phala";
import type { PlanWrite } from "../../core/plan";
import { isNotFound } from "../../runtime/api-client";

export async function resolveTargets(
  client: PhalaClient,
  writes: readonly PlanWrite[],
): Promise<Map<string, CvmInfo>> {
  const infos = new Map<string, CvmInfo>();
  for (const w of writes) {
    const info = await client.getCvm(w.cvm).catch((err) => {
      if (w.action === "clear-env" && isNotFound(err)) return undefined; // removed and already gone
      throw err;
    });
    if (info) infos.set(w.cvm, info);
  }
  return infos;
}
