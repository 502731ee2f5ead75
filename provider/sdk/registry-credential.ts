/**
 * `RegistryCredential` bound to the resource provider plugin
 * (`cvm-secrets:index:RegistryCredential`): the same arguments and outputs as the dynamic class.
 * The plugin renders `cvmEnv`, `dockerConfigJson` and `akashCredentials` as secret outputs for
 * programs in other languages; this class asks it not to (`__programRenders`) and renders them
 * here, as the dynamic class does, so no engine answer to this program carries a credential
 * (the Node.js SDK logs those answers at debug level, secret values in clear).
 */
import * as pulumi from "@pulumi/pulumi";
import { PROGRAM_RENDERS } from "../plugin/protocol";
import {
  type AkashCredentialsOutput,
  programRenderings,
  type RegistryCredentialArgs,
  secretCredentialInputs,
} from "../resources/registry-credential";

/**
 * Pull credentials for one registry. Pass it to `CvmSecrets` as `registry`, or use
 * `dockerConfigJson` for a Kubernetes `kubernetes.io/dockerconfigjson` secret and
 * `akashCredentials` for an Akash SDL.
 */
export class RegistryCredential extends pulumi.CustomResource {
  /** Normalised registry host, e.g. `ghcr.io`; `docker.io` for Docker Hub. Not secret. */
  declare public readonly registry: pulumi.Output<string>;
  /**
   * The Phala pre-launch variables: `DSTACK_DOCKER_REGISTRY`/`USERNAME`/`PASSWORD`, or for ECR
   * `DSTACK_AWS_ACCESS_KEY_ID`/`SECRET_ACCESS_KEY`/`REGION`/`ECR_REGISTRY` (+ `SESSION_TOKEN`);
   * empty for `public`. Secret.
   */
  public readonly cvmEnv: pulumi.Output<Record<string, string>>;
  /**
   * `.dockerconfigjson` content for Kubernetes (Docker Hub under `https://index.docker.io/v1/`).
   * For ECR it holds a 12-hour token, refreshed by `pulumi up` within an hour of expiry, and is
   * absent unless `mintEcrToken` is set. Secret.
   */
  public readonly dockerConfigJson: pulumi.Output<string | undefined>;
  /**
   * Akash SDL `credentials` (`host`, `username`, `password`); absent for `public`, and for ECR
   * unless `mintEcrToken` is set. Secret.
   */
  public readonly akashCredentials: pulumi.Output<AkashCredentialsOutput | undefined>;
  /** When `verify` last succeeded (ISO 8601); absent when not verified. */
  declare public readonly verifiedAt: pulumi.Output<string | undefined>;
  /** Manifest digest seen by the last successful `verify`. */
  declare public readonly verifiedDigest: pulumi.Output<string | undefined>;
  /** ECR only: when the token in `dockerConfigJson`/`akashCredentials` expires (ISO 8601). */
  declare public readonly expiresAt: pulumi.Output<string | undefined>;
  /**
   * A change token of the credential (`fp-` + 16 hex): moves exactly when the credential
   * changes; computed from no value. Not secret.
   */
  declare public readonly credentialVersion: pulumi.Output<string>;

  constructor(name: string, args: RegistryCredentialArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      type: args.type,
      registry: args.registry,
      username: args.username,
      ...secretCredentialInputs(args),
      region: args.region,
      mintEcrToken: args.mintEcrToken,
      verify: args.verify,
      [PROGRAM_RENDERS]: true,
      // Output-only properties must be named to become Output properties.
      verifiedAt: undefined,
      verifiedDigest: undefined,
      expiresAt: undefined,
      credentialVersion: undefined,
      ecrToken: undefined,
    };
    super("cvm-secrets:index:RegistryCredential", name, props, opts);
    const renderings = programRenderings(this, args);
    this.cvmEnv = renderings.cvmEnv;
    this.dockerConfigJson = renderings.dockerConfigJson;
    this.akashCredentials = renderings.akashCredentials;
  }
}
