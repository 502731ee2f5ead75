/**
 * `diff` (preview too): no API call — the update plan over fingerprints and per-CVM truth,
 * never ciphertext; prints one line per resource saying what restarts and why. CVMs are
 * compared by the ids `check` resolved (`cvmIds`); the rollout journal (a local file, journal.ts)
 * says which CVMs an interrupted run of this resource moved.
 */
import type * as pulumi from "@pulumi/pulumi";
import { planUpdate } from "../core/plan";
import { about, notice } from "../runtime/engine-log";
import { containsUnknown } from "../runtime/wire";
import { migrate } from "./migrate";
import { openJournal, type WantedEnv } from "./records/journal";
import { type CvmSecretsInputs, type CvmSecretsOutputs, desiredOf, envDigest, planStateOf } from "./state";
import { effectiveEnv } from "./steps/registry-env";

export async function diff(
  id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<pulumi.dynamic.DiffResult> {
  const inputs = news as unknown as CvmSecretsInputs;
  const plan = planUpdate(
    planStateOf(
      olds as unknown as CvmSecretsOutputs,
      inputs.cvmIds,
      openJournal(id, wantedEnv(inputs)).digests(),
    ),
    desiredOf(inputs),
  );
  // State from 0.1 held the plaintext env (and the fingerprint key) in its outputs, which the
  // engine hands back to the program, and its debug log, on every run: rewrite it once. The
  // update writes to no CVM (the plan above has nothing to do) and restarts nothing.
  if (migrate(olds).plaintextInOutputs && !plan.changed) {
    const name = typeof news.resourceName === "string" ? news.resourceName : id;
    notice(
      about(
        "CvmSecrets",
        name,
        "state from an earlier version is rewritten without plaintext; nothing restarts",
      ),
    );
    return { changes: true };
  }
  if (plan.changed) {
    const name = typeof news.resourceName === "string" ? news.resourceName : id;
    // Provider stderr is shown by the CLI as an info line (the Pulumi CLI's display of provider stderr).
    notice(about("CvmSecrets", name, plan.summary));
  }
  return { changes: plan.changed };
}

/** The env the new inputs want, when it is known (not during a preview with unknown inputs). */
function wantedEnv(inputs: CvmSecretsInputs): WantedEnv | undefined {
  if (
    inputs.fingerprints === undefined ||
    containsUnknown(inputs.env) ||
    containsUnknown(inputs.registryEnv)
  ) {
    return undefined;
  }
  return { digest: envDigest(inputs.fingerprints), env: effectiveEnv(inputs) };
}
