/**
 * `CvmSecrets` bound to the resource provider plugin (`cvm-secrets:index:CvmSecrets`): the same
 * arguments and outputs as the dynamic class (`pulumi-cvm-secrets`), served by the plugin, so
 * it takes an explicit `provider`, `customTimeouts` and `pulumi import`.
 */
import * as pulumi from "@pulumi/pulumi";
import { type CvmSecretsArgs, type CvmSecretsProperties, secretValues } from "../resources/cvm-secrets";

// The outputs are the dynamic class's (declaration merging).
export interface CvmSecrets extends CvmSecretsProperties {}

/**
 * The encrypted environment of a CVM or a set of replicas.
 *
 * `pulumi preview` shows which keys change and how many CVMs restart, never a value. A second
 * `pulumi up` with nothing changed makes no write and restarts nothing.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the SDK sets every output at run time, as for `declare` fields
export class CvmSecrets extends pulumi.CustomResource {
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
