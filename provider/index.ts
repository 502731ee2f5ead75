/**
 * pulumi-cvm-secrets: secrets for confidential VMs on Phala Cloud (dstack), as Pulumi resources.
 * @packageDocumentation
 */

// First: a Node.js too old gets a sentence, not a dependency's stack trace.
import "./node-version";

export type { VerifyKind, VerifyResult } from "./api/registry/outcomes";
export { verifyPull } from "./api/registry/verify";
export {
  ENVELOPE_OVERHEAD,
  type EncryptEnvOptions,
  type EnvInput,
  type EnvPair,
  encryptEnv,
} from "./core/envelope";
export { type ImageRef, parseImageRef } from "./core/image-ref";
export {
  type KeySignatureFailure,
  type KeySignatureInput,
  type KeySignatureVerdict,
  verifyKeySignature,
} from "./core/kms-signature";
export {
  CvmSecrets,
  type CvmSecretsArgs,
  type CvmSecretsProperties,
  type KmsArgs,
  type LastRollout,
  type RegistryRef,
  type RolloutArgs,
} from "./dynamic/cvm-secrets";
export { OwnerKey, type OwnerKeyArgs, type OwnerKeyProperties } from "./dynamic/owner-key";
export {
  type AkashCredentialsOutput,
  type EcrArgs,
  RegistryCredential,
  type RegistryCredentialArgs,
  type RegistryCredentialProperties,
  type RegistryVerifyArgs,
} from "./dynamic/registry-credential";
export { CvmSecretsError, type ErrorCode, ErrorCodes, isCvmSecretsError } from "./errors";
