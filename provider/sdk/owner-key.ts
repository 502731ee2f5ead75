/**
 * `OwnerKey` bound to the resource provider plugin (`cvm-secrets:index:OwnerKey`): the same
 * resource as the dynamic class (provider/dynamic/owner-key.ts), served by the plugin, so it
 * takes an explicit `provider`. The plugin returns `key` as a secret; the class marks it too.
 */
import * as pulumi from "@pulumi/pulumi";
import { type OwnerKeyArgs, type OwnerKeyProperties, ownerKeyOptions } from "../dynamic/owner-key";
import { registrationStackLimit } from "../dynamic/registration-stacks";
import { withPackageSource } from "../plugin/package-source";

export interface OwnerKey extends OwnerKeyProperties {}

/**
 * The secret a `CvmSecrets` mixes into the owner tag of its pushes: declare one per
 * `CvmSecrets` and pass its `key` as `ownerKey` (the TypeScript classes do it themselves).
 * Keep it in the stack: a replacement of the `CvmSecrets` recognises its predecessor's pushes by
 * it, and deleting it makes the next `CvmSecrets` push need `adopt`.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the SDK sets every output at run time, as for `declare` fields
export class OwnerKey extends pulumi.CustomResource {
  constructor(name: string, _args: OwnerKeyArgs = {}, opts?: pulumi.CustomResourceOptions) {
    const stacks = registrationStackLimit();
    try {
      super("cvm-secrets:index:OwnerKey", name, { key: undefined }, withPackageSource(ownerKeyOptions(opts)));
    } finally {
      stacks.restore();
    }
  }
}
