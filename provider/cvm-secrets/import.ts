/**
 * `read` without state: `pulumi import cvm-secrets:index:CvmSecrets NAME ID` (and the `import`
 * resource option) of the resource provider plugin. ID names the CVMs, comma-separated, in any
 * id form `cvms` accepts.
 *
 * Nothing is written. A CVM's encrypted env cannot be read back (the API returns ciphertext and
 * key names), so the state records each CVM as `imported`: the next `pulumi up` pushes the
 * program's env to it once — its preview says so, by CVM — and from then on this resource owns
 * it, as after `adopt: true`. The inputs returned (what `pulumi import` writes into the program
 * it generates) are `cvms` and an empty `env`: the program must give the env, and until the
 * push a program env that leaves out a key the CVMs allow is refused (core/plan.ts), so the
 * generated code pasted unchanged cannot clear them. Until that push the resource does not own the env it found: a
 * `pulumi destroy` right after the import leaves the CVM alone (ownership.ts).
 */
import { randomBytes } from "node:crypto";
import { IMPORTED } from "../core/plan";
import { CvmSecretsError, ErrorCodes } from "../errors";
import { apiClient, notFoundAsUndefined } from "../runtime/api-client";
import { about, providerLog } from "../runtime/engine-log";
import { type CvmSecretsOutputs, noPreviousState, publicOutputs } from "./state";
import { refuseDuplicates, resolveForms } from "./steps/identity";

export interface Imported {
  id: string;
  /** The state recorded (outputs). */
  props: Record<string, unknown>;
  /** The inputs `pulumi import` writes into the generated program (its env stays to be filled). */
  inputs: Record<string, unknown>;
}

/** The CVMs an import id names. */
export function importedForms(importId: string): string[] {
  return importId
    .split(",")
    .map((form) => form.trim())
    .filter((form) => form !== "");
}

/** Reads the CVMs named by `importId`; undefined when one of them does not exist. */
export async function importCvms(importId: string, name: string): Promise<Imported | undefined> {
  const forms = importedForms(importId);
  if (forms.length === 0) {
    throw new CvmSecretsError(
      ErrorCodes.INVALID_INPUT,
      "the import id names no CVM: give one or more CVM ids (cvm_…, app_<hex>, a UUID or a name), comma-separated",
    );
  }
  const client = apiClient();
  const ids = await resolveForms(() => client, forms, undefined).catch(notFoundAsUndefined);
  if (!ids) return undefined;
  refuseDuplicates(forms, ids);
  const cvms = forms.map((form) => ids[form] ?? form);
  const state: CvmSecretsOutputs = {
    ...noPreviousState({ resourceName: name, cvms: forms, cvmIds: ids, env: {} }),
    cvms: forms,
  };
  const keys = new Set<string>();
  for (const cvm of cvms) {
    const info = await client.getCvm(cvm).catch(notFoundAsUndefined);
    if (!info) return undefined;
    state.applied[cvm] = IMPORTED;
    state.appIds[cvm] = info.appId;
    if (info.composeHash) state.composeHashes[cvm] = info.composeHash;
    for (const key of info.allowedEnvs ?? []) keys.add(key);
  }
  // The key names the CVMs allow now, so a refresh before the first push reports no drift.
  state.envKeys = [...keys].sort();
  const log = providerLog();
  log.info(
    about(
      "CvmSecrets",
      name,
      `imported ${cvms.join(", ")} (nothing written). Their env cannot be read back: ` +
        "the next `pulumi up` pushes this program's env to them once (each restarts) and owns it from then on" +
        (state.envKeys.length === 0
          ? ""
          : `; they allow ${state.envKeys.join(", ")}: give each of them in env (the code \`pulumi import\` ` +
            "generates has `env: {}`, which that up refuses while any is left out)"),
    ),
  );
  await log.flush();
  return {
    id: `cvmsecrets-${randomBytes(8).toString("hex")}`,
    props: publicOutputs(state),
    inputs: { cvms: forms, env: {} },
  };
}
