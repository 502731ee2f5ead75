/**
 * `RegistryCredential`: pull credentials for one container registry, validated at preview,
 * verified against the registry at create/update, rendered for Phala CVMs, Kubernetes and Akash
 * (docs/installation-configuration.md, the registry v2 API).
 */
import * as pulumi from "@pulumi/pulumi";
import { registrationStackLimit } from "./registration-stacks";
// The SDK's debug log must not print this resource's inputs (sdk-debug-log.ts).
import "../sdk-debug-log";
import type { RegistryTypeName } from "../core/registry/types";
import { DECLARED_OUTPUTS, INTERNAL_KEYS } from "../registry-credential/properties";
import { toStored } from "../runtime/internal-keys";
import { registeredProperties } from "./registered-properties";
import { registryCredentialProvider } from "./registry-credential-stub";

/** IAM credentials for a private Amazon ECR registry. */
export interface EcrArgs {
  /** IAM access key id (`AKIA…`, or `ASIA…` with `sessionToken`). */
  accessKeyId: pulumi.Input<string>;
  /** IAM secret access key. Secret. */
  secretAccessKey: pulumi.Input<string>;
  /** STS session token for temporary keys. Secret. */
  sessionToken?: pulumi.Input<string>;
  /** AWS region, e.g. `us-east-1`; must equal the region in `registry` when both are given. */
  region?: pulumi.Input<string>;
  /** Registry host `ACCOUNT.dkr.ecr.REGION.amazonaws.com` (or give `accountId` and `region`). */
  registry?: pulumi.Input<string>;
  /** 12-digit AWS account id (with `region`, instead of `registry`). */
  accountId?: pulumi.Input<string>;
  /** ECR API endpoint override (a VPC endpoint); default `https://api.ecr.REGION.amazonaws.com`. */
  endpoint?: pulumi.Input<string>;
}

/**
 * The live check run at create/update (never during preview). With `image`: ping, token, HEAD
 * of its manifest; without: the login alone (like `docker login`, which cannot prove pull access).
 * Failures name the classification (bad-credentials, no-permission, repository-missing,
 * tag-missing, rate-limited, not-a-registry, tls, unreachable, …) and what to do.
 */
export interface RegistryVerifyArgs {
  /** An image on this registry to check pull access for, e.g. `ghcr.io/org/app:1`. */
  image?: pulumi.Input<string>;
  /** Skip the live check. */
  skip?: pulumi.Input<boolean>;
  /** Allow plain http to a loopback registry (local mirrors, tests). */
  allowInsecureLoopback?: pulumi.Input<boolean>;
  /** Per-request timeout in seconds: an integer from 1 to 300. Default 15. */
  timeoutSeconds?: pulumi.Input<number>;
}

/**
 * The arguments of a {@link RegistryCredential}: `type` and the inputs that type needs (a missing
 * one fails preview saying which and what to give). Pass the credential as the `registry` of a
 * `CvmSecrets`.
 *
 * @example
 * ```ts
 * const ghcr = new RegistryCredential("ghcr", {
 *   type: "ghcr", // "ghrc" does not compile
 *   username: "acme-bot",
 *   token: cfg.requireSecret("ghcrToken"),
 *   verify: { image: "ghcr.io/acme/api:1.4.2" },
 * });
 * ```
 */
export interface RegistryCredentialArgs {
  /**
   * Registry type, case-insensitive: `dockerhub` (also `Docker`, `docker.io`), `ghcr`, `ecr`,
   * `acr`, `gcr`, `gar`, `quay`, `gitlab`, `custom`, `public`.
   */
  type: pulumi.Input<RegistryTypeName>;
  /**
   * Registry host, `host[:port]`, with or without `https://`. Required for `acr`
   * (`NAME.azurecr.io`), `custom` and `gar` (`LOCATION-docker.pkg.dev`, or give `region`);
   * defaults to the platform's host for `dockerhub`, `ghcr`, `gcr`, `quay`, `gitlab`.
   */
  registry?: pulumi.Input<string>;
  /**
   * Username: the Docker ID (not the e-mail) for Docker Hub, the GitHub user for GHCR, the robot
   * `namespace+robot` for Quay, `_json_key`/`_json_key_base64`/`oauth2accesstoken` for Google.
   * Must not contain `:`.
   */
  username?: pulumi.Input<string>;
  /** Password. Secret. Give either `password` or `token`. */
  password?: pulumi.Input<string>;
  /** Token (GHCR PAT, Quay robot token, GitLab deploy token, Docker Hub PAT). Secret. */
  token?: pulumi.Input<string>;
  /** Google service-account JSON key, or its base64 (`gcr`, `gar`). Secret. */
  serviceAccountKey?: pulumi.Input<string>;
  /** Artifact Registry location for `gar` when `registry` is not given, e.g. `us-central1`. */
  region?: pulumi.Input<string>;
  /** IAM credentials, for `ecr` only. Secret. */
  ecr?: pulumi.Input<EcrArgs>;
  /**
   * ECR only: mint a 12-hour token with `GetAuthorizationToken` at create/update (and again
   * within an hour of expiry) to fill `dockerConfigJson` and `akashCredentials`. Default false:
   * a CVM logs in with the `DSTACK_AWS_*` variables of `cvmEnv` itself, so creating the
   * credential calls no AWS API (`verify`, when set, still reaches ECR and the registry).
   */
  mintEcrToken?: pulumi.Input<boolean>;
  /** Live check at create/update; absent means no network check at all. */
  verify?: pulumi.Input<RegistryVerifyArgs>;
}

/** The secret credential inputs, each wrapped with `pulumi.secret` (absent ones stay absent). */
function secretCredentialInputs(args: RegistryCredentialArgs) {
  const wrap = <T>(value: pulumi.Input<T> | undefined) =>
    value === undefined ? undefined : pulumi.secret(value);
  return {
    password: wrap(args.password),
    token: wrap(args.token),
    serviceAccountKey: wrap(args.serviceAccountKey),
    ecr: wrap(args.ecr),
  };
}

/** The inputs the renderings are made of (`cvmEnv`, `dockerConfigJson`, `akashCredentials`). */
function credentialInputs(args: RegistryCredentialArgs) {
  return {
    type: args.type,
    registry: args.registry,
    username: args.username,
    ...secretCredentialInputs(args),
    region: args.region,
  };
}

/**
 * The properties both classes register (this dynamic one, and the one bound to the plugin): the
 * arguments, the credential a secret, and every output the provider returns named — an
 * output-only property must be named to become an Output property (`undefined` is sent as
 * absent). The renderings are not among them: the program makes them ({@link programRenderings}).
 */
export function registryCredentialProperties(args: RegistryCredentialArgs) {
  return registeredProperties(
    { ...credentialInputs(args), mintEcrToken: args.mintEcrToken, verify: args.verify },
    // `registry` is an output too (the normalised host), whether it was given or not.
    DECLARED_OUTPUTS,
  );
}

/** An Akash SDL `credentials:` block. */
export interface AkashCredentialsOutput {
  /** Registry host as Akash expects it (`https://index.docker.io/v1/` for Docker Hub). */
  host: string;
  /** Registry username. */
  username: string;
  /** Registry password or token. Secret. */
  password: string;
}

/** The outputs of a `RegistryCredential` (the dynamic class and the class bound to the plugin). */
export interface RegistryCredentialProperties {
  /** Normalised registry host, e.g. `ghcr.io`; `docker.io` for Docker Hub. Not secret. */
  readonly registry: pulumi.Output<string>;
  /**
   * The Phala pre-launch variables: `DSTACK_DOCKER_REGISTRY`/`USERNAME`/`PASSWORD`, or for ECR
   * `DSTACK_AWS_ACCESS_KEY_ID`/`SECRET_ACCESS_KEY`/`REGION`/`ECR_REGISTRY` (+ `SESSION_TOKEN`);
   * empty for `public`. Secret.
   */
  readonly cvmEnv: pulumi.Output<Record<string, string>>;
  /**
   * `.dockerconfigjson` content for Kubernetes (Docker Hub under `https://index.docker.io/v1/`).
   * For ECR it holds a 12-hour token, refreshed by `pulumi up` within an hour of expiry, and is
   * absent unless `mintEcrToken` is set. Secret.
   */
  readonly dockerConfigJson: pulumi.Output<string | undefined>;
  /**
   * Akash SDL `credentials` (`host`, `username`, `password`); absent for `public`, and for ECR
   * unless `mintEcrToken` is set. Secret.
   */
  readonly akashCredentials: pulumi.Output<AkashCredentialsOutput | undefined>;
  /** When `verify` last succeeded (ISO 8601); absent when not verified. */
  readonly verifiedAt: pulumi.Output<string | undefined>;
  /** Manifest digest seen by the last successful `verify`. */
  readonly verifiedDigest: pulumi.Output<string | undefined>;
  /** ECR only: when the token in `dockerConfigJson`/`akashCredentials` expires (ISO 8601). */
  readonly expiresAt: pulumi.Output<string | undefined>;
  /**
   * A change token of the credential (`fp-` + 16 hex): moves exactly when the credential
   * changes; computed from no value. Not secret.
   */
  readonly credentialVersion: pulumi.Output<string>;
}

export interface RegistryCredential extends RegistryCredentialProperties {}

/**
 * Pull credentials for one registry. Pass it to `CvmSecrets` as `registry`, or use
 * `dockerConfigJson` for a Kubernetes `kubernetes.io/dockerconfigjson` secret and
 * `akashCredentials` for an Akash SDL.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the SDK sets every output at run time, as for `declare` fields
export class RegistryCredential extends pulumi.dynamic.Resource {
  constructor(name: string, args: RegistryCredentialArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      ...registryCredentialProperties(args),
      // Names the resource in the provider's diff line (provider stderr carries no URN).
      resourceName: name,
    };
    const stacks = registrationStackLimit();
    try {
      super(
        registryCredentialProvider,
        name,
        // `resourceName` under `__resourceName`: out of `preview --diff` (runtime/internal-keys.ts).
        toStored(props, INTERNAL_KEYS),
        { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "ecrToken"] },
        "cvm-secrets",
        "RegistryCredential",
      );
    } finally {
      stacks.restore();
    }
    // Rendered in this program from the secret inputs: the provider never returns them, so they
    // are never in the engine's answer to the program.
    Object.assign(this, programRenderings(this, args));
  }
}

/** The renderings a `RegistryCredential` exposes, as secret Outputs. */
export interface Renderings {
  cvmEnv: pulumi.Output<Record<string, string>>;
  dockerConfigJson: pulumi.Output<string | undefined>;
  akashCredentials: pulumi.Output<AkashCredentialsOutput | undefined>;
}

/**
 * The renderings, made in the program from the inputs (still secret Outputs) and the
 * provider's ECR token (the `ecrToken` output): the provider never returns them, so they are in
 * no engine answer to the program (which the Node.js SDK logs at debug level, secret values in
 * clear). They depend on the resource's outputs, so a consumer waits for its create/update
 * (verify). Both classes (dynamic, and bound to the plugin) use this.
 */
export function programRenderings(resource: pulumi.CustomResource, args: RegistryCredentialArgs): Renderings {
  const own = resource as unknown as { registry: pulumi.Output<string>; ecrToken: pulumi.Output<unknown> };
  const inputs = pulumi.output(credentialInputs(args));
  const rendered = pulumi.all([inputs, own.ecrToken, own.registry]).apply(([values, token]) => {
    // Loaded on first use: a program that never reads a rendering does not pay for it.
    const registry = require("../core/registry/index") as typeof import("../core/registry/index");
    return registry.renderCredential(values, token);
  });
  return {
    cvmEnv: pulumi.secret(rendered.apply((r) => r?.cvmEnv ?? {})),
    dockerConfigJson: pulumi.secret(rendered.apply((r) => r?.dockerConfigJson)),
    akashCredentials: pulumi.secret(rendered.apply((r) => r?.akashCredentials)),
  };
}
