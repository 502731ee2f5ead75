/**
 * `read` (refresh): what the API says now about each CVM — gone (404), its app's key changed,
 * or its allow-list changed elsewhere — recorded so the next preview says so.
 */
import type * as pulumi from "@pulumi/pulumi";
import { apiClient, notFoundAsUndefined } from "./api-client";
import { type CvmSecretsOutputs, publicOutputs, sameSet } from "./cvm-secrets-state";

/** `applied` marker for a CVM that refresh did not find. */
const GONE = "gone";

export async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
  const state = { ...(props as unknown as CvmSecretsOutputs) };
  const client = apiClient();
  const cvms: string[] = [];
  const applied = { ...state.applied };
  const observed: Record<string, string> = {};
  const wanted = new Set(state.envKeys ?? []);
  for (const cvm of state.cvms ?? []) {
    const info = await client.getCvm(cvm).catch(notFoundAsUndefined);
    if (!info) {
      applied[cvm] = GONE; // the next preview says so; removing it from `cvms` then needs no write
      continue;
    }
    cvms.push(cvm);
    const pinned = state.encryptionPublicKeys?.[info.appId];
    if (info.encryptionPublicKey && pinned && info.encryptionPublicKey !== pinned) {
      observed[info.appId] = info.encryptionPublicKey;
    }
    if (info.allowedEnvs && !sameSet(info.allowedEnvs, wanted)) {
      // The allow-list was changed elsewhere: the CVM no longer sees exactly our env.
      applied[cvm] = "drift";
    }
  }
  if (cvms.length === 0) return {}; // every CVM is gone: the resource is gone
  const refreshed: CvmSecretsOutputs = {
    ...state,
    applied,
    observedEncryptionPublicKeys: Object.keys(observed).length > 0 ? observed : undefined,
  };
  // No `inputs`: the SDK then sends none and the engine keeps the previous inputs (the
  // plaintext env among them), which outputs never carry.
  return { id, props: publicOutputs(refreshed) };
}
