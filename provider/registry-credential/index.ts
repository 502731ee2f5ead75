/**
 * The RegistryCredential dynamic provider, loaded at run time by the stub in
 * dynamic/registry-credential-stub.ts (docs/installation-configuration.md).
 *
 * - `check` (preview too): validates the credential per type and `verify.image`; every failure
 *   names the input and the rule, never a value. No network.
 * - `diff` (preview too): pure; changes when the credential renders differently, `verify`
 *   changes, or a minted ECR token is expired or within an hour of expiry.
 * - `create` / `update`: ECR `GetAuthorizationToken` only when `mintEcrToken` asks for the
 *   token-bearing outputs (a CVM logs in with `DSTACK_AWS_*` itself, so `cvmEnv` needs no AWS
 *   call), then `verify` against the registry (never in preview; it mints its own ECR token),
 *   then the outputs.
 * - `delete`: nothing remote to remove. `read`: state as is.
 *
 * Outputs carry no secret input's value: the SDK logs every output of a resource at debug level
 * (`RegisterResource RPC finished`), secret or not. The credential renderings (`cvmEnv`,
 * `dockerConfigJson`, `akashCredentials`) are built on the program side from the secret inputs
 * (dynamic/registry-credential.ts); the provider returns only what it alone can produce — the
 * ECR token, marked secret — and `credentialVersion`, a change token computed by `check` from
 * no value (core/fingerprint.ts), by which `diff` tells that the credential changed.
 */
import { randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { getAuthorizationToken, needsRefresh } from "../api/ecr";
import { verifyPull } from "../api/registry/verify";
import { nextFingerprint } from "../core/fingerprint";
import { imageMatchesRegistry, parseImageRef } from "../core/image-ref";
import {
  type Credential,
  cvmEnv,
  normaliseRegistryType,
  type RegistryToken,
  type ValidationFailure,
  validateCredential,
} from "../core/registry/index";
import { CvmSecretsError, ErrorCodes, isCvmSecretsError } from "../errors";
import { about, notice } from "../runtime/engine-log";
import { withPathInReason } from "../runtime/failures";
import { containsUnknown, secretWire, UNKNOWN } from "../runtime/wire";
import { OUTPUT_KEYS, RESOURCE_KEYS } from "./properties";

/** `verify` input. */
export interface VerifyInput {
  /** Image to HEAD at create/update, e.g. `ghcr.io/org/app:1`; without it, the login only. */
  image?: string;
  /** Skip the live check. */
  skip?: boolean;
  /** Plain http for loopback registries (tests, local mirrors). */
  allowInsecureLoopback?: boolean;
  /** Per-request timeout, default 15. */
  timeoutSeconds?: number;
}

/** Outputs of a RegistryCredential: none holds a secret input's value. */
export interface RegistryCredentialOutputs {
  resourceName?: string;
  type: string;
  verify?: VerifyInput;
  /** Normalised registry host (`docker.io` for Docker Hub). */
  registry: string;
  insecureRegistry?: boolean;
  /** Change token of the credential (moves exactly when the credential renders differently). */
  credentialVersion?: string;
  mintEcrToken?: boolean;
  /** ECR with `mintEcrToken` only: the registry token from GetAuthorizationToken, as a secret. */
  ecrToken?: { value: RegistryToken } | null;
  verifiedAt?: string;
  verifiedDigest?: string;
  expiresAt?: string;
  /** State written by 0.1 also held the renderings and the credential inputs. */
  [key: string]: unknown;
}

function credentialInputs(props: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) {
    if (k.startsWith("__")) continue;
    if ((RESOURCE_KEYS as readonly string[]).includes(k) || (OUTPUT_KEYS as readonly string[]).includes(k))
      continue;
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function verifyFailures(verify: unknown, credential: Credential | undefined): ValidationFailure[] {
  if (verify === undefined || verify === UNKNOWN) return [];
  if (verify === null || typeof verify !== "object" || Array.isArray(verify)) {
    return [
      {
        property: "verify",
        reason: "must be an object {image?, skip?, allowInsecureLoopback?, timeoutSeconds?}",
      },
    ];
  }
  const failures: ValidationFailure[] = [];
  const v = verify as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!["image", "skip", "allowInsecureLoopback", "timeoutSeconds"].includes(key)) {
      failures.push({ property: `verify.${key}`, reason: "is not an input of verify" });
    }
  }
  for (const key of ["skip", "allowInsecureLoopback"]) {
    if (v[key] !== undefined && v[key] !== UNKNOWN && typeof v[key] !== "boolean") {
      failures.push({ property: `verify.${key}`, reason: "must be a boolean" });
    }
  }
  const t = v.timeoutSeconds;
  if (
    t !== undefined &&
    t !== UNKNOWN &&
    (typeof t !== "number" || !Number.isInteger(t) || t < 1 || t > 300)
  ) {
    failures.push({ property: "verify.timeoutSeconds", reason: "must be an integer from 1 to 300" });
  }
  const image = v.image;
  if (image !== undefined && image !== UNKNOWN) {
    if (typeof image !== "string") {
      failures.push({ property: "verify.image", reason: "must be an image reference string" });
    } else {
      try {
        const ref = parseImageRef(image, "verify.image");
        if (credential && credential.type !== "public" && !imageMatchesRegistry(ref, credential.registry)) {
          failures.push({
            property: "verify.image",
            reason: `is on ${ref.registry} but the credential is for ${credential.registry}: the credential would not be used to pull it`,
          });
        }
      } catch (error) {
        if (!isCvmSecretsError(error)) throw error;
        failures.push({ property: "verify.image", reason: error.message.replace(/^verify\.image: /, "") });
      }
    }
  }
  return failures;
}

/** Validates the inputs at preview: per-type schema and `verify`. No network. */
export async function check(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<pulumi.dynamic.CheckResult> {
  const inputs: Record<string, unknown> = { ...news };
  for (const key of OUTPUT_KEYS) delete inputs[key];
  const cred = credentialInputs(news);
  let credential: Credential | undefined;
  const failures: ValidationFailure[] = [];
  if (containsUnknown(cred)) {
    // Preview with values not known yet: check only the type name.
    if (cred.type !== UNKNOWN && normaliseRegistryType(cred.type) === undefined) {
      failures.push({
        property: "type",
        reason: "must be one of dockerhub, ghcr, ecr, acr, gcr, gar, quay, gitlab, custom, public",
      });
    }
  } else {
    const r = validate(news);
    if (r.ok) {
      credential = r.credential;
      // Normalise the registry input to the output's bare host, so the engine's own diff of
      // inputs and the preview show no change for a mere respelling (`https://ghcr.io/`).
      if (credential.type !== "ecr") {
        inputs.registry = credential.registry;
        if (credential.insecure) inputs.insecureRegistry = true;
        else delete inputs.insecureRegistry;
      }
    } else failures.push(...r.failures);
  }
  if (credential) inputs.credentialVersion = credentialVersion(olds, news, credential);
  failures.push(...verifyFailures(news.verify, credential));
  return failures.length > 0 ? { inputs, failures: withPathInReason(failures) } : { inputs };
}

/**
 * The credential's change token: the previous one while the credential (as the old inputs,
 * which hold it in plaintext, render it) is unchanged, else the next of the chain.
 */
function credentialVersion(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  credential: Credential,
): string {
  const name = typeof news.resourceName === "string" ? news.resourceName : "";
  const previous = typeof olds.credentialVersion === "string" ? olds.credentialVersion : undefined;
  const old = Object.keys(credentialInputs(olds)).length > 0 ? validate(olds) : undefined;
  const same = old?.ok === true && sameJson(renderingKey(old.credential), renderingKey(credential));
  return same && previous !== undefined ? previous : nextFingerprint(name, "credential", previous);
}

/** What identifies a credential: everything its renderings depend on. */
function renderingKey(c: Credential): unknown {
  return { type: c.type, registry: c.registry, insecure: c.insecure, env: cvmEnv(c) };
}

function mustValidate(props: Record<string, unknown>): Credential {
  const r = validate(props);
  if (!r.ok) {
    const text = r.failures.map((f) => `${f.property}: ${f.reason}`).join("; ");
    throw new CvmSecretsError(ErrorCodes.INVALID_INPUT, `RegistryCredential: ${text}`, {
      properties: r.failures.map((f) => f.property),
    });
  }
  return r.credential;
}

// The engine hands back state with sorted keys: compare canonically.
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a ?? null)) === JSON.stringify(canonical(b ?? null));
}

/**
 * Validates the credential inputs; `insecureRegistry` (set by `check` when the user wrote
 * `http://`) survives the normalisation of `registry` to a bare host.
 */
function validate(props: Record<string, unknown>): ReturnType<typeof validateCredential> {
  const r = validateCredential(credentialInputs(props));
  if (r.ok && props.insecureRegistry === true && r.credential.type !== "ecr") r.credential.insecure = true;
  return r;
}

/**
 * Decides whether to update (preview too, no network): the rendered credential, `verify` or
 * the registry changed, or an ECR token must be refreshed (expired or within an hour).
 */
export async function diff(
  id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<pulumi.dynamic.DiffResult> {
  const old = olds as RegistryCredentialOutputs;
  const name = typeof news.resourceName === "string" ? news.resourceName : id;
  const cred = credentialInputs(news);
  const changed: string[] = [];
  if (containsUnknown(cred) || containsUnknown(news.verify)) {
    return { changes: true };
  }
  const r = validate(news);
  if (!r.ok) return { changes: true };
  const c = r.credential;
  if (normaliseRegistryType(old.type) !== c.type) changed.push("type");
  if (old.registry !== c.registry || Boolean(old.insecureRegistry) !== c.insecure) changed.push("registry");
  if (old.credentialVersion === undefined) {
    // State from 0.1 holds the credential in its outputs, which the engine hands back to the
    // program (and its debug log) on every run: rewrite it.
    changed.push("outputs from an earlier version (rewritten without credentials)");
  } else if (old.credentialVersion !== news.credentialVersion) changed.push("credential");
  if (!sameJson(old.verify, news.verify)) changed.push("verify");
  if (Boolean(old.mintEcrToken) !== Boolean(news.mintEcrToken)) changed.push("mintEcrToken");
  if (c.type === "ecr" && news.mintEcrToken === true && needsRefresh(old.expiresAt)) {
    changed.push("ecr token");
    // Provider stderr is shown by the CLI as an info line (the Pulumi CLI's display of provider stderr).
    notice(
      about(
        "RegistryCredential",
        name,
        `the ECR token ${old.expiresAt ? `expires at ${old.expiresAt}` : "is missing"}; it will be refreshed`,
      ),
    );
  }
  if (changed.length > 0 && !changed.includes("ecr token")) {
    notice(about("RegistryCredential", name, `${changed.join(", ")} changed`));
  }
  return { changes: changed.length > 0 };
}

async function build(props: Record<string, unknown>): Promise<RegistryCredentialOutputs> {
  const credential = mustValidate(props);
  const verify = (props.verify ?? {}) as VerifyInput;
  let token: RegistryToken | undefined;
  let expiresAt: string | undefined;
  if (credential.type === "ecr" && props.mintEcrToken === true) {
    const t = await getAuthorizationToken({
      accessKeyId: credential.accessKeyId,
      secretAccessKey: credential.secretAccessKey,
      sessionToken: credential.sessionToken,
      region: credential.region,
      endpoint: credential.endpoint,
      timeoutMs: (verify.timeoutSeconds ?? 15) * 1000,
    });
    token = { username: t.username, password: t.password };
    expiresAt = t.expiresAt;
  }
  const outs: RegistryCredentialOutputs = {
    ...(props.resourceName === undefined ? {} : { resourceName: props.resourceName as string }),
    type: String(props.type),
    ...(props.verify === undefined ? {} : { verify: props.verify as VerifyInput }),
    ...(props.mintEcrToken === true ? { mintEcrToken: true } : {}),
    registry: credential.registry,
    insecureRegistry: credential.insecure,
    ...(typeof props.credentialVersion === "string" ? { credentialVersion: props.credentialVersion } : {}),
  };
  // Always present (null without ECR): during preview the SDK takes an absent output as unknown,
  // which would make the program-side renderings unknown too.
  outs.ecrToken = token ? secretWire(token) : null;
  if (expiresAt) outs.expiresAt = expiresAt;
  if (props.verify !== undefined && props.verify !== null && !verify.skip) {
    // With an image: pull access to it; without: the login alone (the registry v2 token auth flow).
    const result = await verifyPull({
      ...(verify.image ? { image: verify.image } : {}),
      credential,
      timeoutMs: (verify.timeoutSeconds ?? 15) * 1000,
      allowInsecureLoopback: verify.allowInsecureLoopback === true,
    });
    if (!result.ok) {
      throw new CvmSecretsError(
        ErrorCodes.REGISTRY_CHECK_FAILED,
        `RegistryCredential verify (${result.kind}) for ${verify.image ?? credential.registry}: ${result.message}`,
        { kind: result.kind, image: verify.image, registry: credential.registry },
      );
    }
    outs.verifiedAt = new Date().toISOString();
    if (result.digest) outs.verifiedDigest = result.digest;
  }
  return outs;
}

/** Creates: ECR token, verify, outputs. */
export async function create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const outs = await build(inputs);
  return { id: `registrycredential-${randomBytes(8).toString("hex")}`, outs };
}

/** Updates: same as create, keeping the id. */
export async function update(
  _id: string,
  _olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<pulumi.dynamic.UpdateResult> {
  return { outs: await build(news) };
}

/** Nothing to remove remotely: a registry credential lives only in state. */
export async function remove(_id: string, _props: Record<string, unknown>): Promise<void> {}

/**
 * Refresh keeps the state as is (a registry cannot be asked for a credential). No `inputs`:
 * the engine keeps the previous ones (the credential among them), which outputs never carry.
 */
export async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
  return { id, props };
}
