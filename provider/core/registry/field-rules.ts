/**
 * What each input of each registry type is, in words, for the failures a schema (schemas.ts)
 * reports without them: a required input that is missing or not of its type reads "is required
 * for a ghcr credential: give the GitHub user that owns the token", never zod's "expected
 * string, received undefined". The rules are the ones schemas.ts checks (docs/installation-configuration.md,
 * the registries' own documentation). Pure; no values.
 */
import type { RegistryType } from "./types";

const SECRET = "a password or access token";

/** Per type: each input it takes (dotted for ECR's block), what to give. */
export const FIELD_RULES: Readonly<Record<RegistryType, Readonly<Record<string, string>>>> = {
  dockerhub: {
    registry: "docker.io, or leave it out",
    username: "the Docker ID (not the e-mail address)",
    password: "the Docker Hub password or a personal access token (password or token)",
    token: "a Docker Hub personal access token (password or token)",
  },
  ghcr: {
    registry: "ghcr.io, or leave it out",
    username: "the GitHub user that owns the token",
    token: "a classic GitHub personal access token with read:packages (token or password)",
    password: "a classic GitHub personal access token with read:packages (token or password)",
  },
  ecr: {
    ecr: "an object with accessKeyId, secretAccessKey and registry (or accountId and region)",
    "ecr.accessKeyId": "the IAM access key id (AKIA… or ASIA…, 16-128 uppercase letters and digits)",
    "ecr.secretAccessKey": "the IAM secret access key",
    "ecr.sessionToken": "the session token of temporary (ASIA…) access keys",
    "ecr.endpoint": "an http(s) URL of the ECR API with no path (a VPC endpoint), or leave it out",
    "ecr.region": "the AWS region, e.g. us-east-1",
    "ecr.registry": "the private ECR host ACCOUNT.dkr.ecr.REGION.amazonaws.com",
    "ecr.accountId": "the 12-digit AWS account id",
  },
  acr: {
    registry: "the login server NAME.azurecr.io",
    username: "the service principal's application id, the admin user or a token name",
    password:
      "the service principal's secret, the admin password or the token's password (password or token)",
    token: "the token's password (password or token)",
  },
  gcr: {
    registry: "gcr.io, us.gcr.io, eu.gcr.io or asia.gcr.io, or leave it out",
    serviceAccountKey: "the service-account JSON key (as JSON or base64)",
    username: "_json_key, _json_key_base64 or oauth2accesstoken",
    password: "the key in the form username names, or an OAuth access token",
  },
  gar: {
    registry: "LOCATION-docker.pkg.dev, or give region",
    region: "the Artifact Registry location, e.g. us-central1 or europe",
    serviceAccountKey: "the service-account JSON key (as JSON or base64)",
    username: "_json_key, _json_key_base64 or oauth2accesstoken",
    password: "the key in the form username names, or an OAuth access token",
  },
  quay: {
    registry: "quay.io or your Quay host, or leave it out",
    username: "the robot account, namespace+robot",
    token: "the robot account's token (token or password)",
    password: "the robot account's token (token or password)",
  },
  gitlab: {
    registry: "registry.gitlab.com or your GitLab registry host, or leave it out",
    username: "the deploy token's username (or the user of an access token)",
    token: "a deploy token or access token with read_registry (token or password)",
    password: "a deploy token or access token with read_registry (token or password)",
  },
  custom: {
    registry: "the registry host, e.g. registry.example.com:5000",
    username: "the registry user",
    password: SECRET,
    token: SECRET,
  },
  public: { registry: "the registry host, or leave it out (Docker Hub)" },
};

/** "a ghcr credential", "an ecr credential". */
export function credentialOf(type: RegistryType): string {
  return `${/^[aeiou]/.test(type) ? "an" : "a"} ${type} credential`;
}

/** The inputs a type takes (top level), for "is not an input of …". */
export function inputsOf(type: RegistryType): string[] {
  return ["type", ...Object.keys(FIELD_RULES[type]).filter((k) => !k.includes(".")), "verify"];
}

/**
 * The rule in words for a schema issue zod worded itself (a missing input, one of another
 * type): which input, what a credential of `type` needs there. `received` is what was given
 * (`undefined` when the input is missing); `expected` the type zod wanted.
 */
export function fieldRule(
  type: RegistryType,
  property: string,
  received: "missing" | "wrong-type",
  expected: string | undefined,
): string {
  const what = FIELD_RULES[type][property];
  const give = what === undefined ? "" : `: give ${what}`;
  if (received === "missing") return `is required for ${credentialOf(type)}${give}`;
  const kind =
    expected === "object" ? "an object" : expected === undefined ? "of another type" : `a ${expected}`;
  return `must be ${kind} in ${credentialOf(type)}${give}`;
}
