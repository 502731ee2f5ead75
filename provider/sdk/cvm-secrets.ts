/**
 * `CvmSecrets` bound to the resource provider plugin (`cvm-secrets:index:CvmSecrets`): the same
 * arguments and outputs as the dynamic class (`pulumi-cvm-secrets`), served by the plugin, so
 * it takes an explicit `provider`, `customTimeouts` and `pulumi import`.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  type CvmSecretsArgs,
  type CvmSecretsProperties,
  cvmSecretsProperties,
  registryOf,
} from "../dynamic/cvm-secrets";
import { ownerKeyInput } from "../dynamic/owner-key";
import { warnPlainCredentials } from "../dynamic/plain-credentials";
import { registrationStackLimit } from "../dynamic/registration-stacks";
import { withPackageSource } from "../plugin/package-source";
import { OwnerKey } from "./owner-key";

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
    warnPlainCredentials();
    const registry = registryOf(args.registry);
    // The key of its pushes' owner tags: made here unless given (provider/dynamic/owner-key.ts).
    const ownerKey = ownerKeyInput(
      name,
      args.ownerKey,
      // The same plugin as the CvmSecrets: its parent, provider, and a version or download URL it pins.
      (n) =>
        new OwnerKey(
          n,
          {},
          {
            parent: opts?.parent,
            provider: opts?.provider,
            version: opts?.version,
            pluginDownloadURL: opts?.pluginDownloadURL,
          },
        ),
    );
    const props = { ...cvmSecretsProperties({ ...args, ownerKey }), ...(registry && { registry }) };
    const stacks = registrationStackLimit();
    try {
      super("cvm-secrets:index:CvmSecrets", name, props, withPackageSource(opts));
    } finally {
      stacks.restore();
    }
  }
}
