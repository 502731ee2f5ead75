/**
 * `CvmSecrets` bound to the resource provider plugin (`cvm-secrets:index:CvmSecrets`): the same
 * arguments and outputs as the dynamic class (`pulumi-cvm-secrets`), served by the plugin, so
 * it takes an explicit `provider`, `customTimeouts` and `pulumi import`.
 */
import * as pulumi from "@pulumi/pulumi";
import { type CvmSecretsArgs, type LastRollout, secretValues } from "../resources/cvm-secrets";

/**
 * The encrypted environment of a CVM or a set of replicas.
 *
 * `pulumi preview` shows which keys change and how many CVMs restart, never a value. A second
 * `pulumi up` with nothing changed makes no write and restarts nothing.
 */
export class CvmSecrets extends pulumi.CustomResource {
  /** The CVMs this resource manages. */
  declare public readonly cvms: pulumi.Output<string[]>;
  /** Names of the variables the CVMs receive (registry variables included), sorted. Not secret. */
  declare public readonly envKeys: pulumi.Output<string[]>;
  /** The app id of each CVM. */
  declare public readonly appIds: pulumi.Output<Record<string, string>>;
  /** The pinned env-encryption public key of each app (hex). */
  declare public readonly encryptionPublicKeys: pulumi.Output<Record<string, string>>;
  /** The compose hash of each CVM after the last push. */
  declare public readonly composeHashes: pulumi.Output<Record<string, string>>;
  /** What the last rollout restarted and why. */
  declare public readonly lastRollout: pulumi.Output<LastRollout | undefined>;
  /**
   * A short change token per key (`fp-` + 16 hex). It stays the same while the value stays the
   * same and moves to a new token when the value changes, so a reviewer sees which secret
   * changed. It is computed from the resource name, the key and the previous token only, never
   * from the value: it reveals nothing about the value and cannot be used to test a guess.
   */
  declare public readonly fingerprints: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: CvmSecretsArgs, opts?: pulumi.CustomResourceOptions) {
    const registry = args.registry === undefined ? undefined : pulumi.output(args.registry);
    const props = {
      cvms: args.cvms,
      env: secretValues(args.env),
      registry:
        registry === undefined
          ? undefined
          : { registry: registry.registry, cvmEnv: pulumi.secret(registry.cvmEnv) },
      rollout: args.rollout,
      kms: args.kms,
      composeCheck: args.composeCheck,
      adopt: args.adopt,
      retainOnRemove: args.retainOnRemove,
      transactionHash: args.transactionHash,
      // Output-only properties must be named to become Output properties.
      envKeys: undefined,
      appIds: undefined,
      encryptionPublicKeys: undefined,
      composeHashes: undefined,
      lastRollout: undefined,
      fingerprints: undefined,
    };
    super("cvm-secrets:index:CvmSecrets", name, props, opts);
  }
}
