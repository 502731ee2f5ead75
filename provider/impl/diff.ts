/**
 * `diff` (preview too): pure, no API call — the update plan over fingerprints and per-CVM truth,
 * never ciphertext; prints one line per resource saying what restarts and why.
 */
import type * as pulumi from "@pulumi/pulumi";
import { planUpdate } from "../core/plan";
import { type CvmSecretsInputs, type CvmSecretsOutputs, desiredOf, planStateOf } from "./cvm-secrets-state";

export async function diff(
  id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<pulumi.dynamic.DiffResult> {
  const plan = planUpdate(
    planStateOf(olds as unknown as CvmSecretsOutputs),
    desiredOf(news as unknown as CvmSecretsInputs),
  );
  if (plan.changed) {
    const name = typeof news.resourceName === "string" ? news.resourceName : id;
    // Provider stderr is shown by the CLI as an info line (the Pulumi CLI's display of provider stderr).
    console.error(`CvmSecrets ${name}: ${plan.summary}`);
  }
  return { changes: plan.changed };
}
