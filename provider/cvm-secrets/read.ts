/**
 * `read` (refresh): what the API says now about each CVM — gone (404), its app's key changed,
 * its allow-list changed elsewhere, or its newest app revision is not this resource's push
 * (ownership.ts) — recorded so the next preview says so and the next `up` repairs exactly those
 * CVMs. A revision this machine's journal knows as an interrupted run of this resource is
 * recorded as what it is (the env that run pushed), not as a change made elsewhere.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PhalaClient } from "../api/phala";
import { sameSet } from "../core/env-rules";
import { pushedBy } from "../core/envelope-facts";
import { FOREIGN, GONE, INTERRUPTED, OUTSIDE } from "../core/plan";
import { apiClient, notFoundAsUndefined } from "../runtime/api-client";
import { about, providerLog } from "../runtime/engine-log";
import { labelForms, resolvedId } from "./forms";
import { migrate } from "./migrate";
import { openJournal } from "./records/journal";
import { latestRevision, ownershipOf } from "./records/ownership";
import { type CvmSecretsOutputs, ownerOf, publicOutputs } from "./state";

/**
 * What a refresh that finds none of the resource's CVMs says: which `cvm_…` ids are gone, that
 * the resource leaves the stack's state, and for each form given as something other than that
 * id (a name, a UUID, an app id) what it resolves to now (one read per such form; a CVM
 * recreated under the same name has a new id), and what the next `pulumi up` does.
 */
async function goneMessage(client: PhalaClient, name: string, state: CvmSecretsOutputs): Promise<string> {
  const { cvms, labels } = labelForms(state.cvms ?? [], state.cvmIds);
  const now: string[] = [];
  for (const form of state.cvms ?? []) {
    const was = resolvedId(form, state.cvmIds);
    if (form.trim() === was || labels[was] !== form) continue;
    const info = await client.getCvm(form).catch(notFoundAsUndefined);
    now.push(info ? `${form} now resolves to ${info.id}` : `no CVM answers to ${form} now`);
  }
  return about(
    "CvmSecrets",
    name,
    `${cvms.join(", ")} ${cvms.length === 1 ? "is" : "are"} gone (the API answers 404 ` +
      "for every CVM this resource manages), so refresh removes the resource from the stack's state" +
      `${now.length > 0 ? `; ${now.join("; ")}` : ""}. The next \`pulumi up\` creates it again and pushes its ` +
      "env to the CVMs `cvms` names then (remove the resource from the program if those CVMs are gone for good)",
  );
}

export async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
  const state = { ...(props as unknown as CvmSecretsOutputs) };
  const client = apiClient();
  const name = state.resourceName ?? id;
  const log = providerLog();
  const found: string[] = [];
  const { applied, pushed } = migrate(state as unknown as Record<string, unknown>).perCvm;
  const observed: Record<string, string> = {};
  const wanted = new Set(state.envKeys ?? []);
  const journal = openJournal(id);
  for (const cvm of labelForms(state.cvms ?? [], state.cvmIds).cvms) {
    const info = await client.getCvm(cvm).catch(notFoundAsUndefined);
    if (!info) {
      applied[cvm] = GONE; // the next preview says so; removing it from `cvms` then needs no write
      continue;
    }
    found.push(cvm);
    const pinned = state.encryptionPublicKeys?.[info.appId];
    if (info.encryptionPublicKey && pinned && info.encryptionPublicKey !== pinned) {
      observed[info.appId] = info.encryptionPublicKey;
    }
    if (info.allowedEnvs && !sameSet(info.allowedEnvs, wanted)) {
      // The allow-list was changed elsewhere: the CVM no longer sees exactly our env.
      applied[cvm] = "drift";
      continue;
    }
    if (pushed[cvm] === undefined) continue; // state from before ownership was recorded
    const owner = ownershipOf(pushed[cvm], await latestRevision(client, info));
    if (owner.kind !== "theirs") continue;
    const last = journal.lastPush(cvm);
    const mine = last?.pushed === owner.digest ? last.digest : undefined;
    if (mine !== undefined) {
      // An interrupted run of this resource pushed it: state learns what the CVM runs.
      applied[cvm] = mine;
      pushed[cvm] = owner.digest;
      // Running with it: the journal records the push as done (so the next up does not redo it).
      if (info.status === "running" && !info.inProgress) journal.settle(cvm);
      log.info(about("CvmSecrets", name, `${cvm} runs the env an interrupted run of this stack pushed`));
    } else {
      // Who wrote it, from a v2 owner tag (core/envelope-facts.ts): only the owner key proves it.
      // Refresh sees the outputs alone, which never hold the key (a secret input), and a v1 tag
      // (URN only) proves nothing: without the key it cannot tell.
      const revision = `latest app revision ${owner.revision.revisionId}, ${owner.revision.operationType} at ${owner.revision.createdAt}`;
      const by = ownerOf(state);
      const ours = by?.key !== undefined && pushedBy(owner.revision.encryptedEnv, by);
      applied[cvm] = by?.key === undefined ? FOREIGN : ours ? INTERRUPTED : OUTSIDE;
      const what =
        by?.key === undefined
          ? "its env is not the one this stack pushed"
          : ours
            ? "its env was pushed by a run of this stack that state never recorded (interrupted, no journal of it on this machine)"
            : "its env was changed outside this stack";
      log.warn(
        about("CvmSecrets", name, `${cvm}: ${what} (${revision}); the next up pushes this stack's env again`),
      );
    }
  }
  if (found.length === 0) {
    // Every CVM is gone: the resource is gone, and refresh drops it from state — saying why, and
    // where the forms it was given lead now (a CVM recreated under the same name has a new id).
    log.warn(await goneMessage(client, name, state));
    await log.flush();
    return {};
  }
  await log.flush();
  const refreshed: CvmSecretsOutputs = {
    ...state,
    applied,
    pushed,
    observedEncryptionPublicKeys: Object.keys(observed).length > 0 ? observed : undefined,
  };
  // No `inputs`: the SDK then sends none and the engine keeps the previous inputs (the
  // plaintext env among them), which outputs never carry.
  return { id, props: publicOutputs(refreshed) };
}
