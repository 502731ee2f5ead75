/**
 * `CvmSecrets`: the encrypted environment of one CVM or of a set of replicas, on Phala Cloud.
 */
import * as pulumi from "@pulumi/pulumi";
import { registrationStackLimit } from "./registration-stacks";
// The SDK's debug log must not print this resource's inputs (sdk-debug-log.ts).
import "../sdk-debug-log";
import { DECLARED_OUTPUTS, INTERNAL_KEYS } from "../cvm-secrets/properties";
import { CvmSecretsError, ErrorCodes } from "../errors";
import { toStored } from "../runtime/internal-keys";
import { cvmSecretsProvider } from "./cvm-secrets-stub";
import { OwnerKey, ownerKeyInput } from "./owner-key";
import { warnPlainCredentials } from "./plain-credentials";
import { registeredProperties } from "./registered-properties";

/** How replicas are restarted when what they see changes (docs/restarts-and-ownership.md). */
export interface RolloutArgs {
  /** How many CVMs may restart at the same time: an integer from 1 to 1000. Default 1. */
  maxUnavailable?: pulumi.Input<number>;
  /**
   * How long one CVM may take to be `running` again after its env is pushed, in seconds: an
   * integer from 10 to 3600. Default 600.
   */
  readyTimeoutSeconds?: pulumi.Input<number>;
}

/** Trust in the app's env-encryption key (docs/security.md). */
export interface KmsArgs {
  /**
   * For on-chain KMS apps: the secp256k1 public key (hex) that must have signed the app's
   * encryption key. Defaults to the KMS `k256_pubkey` reported by the API.
   */
  trustedSigner?: pulumi.Input<string>;
  /**
   * Accept a change of the app's encryption key on the server. Off by default: the first key
   * seen is pinned in state and a different key is refused with both fingerprints, because an
   * API that swaps the key could otherwise obtain a ciphertext it can read.
   */
  allowKeyChange?: pulumi.Input<boolean>;
  /**
   * For on-chain KMS apps: the JSON-RPC URL of the chain of this resource's apps, over
   * `cvm-secrets:rpcUrls`. With an RPC URL for its chain, an app's KMS signer is read from the
   * KMS contract on chain (`kmsInfo()` at the finalized block), never from the API, and the app
   * must be registered there. Secret. An RPC URL often carries an API key, so the classes wrap
   * it with `pulumi.secret` (the plugin marks `kms` secret when it holds one), and messages,
   * previews and the `trust` report print its origin only.
   */
  rpcUrl?: pulumi.Input<string>;
  /**
   * For on-chain KMS apps: the KMS contract address to trust (0x + 40 hex digits), over
   * `cvm-secrets:kmsContracts` and Phala's documented contracts. A CVM whose KMS contract, as
   * the API reports it, differs is refused before anything is sent.
   */
  contract?: pulumi.Input<string>;
}

/** The parts of a registry credential a CVM needs (a `RegistryCredential` provides them). */
export interface RegistryRef {
  /** Normalised registry host, e.g. `ghcr.io`. */
  registry: pulumi.Input<string>;
  /** The `DSTACK_DOCKER_*` or `DSTACK_AWS_*` variables for the pre-launch script (secret). */
  cvmEnv: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * The arguments of a {@link CvmSecrets} (the dynamic class, and the one bound to the plugin);
 * `registry` takes a `RegistryCredential`.
 *
 * @example
 * ```ts
 * const cfg = new pulumi.Config();
 * new CvmSecrets("api", {
 *   cvms: [cfg.require("cvmId")],
 *   env: { DATABASE_URL: cfg.requireSecret("databaseUrl") },
 *   registry: ghcr,
 * });
 * ```
 */
export interface CvmSecretsArgs {
  /**
   * The CVMs that carry this env, in any id form the API accepts: `cvm_…`, `app_<40 hex>`,
   * the VM UUID, or the CVM name. Replicas of one app share its encryption key. Adding a CVM
   * restarts only that CVM; removing one clears its env (see `retainOnRemove`).
   */
  cvms: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The variables the CVM sees, as plaintext. Every value is wrapped with `pulumi.secret`,
   * encrypted on this machine to the app's KMS key and never stored or shown in plaintext.
   * Keys: `^[A-Za-z_][A-Za-z0-9_]*$`, at most 255 bytes; values at most 128 KiB; at most 1024.
   */
  env: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Pull credentials for the CVM's private images: a `RegistryCredential` (or its `registry`
   * and `cvmEnv` outputs). Its variables are merged into the encrypted env. Without it, the
   * stack-wide default (`cvm-secrets:defaultRegistry*` config) applies, if set.
   */
  registry?: pulumi.Input<RegistryRef>;
  /** Rolling restarts. Changing only this never restarts anything. */
  rollout?: pulumi.Input<RolloutArgs>;
  /** Trust in the app's encryption key. */
  kms?: pulumi.Input<KmsArgs>;
  /**
   * Check the env against the CVM's live compose file before pushing: a `${KEY}` the compose
   * needs but `env` lacks is an error with `"error"` (default), a warning with `"warn"`.
   */
  composeCheck?: pulumi.Input<"error" | "warn" | "off">;
  /**
   * Take over CVMs whose env was set elsewhere (e.g. in the dashboard, another stack). Without
   * it, creating this resource on a CVM that already has encrypted env is refused, so nothing is
   * overwritten by accident — except an env pushed with this resource's URN and `ownerKey` (a
   * `pulumi up --replace` replacement takes over from the resource it replaces) and a cleared env
   * (too short to hold a variable). (`pulumi import` works with the plugin classes only; the dynamic ones use this instead.)
   */
  adopt?: pulumi.Input<boolean>;
  /**
   * The `key` of an `OwnerKey`, mixed into the owner tag of every push, so that this resource's
   * replacement recognises its CVMs and a stack of the same names in another backend does not.
   * Secret. When left out, the TypeScript classes make an `OwnerKey` named `<name>-owner-key`
   * (same parent and provider); in YAML and other languages declare a `cvm-secrets:OwnerKey` and
   * pass its `key`. Changing only this never pushes nor restarts anything.
   */
  ownerKey?: pulumi.Input<string>;
  /** Keep the env of a CVM removed from `cvms` (and on destroy) instead of clearing it. */
  retainOnRemove?: pulumi.Input<boolean>;
  /**
   * For on-chain KMS apps whose key set changed: the transaction that registered the compose
   * hash named by the previous `pulumi up` error. Finishes the update (phase 2).
   */
  transactionHash?: pulumi.Input<string>;
}

/** What the last rollout did (names only). */
export interface LastRollout {
  /** ISO-8601 time the rollout finished or stopped. */
  at: string;
  /** CVMs that restarted, in the order they did. */
  restarted: string[];
  /** Why: keys added/changed/removed, registry rotation, new replica, key change. */
  reason: string;
}

/** What one app's env-encryption key was checked against (state's `keyAnchors`; core/key-anchor.ts). */
export interface KeyAnchorOutput {
  /**
   * `trustedSigner` (signed by `kms.trustedSigner`), `chain` (signed by the KMS contract's
   * signer read from the chain), `api` (signed by the signer the Phala Cloud API reports, which
   * also serves the key), `unsigned` (no signature checked: a Phala KMS key as the API reports it).
   */
  anchor: "trustedSigner" | "chain" | "api" | "unsigned";
  /** The chain id the signer was read from (`chain` only); an integer. */
  chainId?: number;
  /** The KMS contract (lowercase hex without 0x; `chain` only). */
  contract?: string;
  /** The block number the signer was read at (`chain` only); an integer. */
  block?: number;
  /** That block's hash (lowercase hex without 0x; `chain` only): a finalized block, never replaced. */
  blockHash?: string;
  /** First 16 hex digits of sha-256 of the signer's compressed hex; absent for `unsigned`. */
  signer?: string;
  /** Whether the KMS contract's quote binds its keys: `bound`, `not-bound` or `none` (off chain). */
  quote: "bound" | "not-bound" | "none";
}

/** The outputs of a `CvmSecrets` (the dynamic class and the class bound to the plugin). */
export interface CvmSecretsProperties {
  /** The CVMs this resource manages. */
  readonly cvms: pulumi.Output<string[]>;
  /** Names of the variables the CVMs receive (registry variables included), sorted. Not secret. */
  readonly envKeys: pulumi.Output<string[]>;
  /** The app id of each CVM. */
  readonly appIds: pulumi.Output<Record<string, string>>;
  /** The pinned env-encryption public key of each app (hex). */
  readonly encryptionPublicKeys: pulumi.Output<Record<string, string>>;
  /**
   * Per app: what its key was checked against — `anchor` (`trustedSigner`, `chain`, `api`,
   * `unsigned`), `chainId`, `contract`, `block`, `signer` (fingerprint), `quote`
   * (`bound`/`not-bound`/`none`). A `chain` anchor pins the signer for later runs.
   */
  readonly keyAnchors: pulumi.Output<Record<string, KeyAnchorOutput> | undefined>;
  /** The compose hash of each CVM after the last push. */
  readonly composeHashes: pulumi.Output<Record<string, string>>;
  /** What the last rollout restarted and why. */
  readonly lastRollout: pulumi.Output<LastRollout | undefined>;
  /**
   * A short change token per key (`fp-` + 16 hex). It stays the same while the value stays the
   * same and moves to a new token when the value changes, so a reviewer sees which secret
   * changed. It is computed from the resource name, the key and the previous token only, never
   * from the value: it reveals nothing about the value and cannot be used to test a guess.
   */
  readonly fingerprints: pulumi.Output<Record<string, string>>;
  /**
   * Per CVM, what deleting this resource (`pulumi destroy`, or removing it from the program) will
   * do to it, in words (CVM ids and settings only; a CVM whose id is a secret is named `cvms[i]`).
   * Kept with the inputs, so that the preview of a delete shows it: `pulumi destroy --diff`,
   * `pulumi preview --diff` and `--json`.
   */
  readonly onDelete: pulumi.Output<Record<string, string>>;
}

// The outputs are the interface's (declaration merging): both classes share one declaration.
export interface CvmSecrets extends CvmSecretsProperties {}

/**
 * The encrypted environment of a CVM or a set of replicas.
 *
 * `pulumi preview` shows which keys change and how many CVMs restart, never a value. A second
 * `pulumi up` with nothing changed makes no write and restarts nothing.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the SDK sets every output at run time, as for `declare` fields
export class CvmSecrets extends pulumi.dynamic.Resource {
  constructor(name: string, args: CvmSecretsArgs, opts?: pulumi.CustomResourceOptions) {
    if (opts?.import !== undefined) throw importRefused(name);
    warnPlainCredentials();
    const registry = registryOf(args.registry);
    // The key of its pushes' owner tags: made here unless given (owner-key.ts). A dynamic
    // resource's provider is its own: only the parent is passed on.
    const ownerKey = ownerKeyInput(name, args.ownerKey, (n) => new OwnerKey(n, {}, { parent: opts?.parent }));
    const props = {
      ...cvmSecretsProperties({ ...args, ownerKey }),
      // Names the resource in the provider's preview line (provider stderr carries no URN).
      resourceName: name,
      // Tags every push (the provider sees no URN): a replacement recognises its predecessor's CVMs.
      ownerUrn: pulumi.createUrn(name, "pulumi-nodejs:dynamic/cvm-secrets:CvmSecrets", opts?.parent),
      // Which CVM ids are secrets: the provider receives them in plaintext with no marker, and
      // names such a CVM by position and returns every output naming it as a secret.
      secretCvms: secretPositionsOf(args.cvms),
      ...(registry && { registryHost: registry.registry, registryEnv: registry.cvmEnv }),
      // Filled by the provider's check with the stack-wide default credential's variables (when
      // `registry` is not given); passed as a secret so the engine keeps the checked value
      // secret — a provider's check cannot mark a value secret itself.
      defaultRegistryEnv: pulumi.secret(""),
    };
    const stacks = registrationStackLimit();
    try {
      // The properties a user never typed, under `__<name>`: out of `preview --diff` (runtime/internal-keys.ts).
      super(cvmSecretsProvider, name, toStored(props, INTERNAL_KEYS), opts, "cvm-secrets", "CvmSecrets");
    } finally {
      stacks.restore();
    }
  }
}

/**
 * The properties both classes register (this dynamic one, and the one bound to the plugin): the
 * arguments given (one left out is not registered), every env value a secret, and every output
 * named (registered-properties.ts).
 */
export function cvmSecretsProperties(args: CvmSecretsArgs) {
  return registeredProperties(
    {
      cvms: args.cvms,
      env: secretValues(args.env),
      rollout: args.rollout,
      kms: kmsWithSecretRpcUrl(args.kms),
      composeCheck: args.composeCheck,
      adopt: args.adopt,
      ownerKey: args.ownerKey === undefined ? undefined : pulumi.secret(args.ownerKey),
      retainOnRemove: args.retainOnRemove,
      transactionHash: args.transactionHash,
    },
    // The output-only properties (CvmSecretsProperties without `cvms`).
    DECLARED_OUTPUTS,
  );
}

/** The `registry` argument's two parts, its variables a secret; undefined without one. */
export function registryOf(
  registry: CvmSecretsArgs["registry"],
): { registry: pulumi.Output<string>; cvmEnv: pulumi.Output<Record<string, string>> } | undefined {
  if (registry === undefined) return undefined;
  const ref = pulumi.output(registry);
  return { registry: ref.registry, cvmEnv: pulumi.secret(ref.cvmEnv) };
}

/**
 * The positions of `cvms` given as secrets (`pulumi.secret(…)`, another resource's secret
 * output), `true` when the list as a whole is one, `undefined` when none is (the input is then
 * left out, so a list without secrets gives exactly the state it always did).
 */
export async function secretPositionsOf(
  cvms: pulumi.Input<pulumi.Input<string>[]>,
): Promise<true | number[] | undefined> {
  if (Array.isArray(cvms)) {
    const secret = await Promise.all(
      cvms.map((cvm) =>
        pulumi.Output.isInstance(cvm) ? pulumi.isSecret(pulumi.output(cvm)) : Promise.resolve(false),
      ),
    );
    const at = secret.flatMap((s, i) => (s ? [i] : []));
    return at.length > 0 ? at : undefined;
  }
  return pulumi.Output.isInstance(cvms) && (await pulumi.isSecret(pulumi.output(cvms))) ? true : undefined;
}

/**
 * `kms` with its `rpcUrl` wrapped as a secret (an RPC URL often carries an API key); when `kms`
 * is not known now, the whole of it once it holds an `rpcUrl`.
 */
function kmsWithSecretRpcUrl(kms: CvmSecretsArgs["kms"]): CvmSecretsArgs["kms"] {
  if (kms === undefined || kms === null) return kms;
  if (typeof kms === "object" && !pulumi.Output.isInstance(kms) && !isPromise(kms)) {
    return kms.rpcUrl === undefined ? kms : { ...kms, rpcUrl: pulumi.secret(kms.rpcUrl) };
  }
  return pulumi
    .output(kms)
    .apply((k) => (k?.rpcUrl !== undefined ? pulumi.secret(k) : k)) as pulumi.Input<KmsArgs>;
}

/** Wraps each value as a secret when the keys are known now, else the whole map. */
function secretValues(
  env: pulumi.Input<Record<string, pulumi.Input<string>>>,
): pulumi.Input<Record<string, pulumi.Input<string>>> {
  if (env !== null && typeof env === "object" && !pulumi.Output.isInstance(env) && !isPromise(env)) {
    return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, pulumi.secret(value)]));
  }
  return pulumi.secret(env) as pulumi.Output<Record<string, string>>;
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown> | undefined)?.then === "function";
}

/**
 * Why a CvmSecrets cannot be imported, and what to do instead. Marked as Pulumi's RunError
 * (`__pulumiRunError`), so the CLI prints the sentence rather than a stack trace. (The engine
 * hands a dynamic provider no `__provider` on import, so the provider could not even load.)
 */
function importRefused(name: string): CvmSecretsError {
  const error = new CvmSecretsError(
    ErrorCodes.INVALID_INPUT,
    `CvmSecrets ${name} cannot be imported: a CVM's encrypted env cannot be read back (the API ` +
      "returns only ciphertext and key names), so there is no state to import. Remove the " +
      "`import` option and set `adopt: true` with the resource's cvms and env: the next " +
      "`pulumi up` takes the CVM's env over (replacing it with this resource's env).",
    { resource: name },
  );
  return Object.assign(error, { __pulumiRunError: true });
}
