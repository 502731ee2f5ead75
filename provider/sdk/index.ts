/**
 * `pulumi-cvm-secrets/plugin`: the resources bound to the resource provider plugin
 * `pulumi-resource-cvm-secrets` (docs/plugin-and-import.md). Same arguments as the dynamic
 * classes of `pulumi-cvm-secrets`; adds explicit providers, `customTimeouts` and `pulumi import`.
 * @packageDocumentation
 */
import "../node-version";

export type {
  CvmSecretsArgs,
  KmsArgs,
  LastRollout,
  RegistryRef,
  RolloutArgs,
} from "../dynamic/cvm-secrets";
export type { OwnerKeyArgs, OwnerKeyProperties } from "../dynamic/owner-key";
export type {
  AkashCredentialsOutput,
  EcrArgs,
  RegistryCredentialArgs,
  RegistryCredentialProperties,
  RegistryVerifyArgs,
} from "../dynamic/registry-credential";
export { CvmSecrets } from "./cvm-secrets";
export { OwnerKey } from "./owner-key";
export { PACKAGE, Provider, type ProviderArgs } from "./provider";
export { RegistryCredential } from "./registry-credential";
