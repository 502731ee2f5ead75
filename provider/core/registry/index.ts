/** Registry credentials: types, schemas, validation and renderers (docs/installation-configuration.md). */
export {
  type DefaultRegistryConfig,
  defaultRegistryEnv,
  type ImageMismatch,
  imagesNotOnRegistry,
} from "./cvm";

export type { EcrHost } from "./hosts";
export { ACR_HOST, AWS_REGION, ecrApiEndpoint, ecrHost, GAR_HOST, GCR_HOSTS, parseEcrHost } from "./hosts";
export {
  type AkashCredentials,
  akashCredentials,
  authKey,
  cvmEnv,
  dockerConfigJson,
  type Renderings,
  renderAll,
  renderCredential,
} from "./render";
export { decodeServiceAccountKey, hostOf, QUAY_ROBOT } from "./schemas";
export {
  type BasicCredential,
  type Credential,
  type EcrCredential,
  normaliseRegistryType,
  type PublicCredential,
  REGISTRY_TYPES,
  type RegistryToken,
  type RegistryType,
  type RegistryTypeName,
  type ValidationFailure,
  type ValidationResult,
} from "./types";
export { DEFAULT_HOSTS, validateCredential } from "./validate";
