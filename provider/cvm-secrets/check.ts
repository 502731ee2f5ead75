/**
 * `check` (preview too): validates every input before any write and carries the per-key
 * fingerprints (core/fingerprint.ts) over from the previous inputs, which the diff and the
 * preview show.
 */
import type * as pulumi from "@pulumi/pulumi";
import { describeDelete } from "../core/announce";
import { validateEnv } from "../core/env-rules";
import { carryFingerprints, nextGeneration } from "../core/fingerprint";
import { checkFields } from "../core/input-shape";
import { isRecord } from "../core/is-record";
import { apiClient } from "../runtime/api-client";
import { warnOnce } from "../runtime/engine-log";
import { withPathInReason } from "../runtime/failures";
import { settings } from "../runtime/settings";
import { containsUnknown, UNKNOWN } from "../runtime/wire";
import { announceCreate, lifecycleFacts } from "./create-notice";
import { INPUT_SCHEMA } from "./input-schema";
import { migrate } from "./migrate";
import { LEGACY_KEYS } from "./properties";
import { duplicateForms, duplicateMessage, resolveForms, unresolvedForms } from "./steps/identity";
import { type Failure, stackDefaultFailures, stackDefaultRegistry } from "./steps/registry-env";

export async function check(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<pulumi.dynamic.CheckResult> {
  const inputs: Record<string, unknown> = { ...news };

  // Each input's own shape (input-schema.ts), then what depends on more than one.
  const failures: Failure[] = checkFields(INPUT_SCHEMA, news, UNKNOWN);

  const cvms = news.cvms;
  if (Array.isArray(cvms)) {
    // Identity (identity.ts): every form resolved to its CVM (a request only for a form not
    // seen before); two forms of one CVM are refused, by list position (an id may be secret).
    const named = cvms.flatMap((c, i) =>
      typeof c === "string" && c !== UNKNOWN && c.trim() !== "" ? [{ form: c, at: i }] : [],
    );
    const forms = named.map((n) => n.form);
    const ids = await lookUp(
      forms,
      isRecord(olds.cvmIds) ? (olds.cvmIds as Record<string, string>) : undefined,
    );
    for (const d of duplicateForms(forms, ids)) {
      failures.push({
        property: `cvms[${named[d.index]!.at}]`,
        reason: duplicateMessage(d, named[d.firstIndex]!.at),
      });
    }
    if (Object.keys(ids).length > 0) inputs.cvmIds = ids;
    else delete inputs.cvmIds;
  }

  const env = news.env;
  const registryEnv = news.registryEnv;
  if (isRecord(env)) {
    failures.push(
      ...validateEnv(env as Record<string, unknown>, {
        registry: registryEnv !== undefined,
        registryEnv: isRecord(registryEnv) ? (registryEnv as Record<string, unknown>) : undefined,
        unknown: UNKNOWN,
      }),
    );
  }

  if (registryEnv === undefined) failures.push(...stackDefaultFailures());

  // The stack-wide default credential's variables, kept in the (secret) inputs so that the
  // next check can tell whether they changed.
  const fallback = registryEnv === undefined ? stackDefaultRegistry()?.env : undefined;
  if (fallback !== undefined) inputs.defaultRegistryEnv = fallback;
  else delete inputs.defaultRegistryEnv;
  for (const key of LEGACY_KEYS) delete inputs[key]; // read once (migrate.ts), never kept again

  if (failures.length === 0 && !containsUnknown(env) && !containsUnknown(registryEnv)) {
    const effective = {
      ...(env as Record<string, string>),
      ...((registryEnv ?? fallback ?? {}) as Record<string, string>),
    };
    const oldEnv = isRecord(olds.env) ? (olds.env as Record<string, unknown>) : undefined;
    const oldRegistry = olds.registryEnv ?? olds.defaultRegistryEnv;
    const previous = {
      env:
        oldEnv === undefined
          ? undefined
          : { ...oldEnv, ...(isRecord(oldRegistry) ? (oldRegistry as Record<string, unknown>) : {}) },
      fingerprints: isRecord(olds.fingerprints) ? (olds.fingerprints as Record<string, unknown>) : undefined,
      legacySalt: migrate(olds).legacySalt,
      generation: olds.fingerprintGeneration,
    };
    inputs.fingerprints = carryFingerprints(resourceNameOf(news), effective, previous);
    inputs.fingerprintGeneration = nextGeneration(previous, inputs.fingerprints as Record<string, string>);
  } else if (failures.length === 0 && !containsUnknown(env) && isRecord(olds.fingerprints)) {
    // Only the registry credential is unknown (it is being updated in the same preview): the app
    // keys keep or move their tokens as at apply, and the registry keys the CVMs carried show as
    // known only at apply — not as every key removed.
    inputs.fingerprints = pendingRegistryFingerprints(
      resourceNameOf(news),
      env as Record<string, string>,
      olds,
    );
    inputs.fingerprintGeneration = UNKNOWN;
  } else {
    delete inputs.fingerprints;
    delete inputs.fingerprintGeneration;
  }
  if (failures.length > 0) {
    delete inputs.onDelete;
    return { inputs, failures: withPathInReason(failures) };
  }
  // What a create and a delete will do, said before they run (core/announce.ts): the engine calls
  // no create during a preview and no provider method at all for a delete until it runs.
  const facts = lifecycleFacts(news, inputs.cvmIds as Record<string, string> | undefined);
  const { cvms: refs, maxUnavailable: max, retainOnRemove: retain } = facts;
  inputs.onDelete =
    refs === undefined || max === "unknown" || retain === "unknown"
      ? UNKNOWN
      : describeDelete({ cvms: refs, maxUnavailable: max, retainOnRemove: retain });
  // A replacement's create (`up --replace`) is checked like a new resource (empty olds).
  if (isNew(olds)) await announceCreate(resourceNameOf(news), facts, "check");
  return { inputs };
}

/** How long the look-ups of one check may take in all: a preview waits no longer for the API. */
export const CHECK_READS_MS = 30_000;

/** What a check without an API key says, once per run, about what it did not look up. */
export const NO_KEY_NOTE =
  "no Phala Cloud API key (cvm-secrets:apiKey or PHALA_CLOUD_API_KEY): the CVMs in `cvms` were not looked up, " +
  "so whether they exist, whether the API accepts a key and whether it is reachable was not checked; " +
  "`pulumi up` needs the key and checks all three before any write";

/**
 * The CVM of every form not resolved before (`GET /cvms/{id}`, read only, within
 * {@link CHECK_READS_MS}): one that is not found, a refused key or an API that does not answer
 * fails the check with the error `up` would raise (identity.ts), so a preview is not green when
 * the `up` it stands for would fail. Without an API key nothing is looked up: the run says so
 * once ({@link NO_KEY_NOTE}) and the check goes on with the forms resolved before.
 */
async function lookUp(
  forms: readonly string[],
  known: Record<string, string> | undefined,
): Promise<Record<string, string>> {
  if (unresolvedForms(forms, known).length > 0 && !settings().apiKey) {
    warnOnce("no-api-key", NO_KEY_NOTE);
    return Object.fromEntries(forms.flatMap((f) => (known?.[f] === undefined ? [] : [[f, known[f]]])));
  }
  const client = () =>
    apiClient(Date.now() + CHECK_READS_MS, `the check's ${CHECK_READS_MS / 1000} s for API reads`);
  return resolveForms(client, forms, known);
}

/** A create: the engine passes no previous inputs. */
function isNew(olds: Record<string, unknown>): boolean {
  return Object.keys(olds).every((key) => key === "__provider");
}

/** Registry variables: set by a registry credential, never by hand next to one. */
const REGISTRY_KEY = /^DSTACK_(DOCKER|AWS)_/;

/**
 * The fingerprints a preview can show while the registry credential's variables are unknown:
 * the app keys' tokens (the same ones apply computes), and the registry keys of the previous
 * env as unknown.
 */
function pendingRegistryFingerprints(
  resource: string,
  env: Record<string, string>,
  olds: Record<string, unknown>,
): Record<string, string> {
  const oldTokens = olds.fingerprints as Record<string, unknown>;
  const oldEnv = isRecord(olds.env) ? (olds.env as Record<string, unknown>) : undefined;
  const app = carryFingerprints(resource, env, {
    env: oldEnv,
    fingerprints: oldTokens,
    legacySalt: migrate(olds).legacySalt,
    generation: olds.fingerprintGeneration,
  });
  const registry = Object.keys(oldTokens).filter((k) => REGISTRY_KEY.test(k) && !(k in env));
  return { ...app, ...Object.fromEntries(registry.map((k) => [k, UNKNOWN])) };
}

function resourceNameOf(news: Record<string, unknown>): string {
  return typeof news.resourceName === "string" ? news.resourceName : "";
}
