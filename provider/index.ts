/**
 * pulumi-cvm-secrets: secrets for confidential VMs on Phala Cloud (dstack), as Pulumi resources.
 * @packageDocumentation
 */
export {
  type EncryptEnvOptions,
  type EnvInput,
  type EnvPair,
  ENVELOPE_OVERHEAD,
  encryptEnv,
} from "./core/envelope";
export {
  type KeySignatureFailure,
  type KeySignatureInput,
  type KeySignatureVerdict,
  verifyKeySignature,
} from "./core/kms-signature";
export { CvmSecretsError, type ErrorCode, ErrorCodes, isCvmSecretsError } from "./errors";
