/**
 * `OwnerKey`: 32 random bytes made once and kept, secret, in the stack's state. A `CvmSecrets`
 * mixes it into the owner tag of every push (core/envelope-facts.ts), so its replacement
 * recognises its CVMs and a stack of the same names in another backend does not. The
 * `CvmSecrets` classes make one themselves (`<name>-owner-key`) unless given `ownerKey`.
 */
import * as pulumi from "@pulumi/pulumi";
import { ownerKeyProvider } from "./owner-key-stub";
import { registrationStackLimit } from "./registration-stacks";

/** An `OwnerKey` takes no argument: its key is made at create and never changes. */
// biome-ignore lint/suspicious/noEmptyInterface: the schema generator reads each resource's args interface
export interface OwnerKeyArgs {}

/** The outputs of an `OwnerKey` (the dynamic class and the class bound to the plugin). */
export interface OwnerKeyProperties {
  /**
   * 64 hex digits, made at create (crypto.randomBytes) and never changed. Secret. Pass it to a
   * `CvmSecrets` as `ownerKey`.
   */
  readonly key: pulumi.Output<string>;
}

export interface OwnerKey extends OwnerKeyProperties {}

/**
 * A `CvmSecrets`' `ownerKey`: the one given, else the key of an `OwnerKey` named
 * `<name>-owner-key` that `make` registers (none for a resource without a name, which cannot
 * register either).
 */
export function ownerKeyInput(
  name: string,
  given: pulumi.Input<string> | undefined,
  make: (name: string) => OwnerKeyProperties,
): pulumi.Input<string> | undefined {
  if (given !== undefined || typeof name !== "string") return given;
  return make(`${name}-owner-key`).key;
}

/** The options of an `OwnerKey`: `key` is always a secret output. */
export function ownerKeyOptions(
  opts: pulumi.CustomResourceOptions | undefined,
): pulumi.CustomResourceOptions {
  return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "key"] };
}

/**
 * The secret a `CvmSecrets` mixes into the owner tag of its pushes: declare one per
 * `CvmSecrets` and pass its `key` as `ownerKey` (the TypeScript classes do it themselves).
 * Keep it in the stack: a replacement of the `CvmSecrets` recognises its predecessor's pushes by
 * it, and deleting it makes the next `CvmSecrets` push need `adopt`.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the SDK sets every output at run time, as for `declare` fields
export class OwnerKey extends pulumi.dynamic.Resource {
  constructor(name: string, _args: OwnerKeyArgs = {}, opts?: pulumi.CustomResourceOptions) {
    const stacks = registrationStackLimit();
    try {
      super(ownerKeyProvider, name, { key: undefined }, ownerKeyOptions(opts), "cvm-secrets", "OwnerKey");
    } finally {
      stacks.restore();
    }
  }
}
