/**
 * Renderers: a validated {@link Credential} → what each target consumes (the rendering targets).
 * Pure functions; every output carries credentials and must be marked secret by the caller.
 */
import { CvmSecretsError, ErrorCodes } from "../../errors";
import { DOCKER_HUB, DOCKER_HUB_CONFIG_KEY, isDockerHub } from "../image-ref";
import type { Credential, RegistryToken } from "./types";
import { validateCredential } from "./validate";

/**
 * The Phala pre-launch variables (Phala's default pre-launch script, Phala's pre-launch registry variables): the three
 * `DSTACK_DOCKER_*` variables, or for ECR the four `DSTACK_AWS_*` variables (+ session token);
 * nothing for a public registry. Docker Hub gets `DSTACK_DOCKER_REGISTRY=docker.io`, GHCR exactly
 * `ghcr.io` (the script's GHCR pull pre-check compares the string).
 */
export function cvmEnv(credential: Credential): Record<string, string> {
  switch (credential.type) {
    case "public":
      return {};
    case "ecr": {
      const env: Record<string, string> = {
        DSTACK_AWS_ACCESS_KEY_ID: credential.accessKeyId,
        DSTACK_AWS_SECRET_ACCESS_KEY: credential.secretAccessKey,
        DSTACK_AWS_REGION: credential.region,
        DSTACK_AWS_ECR_REGISTRY: credential.registry,
      };
      if (credential.sessionToken !== undefined) env.DSTACK_AWS_SESSION_TOKEN = credential.sessionToken;
      return env;
    }
    default:
      return {
        DSTACK_DOCKER_REGISTRY: isDockerHub(credential.registry) ? DOCKER_HUB : credential.registry,
        DSTACK_DOCKER_USERNAME: credential.username,
        DSTACK_DOCKER_PASSWORD: credential.password,
      };
  }
}

/** The key under which Docker and the kubelet look up this registry (the Docker CLI config format). */
export function authKey(registry: string): string {
  return isDockerHub(registry) ? DOCKER_HUB_CONFIG_KEY : registry;
}

function userPass(
  credential: Credential,
  token: RegistryToken | undefined,
  what: string,
): RegistryToken | undefined {
  if (credential.type === "public") return undefined;
  if (credential.type === "ecr") {
    if (token === undefined) {
      throw new CvmSecretsError(
        ErrorCodes.INVALID_INPUT,
        `${what}: an ECR credential needs a token from GetAuthorizationToken to render`,
        { registry: credential.registry },
      );
    }
    return token;
  }
  return token ?? { username: credential.username, password: credential.password };
}

/**
 * Kubernetes `kubernetes.io/dockerconfigjson` content (the `.dockerconfigjson` value):
 * `{"auths":{KEY:{"username","password","auth"}}}` with `auth` = base64(user:pass) and Docker
 * Hub under `https://index.docker.io/v1/` (the Docker CLI config format). ECR needs the short-lived `token`.
 * A public credential renders `{"auths":{}}`.
 */
export function dockerConfigJson(credential: Credential, token?: RegistryToken): string {
  const up = userPass(credential, token, "dockerConfigJson");
  if (up === undefined) return JSON.stringify({ auths: {} });
  const auth = Buffer.from(`${up.username}:${up.password}`, "utf8").toString("base64");
  return JSON.stringify({
    auths: { [authKey(credential.registry)]: { username: up.username, password: up.password, auth } },
  });
}

/** An Akash SDL `credentials:` block (Akash SDL `credentials`). */
export interface AkashCredentials {
  host: string;
  username: string;
  password: string;
}

/**
 * The Akash SDL `credentials` block; the provider writes `host` verbatim as the
 * dockerconfigjson key, so Docker Hub uses `https://index.docker.io/v1/` (Akash SDL `credentials`).
 * `undefined` for a public registry. ECR needs the short-lived `token` (stale after 12 h).
 */
export function akashCredentials(
  credential: Credential,
  token?: RegistryToken,
): AkashCredentials | undefined {
  const up = userPass(credential, token, "akashCredentials");
  if (up === undefined) return undefined;
  return { host: authKey(credential.registry), username: up.username, password: up.password };
}

/** Every rendering of a credential, as the program-side `RegistryCredential` exposes them. */
export interface Renderings {
  cvmEnv: Record<string, string>;
  dockerConfigJson: string;
  akashCredentials?: AkashCredentials;
}

/** All renderings; ECR needs the `token` its provider minted. */
export function renderAll(credential: Credential, token?: RegistryToken): Renderings {
  const akash = akashCredentials(credential, token);
  return {
    cvmEnv: cvmEnv(credential),
    dockerConfigJson: dockerConfigJson(credential, token),
    ...(akash ? { akashCredentials: akash } : {}),
  };
}

/**
 * The renderings of a `RegistryCredential` from its credential inputs and the ECR token its
 * provider minted (`ecrToken`), as both resource classes expose them: undefined when the inputs
 * are invalid (the provider's check names the input and the rule), only `cvmEnv` for an ECR
 * credential without a minted token.
 */
export function renderCredential(
  values: Record<string, unknown>,
  token: unknown,
): Partial<Renderings> | undefined {
  const r = validateCredential(values);
  if (!r.ok) return undefined;
  const t = token as { username?: unknown; password?: unknown } | undefined | null;
  const ecr =
    typeof t?.username === "string" && typeof t.password === "string"
      ? { username: t.username, password: t.password }
      : undefined;
  // An ECR credential renders for Kubernetes and Akash only with a minted token.
  if (r.credential.type === "ecr" && ecr === undefined) return { cvmEnv: cvmEnv(r.credential) };
  return renderAll(r.credential, ecr);
}
