/**
 * What `create` / `update` answer during a preview, for a provider that takes part in previews
 * (the resource provider plugin): the outputs the resource will have, with what only the apply
 * learns unknown — never the env or any value derived from it — and, for a create, what it will
 * do (create-notice.ts) and the line that says which CVMs get the env (for an update the diff
 * has said it).
 */
import { planUpdate } from "../core/plan";
import { about, notice } from "../runtime/engine-log";
import { containsUnknown, UNKNOWN } from "../runtime/wire";
import { announceFromCreate } from "./create-notice";
import { LEARNED } from "./properties";
import {
  type CvmSecretsInputs,
  type CvmSecretsOutputs,
  desiredOf,
  noPreviousState,
  planStateOf,
  publicOutputs,
} from "./state";

export async function previewCreate(raw: Record<string, unknown>): Promise<Record<string, unknown>> {
  const inputs = raw as unknown as CvmSecretsInputs;
  await announceFromCreate(raw);
  const plan = planUpdate(planStateOf(noPreviousState(inputs), inputs.cvmIds), desiredOf(inputs));
  notice(about("CvmSecrets", inputs.resourceName ?? "(new)", plan.summary));
  const outs: Record<string, unknown> = { ...publicOutputs(inputs), envKeys: envKeysOf(inputs) };
  for (const key of LEARNED) outs[key] = UNKNOWN;
  return outs;
}

export function previewUpdate(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Record<string, unknown> {
  const old = olds as unknown as CvmSecretsOutputs;
  const inputs = news as unknown as CvmSecretsInputs;
  const next = desiredOf(inputs);
  const plan = planUpdate(planStateOf(old, inputs.cvmIds), next);
  const outs: Record<string, unknown> = {
    ...publicOutputs(old),
    ...publicOutputs(inputs),
    envKeys: envKeysOf(inputs),
  };
  if (plan.writes.length > 0 || next.unknown) for (const key of LEARNED) outs[key] = UNKNOWN;
  return outs;
}

function envKeysOf(inputs: CvmSecretsInputs): string[] | string {
  const fingerprints = inputs.fingerprints;
  if (fingerprints === undefined || containsUnknown(fingerprints)) return UNKNOWN;
  return Object.keys(fingerprints).sort();
}
