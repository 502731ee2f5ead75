/**
 * The CvmSecrets dynamic provider, loaded at run time by the stub in dynamic/cvm-secrets-stub.ts.
 * One module per method, one per phase of the apply path (apply/) and one per step (steps/):
 *
 * - `check` (check.ts, preview too): validates every input before any write; carries the
 *   per-key fingerprints over from the previous inputs.
 * - `diff` (diff.ts, preview too): pure, no API call — the update plan (core/plan.ts).
 * - `create` / `update` (apply.ts): plan; preflight (resolve, guard, trust, check the compose);
 *   encrypt; roll out; settle the state (pure).
 * - `delete` (delete.ts): clears the env. `read` (read.ts): refresh.
 *
 * Every method runs in the scope of the call's secret CVM ids (secret-ids.ts): its messages and
 * errors name such a CVM by position, and its outputs that name one are returned as secrets.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { CallOptions } from "../runtime/call";
import { about, notice } from "../runtime/engine-log";
import { addResolved, redactError, type SecretIds, secretIdsOf, wrapIdOutputs } from "../runtime/secret-ids";
import { withSecretIds } from "../runtime/secret-scope";
import { isSecretWire, secretWire } from "../runtime/wire";
import { check as checkImpl } from "./check";
import { diff as diffImpl } from "./diff";
import { ID_OUTPUT_KEYS } from "./properties";

type Props = Record<string, unknown>;

// The write paths (and the HTTP client, zod, the curves they load) on first use: a preview's
// provider process runs check and diff only.
const apply = () => require("./apply") as typeof import("./apply");
const clear = () => require("./delete") as typeof import("./delete");
const refresh = () => require("./read") as typeof import("./read");
const preview = () => require("./preview") as typeof import("./preview");

export async function check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
  const ids = secretIdsOf(news, olds);
  const result = await scoped(ids, () => checkImpl(olds, news));
  const inputs = result.inputs as Props | undefined;
  if (inputs) addResolved(ids, { ...news, cvmIds: inputs.cvmIds });
  // `cvmIds` (form → resolved id) is a checked input the program never sent: the engine cannot
  // carry a secret over to it, so it is returned as one.
  if (inputs?.cvmIds !== undefined && !isSecretWire(inputs.cvmIds) && mentions(ids, inputs.cvmIds)) {
    inputs.cvmIds = secretWire(inputs.cvmIds);
  }
  return {
    ...result,
    failures: result.failures?.map((f) => ({ property: f.property, reason: ids.redact(f.reason) })),
  };
}

export async function diff(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
  const ids = secretIdsOf(news, olds);
  const result = await scoped(ids, () => diffImpl(id, olds, news));
  // Outputs written while no CVM id was secret name them in clear (or the other way round):
  // rewritten once, with no write to any CVM.
  const wasSecret = hasLabels(olds.idLabels);
  if (result.changes !== true && wasSecret !== !ids.empty) {
    const name = typeof news.resourceName === "string" ? news.resourceName : id;
    const what = ids.empty ? "no CVM id is secret any more" : "a CVM id is given as a secret";
    notice(about("CvmSecrets", name, `${what}: outputs that name CVMs are rewritten; nothing restarts`));
    return { ...result, changes: true };
  }
  return result;
}

export async function create(inputs: Props, options?: CallOptions): Promise<pulumi.dynamic.CreateResult> {
  const ids = secretIdsOf(inputs);
  const result = await scoped(ids, () => apply().create(inputs, options));
  return { ...result, outs: wrapIds(result.outs as Props, ids) };
}

export async function update(
  id: string,
  olds: Props,
  news: Props,
  options?: CallOptions,
): Promise<pulumi.dynamic.UpdateResult> {
  const ids = secretIdsOf(news, olds);
  const result = await scoped(ids, () => apply().update(id, olds, news, options));
  return { ...result, outs: wrapIds((result.outs ?? {}) as Props, ids) };
}

/**
 * What a create answers during a preview (the plugin takes part in previews: preview.ts), in the
 * scope of its secret CVM ids like every other method: its line names such a CVM by position,
 * and its planned outputs that name one are secrets.
 */
export async function previewCreate(inputs: Props): Promise<Props> {
  const ids = secretIdsOf(inputs);
  return wrapIds(await scoped(ids, async () => preview().previewCreate(inputs)), ids);
}

/** What an update answers during a preview, in the scope of its secret CVM ids (previewCreate). */
export async function previewUpdate(olds: Props, news: Props): Promise<Props> {
  const ids = secretIdsOf(news, olds);
  return wrapIds(await scoped(ids, async () => preview().previewUpdate(olds, news)), ids);
}

export async function remove(id: string, props: Props, options?: CallOptions): Promise<void> {
  await scoped(secretIdsOf(props), () => clear().remove(id, props, options));
}

export async function read(id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
  const ids = secretIdsOf(props);
  const result = await scoped(ids, () => refresh().read(id, props));
  return result.props === undefined ? result : { ...result, props: wrapIds(result.props as Props, ids) };
}

/**
 * Runs a method in the scope of `ids`; an error leaves with its message, stack and reasons
 * naming CVMs by position, and the state it carries (a failed rollout) with ids secret.
 */
async function scoped<T>(ids: SecretIds, fn: () => Promise<T>): Promise<T> {
  try {
    return await withSecretIds(ids, fn);
  } catch (error) {
    const e = redactError(error, ids) as { properties?: Props } | undefined;
    if (e && typeof e === "object" && e.properties !== undefined) e.properties = wrapIds(e.properties, ids);
    throw error;
  }
}

/** Outputs with every value that names a secret CVM id in secret wire form (runtime/secret-ids.ts). */
function wrapIds(outs: Props, ids: SecretIds): Props {
  return wrapIdOutputs(outs, ids, ID_OUTPUT_KEYS);
}

function mentions(ids: SecretIds, value: unknown): boolean {
  return !ids.empty && ids.redact(JSON.stringify(value)) !== JSON.stringify(value);
}

function hasLabels(value: unknown): boolean {
  return value !== null && typeof value === "object" && Object.keys(value as object).length > 0;
}
