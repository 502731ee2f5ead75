/**
 * Registry credential types, their accepted spellings, and the normalised credential shape
 * every renderer and the verifier consume (docs/installation-configuration.md, the registries' own documentation).
 */

/** The canonical registry types. */
export const REGISTRY_TYPES = [
  "dockerhub",
  "ghcr",
  "ecr",
  "acr",
  "gcr",
  "gar",
  "quay",
  "gitlab",
  "custom",
  "public",
] as const;

/** One canonical registry type. */
export type RegistryType = (typeof REGISTRY_TYPES)[number];

// Spellings of common platforms, compared after lower-casing and dropping everything that is
// not a letter or digit (so `Docker Hub`, `docker.io`, `docker-hub` all fold to one key).
const ALIASES = {
  dockerhub: "dockerhub",
  docker: "dockerhub",
  dockerio: "dockerhub",
  hub: "dockerhub",
  ghcr: "ghcr",
  ghcrio: "ghcr",
  github: "ghcr",
  ecr: "ecr",
  awsecr: "ecr",
  amazonecr: "ecr",
  acr: "acr",
  azurecr: "acr",
  azure: "acr",
  gcr: "gcr",
  gcrio: "gcr",
  gar: "gar",
  artifactregistry: "gar",
  quay: "quay",
  quayio: "quay",
  gitlab: "gitlab",
  custom: "custom",
  public: "public",
} as const satisfies Readonly<Record<string, RegistryType>>;

/** A folded spelling (lower case, letters and digits only). */
type Folded = keyof typeof ALIASES;

/**
 * The spellings of a registry type the TypeScript types accept (the run-time check accepts any
 * case and punctuation, {@link normaliseRegistryType}): each type and platform name in lower
 * case, capitalised or upper case, and the platforms' usual names. A misspelling such as
 * `"ghrc"` is a compile error, and editors complete the names.
 */
export type RegistryTypeName =
  | Folded
  | Capitalize<Folded>
  | Uppercase<Folded>
  | "docker.io"
  | "Docker Hub"
  | "DockerHub"
  | "ghcr.io"
  | "GitHub"
  | "Amazon ECR"
  | "AWS ECR"
  | "Azure"
  | "gcr.io"
  | "Artifact Registry"
  | "quay.io"
  | "GitLab";

/**
 * Folds a user-supplied type name to its canonical {@link RegistryType}, case-insensitively and
 * accepting common platform spellings (`Docker`, `docker.io`, `GHCR`, `ECR`, `Quay`, …).
 * Returns `undefined` for an unknown name.
 */
export function normaliseRegistryType(input: unknown): RegistryType | undefined {
  if (typeof input !== "string") return undefined;
  return (ALIASES as Readonly<Record<string, RegistryType>>)[input.toLowerCase().replace(/[^a-z0-9]/g, "")];
}

/** Username/password credentials (every type except ECR and public). */
export interface BasicCredential {
  type: Exclude<RegistryType, "ecr" | "public">;
  /** Normalised registry host, lower-case, `docker.io` for Docker Hub, port kept. */
  registry: string;
  username: string;
  password: string;
  /** The registry was given as `http://…` (an insecure registry). */
  insecure: boolean;
}

/** AWS IAM credentials for a private ECR registry (the registries' own documentation). */
export interface EcrCredential {
  type: "ecr";
  /** `ACCOUNT.dkr.ecr.REGION.amazonaws.com` (or another AWS partition suffix). */
  registry: string;
  accountId: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** ECR API endpoint override (VPC endpoint, tests); default `https://api.ecr.REGION.…`. */
  endpoint?: string;
  insecure: false;
}

/** No credentials: anonymous pulls. */
export interface PublicCredential {
  type: "public";
  /** The registry host when one was given; `docker.io` otherwise. */
  registry: string;
  insecure: boolean;
}

/** A validated, normalised registry credential. */
export type Credential = BasicCredential | EcrCredential | PublicCredential;

/** A short-lived username/password pair, e.g. from ECR `GetAuthorizationToken`. */
export interface RegistryToken {
  username: string;
  password: string;
}

/** One validation failure: the resource input it concerns and the rule it broke (no values). */
export interface ValidationFailure {
  property: string;
  reason: string;
}

/** Result of {@link validateCredential}. */
export type ValidationResult =
  | { ok: true; credential: Credential }
  | { ok: false; failures: ValidationFailure[] };
