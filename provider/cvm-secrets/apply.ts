/**
 * `create` / `update`: the shared apply path, in five phases (apply/): plan what to do
 * (apply/plan.ts: identity, journal, plan, refusals), check everything before the first write
 * (apply/preflight.ts: read the CVMs, ownership, adopt guard, trust, compose), encrypt once per
 * app (steps/encrypt.ts), roll out in waves (apply/roll.ts), and settle the state the apply
 * leaves (apply/settle.ts, pure). A failure leaves state that says exactly which CVMs are done.
 */
import { randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { CvmSecretsError, ErrorCodes } from "../errors";
import { apiClient } from "../runtime/api-client";
import type { CallOptions } from "../runtime/call";
import { about, providerLog } from "../runtime/engine-log";
import type { ApplyContext } from "./apply/context";
import { planApply } from "./apply/plan";
import { preflight } from "./apply/preflight";
import { type Rolled, roll } from "./apply/roll";
import { settle } from "./apply/settle";
import { announceFromCreate } from "./create-notice";
import {
  type CvmSecretsInputs,
  type CvmSecretsOutputs,
  noPreviousState,
  ownerOf,
  publicOutputs,
} from "./state";
import { encryptPerApp } from "./steps/encrypt";
import { stopCause } from "./steps/registration";
import { effectiveEnv } from "./steps/registry-env";

export async function create(
  raw: Record<string, unknown>,
  options: CallOptions = {},
): Promise<pulumi.dynamic.CreateResult> {
  const inputs = raw as unknown as CvmSecretsInputs;
  const id = `cvmsecrets-${randomBytes(8).toString("hex")}`;
  const ctx = contextOf(id, noPreviousState(inputs), inputs, raw.__provider, { creating: true, ...options });
  await announceFromCreate(raw); // through the plugin; the dynamic provider's check said it
  const outs = await apply(ctx);
  return { id, outs: publicOutputs(outs) };
}

export async function update(
  id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  options: CallOptions = {},
): Promise<pulumi.dynamic.UpdateResult> {
  const outs = await apply(
    contextOf(
      id,
      olds as unknown as CvmSecretsOutputs,
      news as unknown as CvmSecretsInputs,
      news.__provider,
      {
        creating: false,
        ...options,
      },
    ),
  );
  return { outs: publicOutputs(outs) };
}

async function apply(ctx: ApplyContext): Promise<CvmSecretsOutputs> {
  const planned = await planApply(ctx);
  const checked = await preflight(ctx, planned);
  const blobs = encryptPerApp(ctx.env, planned.envKeys, checked.keyByApp, ctx.owner);
  const rolled = await roll(ctx, planned, checked, blobs);
  const outs = settle(ctx.old, planned, checked, rolled);
  const cause = stopCause(rolled.rollout);
  if (cause) throw rolloutStopped(ctx, outs, rolled, cause);
  return outs;
}

function contextOf(
  id: string,
  old: CvmSecretsOutputs,
  inputs: CvmSecretsInputs,
  providerText: unknown,
  { creating, deadline }: { creating: boolean } & CallOptions,
): ApplyContext {
  const client = apiClient(deadline); // first: without an API key nothing else is worth doing
  const name = inputs.resourceName ?? id;
  const log = providerLog();
  return {
    id,
    name,
    old,
    inputs,
    env: effectiveEnv(inputs),
    owner: ownerOf(inputs),
    providerText,
    creating,
    deadline,
    client,
    log,
    say: (line) => log.info(about("CvmSecrets", name, line)),
    warn: (message) => log.warn(about("CvmSecrets", name, message)),
  };
}

/**
 * The error of a rollout that stopped: the cause, which CVMs are done and which not, and the
 * state the engine keeps for the next run (ErrorResourceInitFailed), so it tells the truth.
 */
function rolloutStopped(
  ctx: ApplyContext,
  outs: CvmSecretsOutputs,
  { rollout }: Rolled,
  cause: Error,
): Error {
  const done = rollout.done.join(", ") || "none";
  const notDone = [...rollout.failed.map((f) => f.cvm), ...rollout.untouched].join(", ");
  const error = new CvmSecretsError(
    rollout.pendingRegistration ? ErrorCodes.HASH_REGISTRATION_REQUIRED : ErrorCodes.ROLLOUT_FAILED,
    `${cause.message}\nRollout stopped. Done (running with the new env): ${done}. Not done: ${notDone}. ` +
      "Fix the cause and run `pulumi up` again: it continues with the CVMs not done and does not restart the others.",
  ) as CvmSecretsError & { id?: string; properties?: Record<string, unknown>; reasons?: string[] };
  // The engine keeps this state (ErrorResourceInitFailed), so it tells the truth next time.
  error.id = ctx.id;
  error.properties = { ...publicOutputs(outs), __provider: ctx.providerText };
  // Without reasons the CLI prints only "resource init failed".
  error.reasons = [error.message];
  return error;
}
