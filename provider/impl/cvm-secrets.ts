/**
 * The CvmSecrets dynamic provider, loaded at run time by the stub in providers/cvm-secrets.ts.
 *
 * - `check` (preview too): validates every input before any write; keeps the fingerprint key;
 *   computes per-key fingerprints.
 * - `diff` (preview too): pure, no API call — the update plan over fingerprints and per-CVM
 *   truth, never ciphertext; prints one line per resource saying what restarts and why.
 * - `create` / `update`: resolve CVMs, pin or verify the app key, check the compose, encrypt
 *   once per app, roll out in waves; a failure leaves state that says which CVMs are done.
 * - `delete`: clears the env (404 = already gone). `read`: refresh (CVM gone, key changed,
 *   allow-list drift).
 */
import { createHash, randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { CvmInfo, PhalaClient } from "../api/phala-client";
import { validateEnv } from "../core/env-rules";
import { fingerprintEnv } from "../core/fingerprint";
import { type PlanState, planUpdate } from "../core/plan";
import { CvmSecretsError, ErrorCodes } from "../errors";
import {
  type CvmSecretsInputs,
  type CvmSecretsOutputs,
  containsUnknown,
  DEFAULT_MAX_UNAVAILABLE,
  DEFAULT_READY_TIMEOUT_SECONDS,
  envDigest,
  inputsOf,
  UNKNOWN,
} from "./cvm-secrets-state";
import { openJournal } from "./journal";
import { type RolloutTarget, rollOut } from "./rollout";
import { settings } from "./settings";

/**
 * Modules only create/update/delete/read (or an unusual input) need, loaded on first use: the
 * provider process of every `pulumi preview` runs check and diff only, and loading the HTTP
 * client, zod, yaml and the curve libraries up front costs it ≈ 0.2 s (bench/RESULTS.md §2).
 */
const lazy = {
  client: () => require("../api/phala-client") as typeof import("../api/phala-client"),
  compose: () => require("../core/compose-check") as typeof import("../core/compose-check"),
  envelope: () => require("../core/envelope") as typeof import("../core/envelope"),
  kms: () => require("../core/kms-signature") as typeof import("../core/kms-signature"),
  registry: () => require("../core/registry") as typeof import("../core/registry"),
  yaml: () => require("yaml") as typeof import("yaml"),
};

type Failure = { property: string; reason: string };

/** `applied` marker for a CVM that refresh did not find. */
const GONE = "gone";

const SALT = /^[0-9a-f]{64}$/;

// ---------------------------------------------------------------------------------------------
// check

export async function check(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<pulumi.dynamic.CheckResult> {
  const failures: Failure[] = [];
  const inputs: Record<string, unknown> = { ...news };

  const cvms = news.cvms;
  if (!Array.isArray(cvms) && cvms !== UNKNOWN) {
    failures.push({
      property: "cvms",
      reason: "must be a list of CVM ids (cvm_…, app_<hex>, a UUID or a name)",
    });
  } else if (Array.isArray(cvms)) {
    if (cvms.length === 0) failures.push({ property: "cvms", reason: "must name at least one CVM" });
    const seen = new Set<string>();
    cvms.forEach((cvm, i) => {
      if (cvm === UNKNOWN) return;
      if (typeof cvm !== "string" || cvm.trim() === "") {
        failures.push({ property: `cvms[${i}]`, reason: "must be a non-empty CVM id" });
      } else if (seen.has(cvm)) {
        failures.push({ property: `cvms[${i}]`, reason: `"${cvm}" is listed twice; list each CVM once` });
      } else seen.add(cvm);
    });
  }

  const env = news.env;
  const registryEnv = news.registryEnv;
  if (
    env === undefined ||
    env === null ||
    (typeof env !== "object" && env !== UNKNOWN) ||
    Array.isArray(env)
  ) {
    failures.push({ property: "env", reason: "must be a map of variable names to string values" });
  } else if (env !== UNKNOWN) {
    failures.push(
      ...validateEnv(env as Record<string, unknown>, {
        registry: registryEnv !== undefined,
        registryEnv: isRecord(registryEnv) ? (registryEnv as Record<string, unknown>) : undefined,
        unknown: UNKNOWN,
      }),
    );
  }

  if (registryEnv === undefined) failures.push(...stackDefaultFailures());

  const rollout = news.rollout;
  if (rollout !== undefined && rollout !== UNKNOWN) {
    if (!isRecord(rollout)) failures.push({ property: "rollout", reason: "must be an object" });
    else {
      const { maxUnavailable, readyTimeoutSeconds } = rollout as Record<string, unknown>;
      if (maxUnavailable !== undefined && maxUnavailable !== UNKNOWN && !isIntIn(maxUnavailable, 1, 1000)) {
        failures.push({ property: "rollout.maxUnavailable", reason: "must be a whole number of at least 1" });
      }
      if (
        readyTimeoutSeconds !== undefined &&
        readyTimeoutSeconds !== UNKNOWN &&
        !isIntIn(readyTimeoutSeconds, 10, 3600)
      ) {
        failures.push({
          property: "rollout.readyTimeoutSeconds",
          reason: "must be a whole number of seconds between 10 and 3600",
        });
      }
    }
  }

  const mode = news.composeCheck;
  if (mode !== undefined && mode !== UNKNOWN && mode !== "error" && mode !== "warn" && mode !== "off") {
    failures.push({ property: "composeCheck", reason: 'must be "error", "warn" or "off"' });
  }

  const kms = news.kms;
  if (kms !== undefined && kms !== UNKNOWN) {
    const signer = isRecord(kms) ? (kms as Record<string, unknown>).trustedSigner : undefined;
    if (!isRecord(kms)) failures.push({ property: "kms", reason: "must be an object" });
    else if (
      signer !== undefined &&
      signer !== UNKNOWN &&
      (typeof signer !== "string" || !lazy.kms().normalizeSigner(signer))
    ) {
      failures.push({
        property: "kms.trustedSigner",
        reason: "must be a secp256k1 public key in hex (33-byte compressed or 65-byte uncompressed)",
      });
    }
  }

  const tx = news.transactionHash;
  if (tx !== undefined && tx !== UNKNOWN && (typeof tx !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(tx))) {
    failures.push({
      property: "transactionHash",
      reason: "must be a 32-byte transaction hash written 0x + 64 hex digits",
    });
  }

  // The fingerprint key: kept from the previous state, else a fresh random one.
  const salt =
    typeof olds.fingerprintSalt === "string" && SALT.test(olds.fingerprintSalt)
      ? olds.fingerprintSalt
      : typeof news.fingerprintSalt === "string" && SALT.test(news.fingerprintSalt)
        ? news.fingerprintSalt
        : randomBytes(32).toString("hex");
  inputs.fingerprintSalt = salt;

  if (failures.length === 0 && !containsUnknown(env) && !containsUnknown(registryEnv)) {
    inputs.fingerprints = fingerprintEnv(effectiveEnv(news as unknown as CvmSecretsInputs), salt);
  } else {
    delete inputs.fingerprints;
  }
  return failures.length > 0 ? { inputs, failures } : { inputs };
}

// ---------------------------------------------------------------------------------------------
// diff

export async function diff(
  _id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<pulumi.dynamic.DiffResult> {
  const plan = planUpdate(
    planStateOf(olds as unknown as CvmSecretsOutputs),
    desiredOf(news as unknown as CvmSecretsInputs),
  );
  if (plan.changed) {
    const name = typeof news.resourceName === "string" ? news.resourceName : _id;
    // Provider stderr is shown by the CLI as an info line (research/pulumi.md §1.10).
    console.error(`CvmSecrets ${name}: ${plan.summary}`);
  }
  return { changes: plan.changed };
}

// ---------------------------------------------------------------------------------------------
// create / update / delete / read

export async function create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const inputs = raw as unknown as CvmSecretsInputs;
  const id = `cvmsecrets-${randomBytes(8).toString("hex")}`;
  const empty: CvmSecretsOutputs = {
    ...inputs,
    envKeys: [],
    applied: {},
    appIds: {},
    encryptionPublicKeys: {},
    composeHashes: {},
  };
  const outs = await apply(id, empty, inputs, raw.__provider, { creating: true });
  return { id, outs: withoutUndefined(outs) };
}

export async function update(
  id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<pulumi.dynamic.UpdateResult> {
  const outs = await apply(
    id,
    olds as unknown as CvmSecretsOutputs,
    news as unknown as CvmSecretsInputs,
    news.__provider,
    {
      creating: false,
    },
  );
  return { outs: withoutUndefined(outs) };
}

export async function remove(_id: string, props: Record<string, unknown>): Promise<void> {
  const state = props as unknown as CvmSecretsOutputs;
  if (state.retainOnRemove) return;
  const client = apiClient();
  const targets: RolloutTarget[] = [];
  const blobs = new Map<string, string>();
  for (const cvm of state.cvms ?? []) {
    const info = await client.getCvm(cvm).catch(notFoundAsUndefined);
    if (!info) continue; // already gone
    const key = clearingKey(state, info);
    blobs.set(cvm, lazy.envelope().encryptEnv({}, key));
    targets.push({ cvm, reason: "resource deleted: env cleared" });
  }
  const result = await rollOut(targets, maxUnavailable(state), {
    push: (t) =>
      client.patchEnvs(t.cvm, { encryptedEnv: blobs.get(t.cvm)!, envKeys: [] }).then(() => undefined),
    waitReady: (t) => waitReady(client, t.cvm, readyTimeoutMs(state)).then(() => undefined),
  });
  if (result.error) {
    throw new CvmSecretsError(
      ErrorCodes.ROLLOUT_FAILED,
      `clearing the env failed on ${[...result.failed.map((f) => f.cvm), ...result.untouched].join(", ")}: ` +
        `${result.error.message}. Cleared: ${result.done.join(", ") || "none"}. Run \`pulumi destroy\` again.`,
    );
  }
  openJournal(_id).clear();
}

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
  const cleaned = withoutUndefined(refreshed);
  return { id, props: cleaned, inputs: inputsOf(cleaned) };
}

// ---------------------------------------------------------------------------------------------
// the shared create/update path

async function apply(
  id: string,
  old: CvmSecretsOutputs,
  inputs: CvmSecretsInputs,
  providerText: unknown,
  { creating }: { creating: boolean },
): Promise<CvmSecretsOutputs> {
  const client = apiClient();
  const fingerprints = fingerprintEnv(effectiveEnv(inputs), inputs.fingerprintSalt);
  const digest = envDigest(fingerprints);
  const plan = planUpdate(planStateOf(old), desiredOf({ ...inputs, fingerprints }));
  const envKeys = Object.keys(fingerprints).sort();

  const outs: CvmSecretsOutputs = {
    ...old,
    ...inputs,
    fingerprints,
    envKeys,
    applied: { ...old.applied },
    appIds: { ...old.appIds },
    encryptionPublicKeys: { ...old.encryptionPublicKeys },
    composeHashes: { ...old.composeHashes },
  };
  for (const cvm of Object.keys(outs.applied)) if (!inputs.cvms.includes(cvm)) delete outs.applied[cvm];

  // 1. Resolve every CVM we will write to, before any write.
  const writes = plan.writes;
  const infos = new Map<string, CvmInfo>();
  for (const w of writes) {
    const info = await client.getCvm(w.cvm).catch((err) => {
      if (w.action === "clear-env" && isNotFound(err)) return undefined; // removed and already gone
      throw err;
    });
    if (info) infos.set(w.cvm, info);
  }

  // 2. Refuse to take over env set elsewhere, unless adopted.
  if (creating && !inputs.adopt) {
    for (const [cvm, info] of infos) {
      if (info.allowedEnvs && info.allowedEnvs.length > 0) {
        throw new CvmSecretsError(
          ErrorCodes.INVALID_INPUT,
          `CVM ${cvm} already has encrypted env (${info.allowedEnvs.length} allowed keys) set outside this stack; ` +
            "set adopt: true to take it over (its env will be replaced by this resource's env)",
          { cvm },
        );
      }
    }
  }

  // 3. Keys: verify (on-chain KMS), pin, refuse silent changes.
  const keyByApp = new Map<string, string>();
  for (const [cvm, info] of infos) {
    outs.appIds[cvm] = info.appId;
    if (keyByApp.has(info.appId)) continue;
    const live = await trustedKey(client, info, inputs);
    const pinned = old.encryptionPublicKeys?.[info.appId];
    if (pinned && pinned !== live && !inputs.kms?.allowKeyChange) {
      throw keyChangedError(info.appId, pinned, live);
    }
    keyByApp.set(info.appId, live);
    outs.encryptionPublicKeys[info.appId] = live;
  }

  // 4. Compose check against each CVM's live compose, before any write.
  const mode = inputs.composeCheck ?? "error";
  if (mode !== "off") {
    const errors: string[] = [];
    for (const w of writes) {
      const info = infos.get(w.cvm);
      if (!info || w.action !== "push-env") continue;
      const compose = info.composeFile ?? (await client.getComposeFile(w.cvm));
      const findings = lazy.compose().checkCompose(compose, Object.keys(fingerprints));
      const host = inputs.registryHost ?? (inputs.registryEnv ? undefined : stackDefaultRegistry()?.registry);
      if (host) {
        for (const m of lazy.registry().imagesNotOnRegistry(composeImages(compose), host)) {
          console.error(
            `CvmSecrets ${inputs.resourceName ?? id}: warning: ${w.cvm}: image ${m.image} is on ${m.registry}, ` +
              `not on ${host}: the registry credential will not be used to pull it`,
          );
        }
      }
      for (const f of findings.warnings)
        console.error(`CvmSecrets ${inputs.resourceName ?? id}: warning: ${w.cvm}: ${f.message}`);
      for (const f of findings.errors) {
        (mode === "error" ? errors : []).push(`${w.cvm}: ${f.message}`);
        if (mode === "warn")
          console.error(`CvmSecrets ${inputs.resourceName ?? id}: warning: ${w.cvm}: ${f.message}`);
      }
    }
    if (errors.length > 0) {
      throw new CvmSecretsError(
        ErrorCodes.INVALID_INPUT,
        `the env does not fit the CVM's compose (nothing was changed):\n  ${errors.join("\n  ")}\n` +
          'Add the missing keys to env, or set composeCheck: "warn" to push anyway.',
      );
    }
  }

  // 5. Encrypt once per app (the key is per app, research/phala.md §2.1) and roll out.
  const env = effectiveEnv(inputs);
  const sorted = Object.fromEntries(envKeys.map((k) => [k, env[k]!]));
  const blobs = new Map<string, string>();
  const cleared = new Map<string, string>();
  for (const [appId, key] of keyByApp) {
    blobs.set(appId, lazy.envelope().encryptEnv(sorted, key));
    cleared.set(appId, lazy.envelope().encryptEnv({}, key));
  }
  const reasons = new Map(writes.map((w) => [w.cvm, w]));
  const pending: Record<string, string> = { ...old.pendingComposeHashes };
  // CVMs an interrupted run of this update already finished (journal.ts): running, with the
  // new key set allowed and the journal's digest equal to this env's — no second restart.
  const journal = openJournal(id);
  const already = writes.filter((w) => {
    const info = infos.get(w.cvm);
    return (
      w.action === "push-env" &&
      info !== undefined &&
      journal.digestOf(w.cvm) === digest &&
      info.status === "running" &&
      !info.inProgress &&
      info.allowedEnvs !== undefined &&
      sameSet(info.allowedEnvs, new Set(envKeys))
    );
  });
  for (const w of already) {
    outs.applied[w.cvm] = digest;
    console.error(
      `CvmSecrets ${inputs.resourceName ?? id}: ${w.cvm} already runs this env (an interrupted run finished it); not restarted`,
    );
  }
  const targets: RolloutTarget[] = writes
    .filter((w) => infos.has(w.cvm) && !already.includes(w))
    .map((w) => ({ cvm: w.cvm, reason: plan.summary }));
  const timeoutMs = readyTimeoutMs(inputs);
  const result = await rollOut(targets, maxUnavailable(inputs), {
    push: async (t) => {
      const write = reasons.get(t.cvm)!;
      const info = infos.get(t.cvm)!;
      const clearing = write.action === "clear-env";
      await client.patchEnvs(t.cvm, {
        encryptedEnv: (clearing ? cleared : blobs).get(info.appId)!,
        envKeys: clearing ? [] : write.sendEnvKeys || creating ? envKeys : undefined,
        // Phase 2 of the on-chain flow (research/phala.md §3.6.2): the hash named by the 465.
        ...(inputs.transactionHash && pending[info.appId]
          ? { composeHash: pending[info.appId], transactionHash: inputs.transactionHash }
          : {}),
      });
    },
    waitReady: async (t) => {
      const ready = await waitReady(client, t.cvm, timeoutMs);
      if (ready.composeHash) outs.composeHashes[t.cvm] = ready.composeHash;
      if (reasons.get(t.cvm)?.action === "push-env") journal.record(t.cvm, digest);
      else journal.forget(t.cvm);
    },
  });

  for (const cvm of result.done) {
    const write = reasons.get(cvm)!;
    if (write.action === "clear-env") {
      delete outs.applied[cvm];
      delete outs.composeHashes[cvm];
      delete outs.appIds[cvm];
    } else outs.applied[cvm] = digest;
  }
  for (const f of result.failed) delete outs.applied[f.cvm]; // pushed, but not known to run with it
  for (const cvm of result.done) {
    const app = infos.get(cvm)?.appId;
    if (app) delete pending[app];
  }
  if (
    result.error instanceof CvmSecretsError &&
    result.error.code === ErrorCodes.HASH_REGISTRATION_REQUIRED
  ) {
    const cvm = result.untouched.find((c) => infos.has(c));
    const hash = result.error.details.composeHash;
    const app =
      typeof result.error.details.appId === "string" && result.error.details.appId !== ""
        ? result.error.details.appId
        : cvm
          ? infos.get(cvm)?.appId
          : undefined;
    if (app && typeof hash === "string" && hash !== "") pending[app] = hash;
  }
  outs.pendingComposeHashes = Object.keys(pending).length > 0 ? pending : undefined;
  if (result.done.length > 0 || result.failed.length > 0) {
    outs.lastRollout = {
      at: new Date().toISOString(),
      restarted: [...result.done, ...result.failed.map((f) => f.cvm)],
      reason: plan.summary,
    };
  }
  outs.observedEncryptionPublicKeys = undefined;

  if (result.error) {
    const done = result.done.join(", ") || "none";
    const notDone = [...result.failed.map((f) => f.cvm), ...result.untouched].join(", ");
    const error = new CvmSecretsError(
      isHashRegistration(result.error) ? ErrorCodes.HASH_REGISTRATION_REQUIRED : ErrorCodes.ROLLOUT_FAILED,
      `${result.error.message}\nRollout stopped. Done (running with the new env): ${done}. Not done: ${notDone}. ` +
        "Fix the cause and run `pulumi up` again: it continues with the CVMs not done and does not restart the others.",
    ) as CvmSecretsError & { id?: string; properties?: Record<string, unknown>; reasons?: string[] };
    // The engine keeps this state (ErrorResourceInitFailed), so it tells the truth next time.
    error.id = id;
    error.properties = { ...withoutUndefined(outs), __provider: providerText };
    // Without reasons the CLI prints only "resource init failed".
    error.reasons = [error.message];
    throw error;
  }
  return outs;
}

// ---------------------------------------------------------------------------------------------
// helpers

/** The env the CVM sees: the user's env plus the registry variables (or the stack default). */
export function effectiveEnv(inputs: Pick<CvmSecretsInputs, "env" | "registryEnv">): Record<string, string> {
  const registry = inputs.registryEnv ?? stackDefaultRegistry()?.env;
  return { ...(inputs.env ?? {}), ...(registry ?? {}) };
}

/** The stack-wide default credential's variables (DESIGN.md §3), normalised; undefined if unset. */
function stackDefaultRegistry(): { registry: string; env: Record<string, string> } | undefined {
  const fallback = settings().defaultRegistry;
  if (!fallback) return undefined;
  const result = lazy.registry().defaultRegistryEnv(fallback);
  if (!result.ok) {
    // Reported by check with the config key and the rule; never used unvalidated.
    return undefined;
  }
  return { registry: result.registry, env: result.env };
}

/** Failures of the stack-wide default credential, for `check`. */
function stackDefaultFailures(): Failure[] {
  const fallback = settings().defaultRegistry;
  if (!fallback) return [];
  const result = lazy.registry().defaultRegistryEnv(fallback);
  return result.ok ? [] : result.failures;
}

/** Image references of every service in an app-compose (for the registry host warning). */
function composeImages(appCompose: unknown): string[] {
  const yaml = (appCompose as { docker_compose_file?: unknown } | undefined)?.docker_compose_file;
  if (typeof yaml !== "string") return [];
  try {
    const doc = lazy.yaml().parse(yaml) as { services?: Record<string, { image?: unknown }> } | null;
    return Object.values(doc?.services ?? {})
      .map((service) => service?.image)
      .filter((image): image is string => typeof image === "string" && !image.includes("$"));
  } catch {
    return [];
  }
}

function planStateOf(old: CvmSecretsOutputs): PlanState {
  return {
    cvms: old.cvms ?? [],
    fingerprints: old.fingerprints ?? {},
    applied: old.applied ?? {},
    appIds: old.appIds ?? {},
    encryptionKeys: old.encryptionPublicKeys ?? {},
    observedKeys: old.observedEncryptionPublicKeys ?? {},
    allowKeyChange: old.kms?.allowKeyChange === true,
    retainOnRemove: old.retainOnRemove === true,
    rollout: old.rollout,
    composeCheck: old.composeCheck,
  };
}

function desiredOf(news: CvmSecretsInputs): PlanState {
  return {
    cvms: Array.isArray(news.cvms) ? news.cvms : [],
    fingerprints: news.fingerprints ?? {},
    unknown: news.fingerprints === undefined || containsUnknown(news.cvms),
    unknownInput:
      containsUnknown(news.registryEnv) && !containsUnknown(news.env) && !containsUnknown(news.cvms)
        ? "the registry credential"
        : undefined,
    applied: {},
    encryptionKeys: {},
    observedKeys: {},
    allowKeyChange: news.kms?.allowKeyChange === true,
    retainOnRemove: news.retainOnRemove === true,
    rollout: news.rollout,
    composeCheck: news.composeCheck,
  };
}

function apiClient(): PhalaClient {
  const s = settings();
  if (!s.apiKey) {
    throw new CvmSecretsError(
      ErrorCodes.CONFIGURATION,
      "no Phala Cloud API key: set it with `pulumi config set --secret cvm-secrets:apiKey <key>` " +
        "or the PHALA_CLOUD_API_KEY environment variable",
    );
  }
  return lazy.client().phalaClient({ baseUrl: s.apiUrl, apiKey: s.apiKey });
}

/** The app's encryption key, verified against the KMS signer for on-chain KMS apps. */
async function trustedKey(client: PhalaClient, info: CvmInfo, inputs: CvmSecretsInputs): Promise<string> {
  const key = info.encryptionPublicKey;
  if (!key) {
    throw new CvmSecretsError(
      ErrorCodes.API_ERROR,
      `the API reports no env-encryption key for the app of ${info.name}: is KMS enabled for it?`,
    );
  }
  if (!info.kms.onChain && !inputs.kms?.trustedSigner) return key;
  const signer = inputs.kms?.trustedSigner ?? info.kms.k256Pubkey;
  if (!signer) {
    throw new CvmSecretsError(
      ErrorCodes.UNTRUSTED_KEY,
      `app ${info.appId}: the KMS signer is unknown (no kms_info.k256_pubkey); set kms.trustedSigner`,
    );
  }
  const signed = await client.getKmsPubkey(info.kms.slug ?? info.kms.id ?? "", info.appId);
  const verdict = lazy.kms().verifyKeySignature({
    appId: info.appId,
    publicKey: signed.publicKey,
    signature: signed.signature,
    trustedSigner: signer,
  });
  if (!verdict.ok) {
    throw new CvmSecretsError(
      ErrorCodes.UNTRUSTED_KEY,
      `app ${info.appId}: the env-encryption key is not signed by the trusted KMS signer (${verdict.reason}: ${verdict.message}); nothing was sent`,
      { appId: info.appId, reason: verdict.reason },
    );
  }
  if (signed.publicKey.replace(/^0x/i, "").toLowerCase() !== key.toLowerCase()) {
    throw new CvmSecretsError(
      ErrorCodes.UNTRUSTED_KEY,
      `app ${info.appId}: the CVM's encryption key differs from the KMS-signed key; nothing was sent`,
      { appId: info.appId },
    );
  }
  return key;
}

function keyChangedError(appId: string, pinned: string, live: string): CvmSecretsError {
  const fp = (k: string): string => createHash("sha256").update(k).digest("hex").slice(0, 16);
  return new CvmSecretsError(
    ErrorCodes.KEY_CHANGED,
    `app ${appId}: the env-encryption key on the server changed (pinned ${fp(pinned)}, now ${fp(live)}); nothing was sent. ` +
      "If the app was re-keyed on purpose, set kms: { allowKeyChange: true } for one `pulumi up`; otherwise treat the API as untrusted.",
    { appId, pinned: fp(pinned), live: fp(live) },
  );
}

/**
 * The key to encrypt an empty env to when clearing: the live one. An empty env carries no
 * secret, so a re-keyed (even untrusted) app can be cleared without risk, and the guest can
 * only decrypt with its current key.
 */
function clearingKey(state: CvmSecretsOutputs, info: CvmInfo): string {
  return info.encryptionPublicKey ?? state.encryptionPublicKeys?.[info.appId] ?? "";
}

async function waitReady(
  client: PhalaClient,
  cvm: string,
  timeoutMs: number,
): Promise<{ composeHash?: string }> {
  return client.waitReady(cvm, timeoutMs);
}

function maxUnavailable(x: { rollout?: { maxUnavailable?: number } }): number {
  return x.rollout?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE;
}

function readyTimeoutMs(x: { rollout?: { readyTimeoutSeconds?: number } }): number {
  return (x.rollout?.readyTimeoutSeconds ?? DEFAULT_READY_TIMEOUT_SECONDS) * 1000;
}

function isRecord(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isIntIn(value: unknown, min: number, max: number): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function sameSet(a: readonly string[], b: ReadonlySet<string>): boolean {
  return a.length === b.size && a.every((k) => b.has(k));
}

function isNotFound(err: unknown): boolean {
  return err instanceof CvmSecretsError && err.details.status === 404;
}

function notFoundAsUndefined(err: unknown): undefined {
  if (isNotFound(err)) return undefined;
  throw err;
}

function isHashRegistration(err: Error): boolean {
  return err instanceof CvmSecretsError && err.code === ErrorCodes.HASH_REGISTRATION_REQUIRED;
}

/**
 * The engine's gRPC Struct cannot carry `undefined` ("Unexpected struct type"): drop such keys,
 * recursively, from anything returned to it.
 */
function withoutUndefined(value: object): Record<string, unknown> {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(
        Object.entries(v)
          .filter(([, x]) => x !== undefined)
          .map(([k, x]) => [k, strip(x)]),
      );
    }
    return v;
  };
  return strip(value) as Record<string, unknown>;
}
