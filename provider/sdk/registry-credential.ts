/**
 * `RegistryCredential` bound to the resource provider plugin
 * (`cvm-secrets:index:RegistryCredential`): the same arguments and outputs as the dynamic class.
 * The plugin renders `cvmEnv`, `dockerConfigJson` and `akashCredentials` as secret outputs for
 * programs in other languages; this class asks it not to (`__programRenders`) and renders them
 * here, as the dynamic class does, so no engine answer to this program carries a credential
 * (the Node.js SDK logs those answers at debug level, secret values in clear).
 */
import * as pulumi from "@pulumi/pulumi";
import { registrationStackLimit } from "../dynamic/registration-stacks";
import {
  programRenderings,
  type RegistryCredentialArgs,
  type RegistryCredentialProperties,
  registryCredentialProperties,
} from "../dynamic/registry-credential";
import { withPackageSource } from "../plugin/package-source";
import { PROGRAM_RENDERS } from "../plugin/protocol";

export interface RegistryCredential extends RegistryCredentialProperties {}

/**
 * Pull credentials for one registry. Pass it to `CvmSecrets` as `registry`, or use
 * `dockerConfigJson` for a Kubernetes `kubernetes.io/dockerconfigjson` secret and
 * `akashCredentials` for an Akash SDL.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the SDK sets every output at run time, as for `declare` fields
export class RegistryCredential extends pulumi.CustomResource {
  constructor(name: string, args: RegistryCredentialArgs, opts?: pulumi.CustomResourceOptions) {
    const props = { ...registryCredentialProperties(args), [PROGRAM_RENDERS]: true };
    const stacks = registrationStackLimit();
    try {
      super("cvm-secrets:index:RegistryCredential", name, props, withPackageSource(opts));
    } finally {
      stacks.restore();
    }
    Object.assign(this, programRenderings(this, args));
  }
}
