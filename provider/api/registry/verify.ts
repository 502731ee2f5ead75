/**
 * "Test the connection" for a registry credential: the registry v2 auth flow against a real
 * registry, with classified results (the registry v2 token auth flow, the OCI distribution error
 * codes, the registry v2 API; docs/installation-configuration.md).
 *
 * Flow: ping `GET /v2/` → Basic, or Bearer token from the `WWW-Authenticate` realm (auth.ts) →
 * `HEAD` manifest with the full Accept list → on failure `GET` to read the error code →
 * `tags/list` to tell "repository missing" from "tag missing" (manifest.ts). Credentials go only
 * to the registry host itself or to an https realm (loopback http allowed with
 * `allowInsecureLoopback`), never to anything else; no message contains a credential.
 */
import {
  DOCKER_HUB_API_HOST,
  type ImageRef,
  isDockerHub,
  isLoopbackHost,
  parseImageRef,
} from "../../core/image-ref";
import type { Credential } from "../../core/registry/types";
import { isCvmSecretsError } from "../../errors";
import { getAuthorizationToken } from "../ecr";
import { authenticate } from "./auth";
import { first, type Http, http, NetError } from "./http";
import { checkManifest } from "./manifest";
import { failed, type VerifyKind, type VerifyResult } from "./outcomes";

/** Inputs of {@link verifyPull}. */
export interface VerifyOptions {
  /**
   * Image to check, e.g. `ghcr.io/org/app:1`. Without it only the login is checked, the way
   * `docker login` does (the registry v2 token auth flow); that cannot prove pull access.
   */
  image?: string;
  /** Validated credential (from `validateCredential`). */
  credential: Credential;
  /** Per-request timeout, default 15 s. */
  timeoutMs?: number;
  /** Use plain http for loopback registries and allow loopback http realms (tests). */
  allowInsecureLoopback?: boolean;
  /** ECR API endpoint override (tests). */
  ecrEndpoint?: string;
}

/** Which registries conflate "missing" with "denied" (registry behaviour). */
function conflates(credential: Credential, host: string): boolean {
  return (
    isDockerHub(host) || credential.type === "gar" || credential.type === "gcr" || credential.type === "acr"
  );
}

/** The username and password to present, and the values no message may contain. */
interface Presented {
  user?: string;
  pass?: string;
  secrets: string[];
}

/** The login to present (ECR: exchange the IAM key for a 12 h token first, the registry v2 API). */
async function presented(
  cred: Credential,
  opts: VerifyOptions,
  timeoutMs: number,
): Promise<Presented | VerifyResult> {
  const secrets: string[] = [];
  let user: string | undefined;
  let pass: string | undefined;
  if (cred.type === "ecr") {
    secrets.push(cred.secretAccessKey, ...(cred.sessionToken ? [cred.sessionToken] : []));
    try {
      const t = await getAuthorizationToken({
        accessKeyId: cred.accessKeyId,
        secretAccessKey: cred.secretAccessKey,
        sessionToken: cred.sessionToken,
        region: cred.region,
        endpoint: opts.ecrEndpoint ?? cred.endpoint,
        timeoutMs,
      });
      user = t.username;
      pass = t.password;
    } catch (error) {
      if (isCvmSecretsError(error)) {
        const kind: VerifyKind = /cannot reach/.test(error.message) ? "unreachable" : "bad-credentials";
        return { ok: false, kind, message: error.message };
      }
      throw error;
    }
  } else if (cred.type !== "public") {
    user = cred.username;
    pass = cred.password;
  }
  if (pass !== undefined) secrets.push(pass);
  return { user, pass, secrets };
}

/** Step 1: does `GET /v2/` answer like a registry (the API header, a JSON body, or a challenge)? */
function pingFailure(ping: Http, base: string, apiHost: string): VerifyResult | undefined {
  const apiVersion = first(ping.headers["docker-distribution-api-version"]);
  let jsonBody = false;
  try {
    JSON.parse(ping.text);
    jsonBody = true;
  } catch {
    jsonBody = false;
  }
  if (ping.status === 429) return failed("rate-limited", `${apiHost} answered 429 to the v2 ping.`);
  const isRegistry =
    (ping.status === 200 && (apiVersion !== undefined || jsonBody)) ||
    (ping.status === 401 && first(ping.headers["www-authenticate"]) !== undefined);
  if (!isRegistry) {
    return failed(
      "not-a-registry",
      `${base}/v2/ answered HTTP ${ping.status}${apiVersion ? "" : " without the registry API header"}.`,
    );
  }
  return undefined;
}

/** Step 3a, no image: the login alone (the registry v2 token auth flow). */
async function checkLogin(
  ping: Http,
  base: string,
  apiHost: string,
  authorization: string | undefined,
  timeoutMs: number,
): Promise<VerifyResult> {
  if (authorization === undefined) {
    return ping.status === 200 ? { ok: true } : failed("no-permission", `${apiHost} requires credentials.`);
  }
  const login = await http("GET", `${base}/v2/`, { authorization }, timeoutMs);
  if (login.status === 200) return { ok: true };
  if (login.status === 429) return failed("rate-limited", `${apiHost} answered 429 to the login check.`);
  if (login.status === 401 || login.status === 403) {
    return failed("bad-credentials", `${apiHost} rejected the credentials (HTTP ${login.status}).`);
  }
  return failed("unexpected", `${apiHost} answered HTTP ${login.status} to the login check.`);
}

/**
 * Checks the login only (no image): ping, then the Basic `GET /v2/` or the Bearer token request
 * without scope (the registry v2 token auth flow). Same results as {@link verifyPull}.
 */
export function verifyLogin(opts: Omit<VerifyOptions, "image">): Promise<VerifyResult> {
  return verifyPull(opts);
}

/**
 * Checks that `credential` can pull `image` (or, without `image`, that it can log in): never throws for registry or network outcomes,
 * returns a classified result instead. Input errors (an unparsable image) throw
 * CvmSecretsError INVALID_INPUT.
 */
export async function verifyPull(opts: VerifyOptions): Promise<VerifyResult> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const ref: ImageRef | undefined =
    opts.image === undefined ? undefined : parseImageRef(opts.image, "verify.image");
  const cred = opts.credential;
  const credHost = isDockerHub(cred.registry) ? "docker.io" : cred.registry.toLowerCase();
  const imageHost =
    ref === undefined ? credHost : isDockerHub(ref.registry) ? "docker.io" : ref.registry.toLowerCase();

  if (cred.type !== "public" && imageHost !== credHost) {
    return failed("registry-mismatch", `The image is on ${imageHost} but the credential is for ${credHost}.`);
  }

  const login = await presented(cred, opts, timeoutMs);
  if ("ok" in login) return login;
  const { user, pass, secrets } = login;

  const apiHost = isDockerHub(imageHost) ? DOCKER_HUB_API_HOST : (ref?.registry ?? cred.registry);
  const loopback = isLoopbackHost(apiHost);
  const plain =
    (loopback && opts.allowInsecureLoopback === true) || (cred.insecure && cred.type !== "public");
  const base = `${plain ? "http" : "https"}://${apiHost}`;
  const name = ref?.repository;
  const reference = ref?.digest ?? ref?.tag ?? "latest";

  try {
    // 1. Ping.
    const ping = await http("GET", `${base}/v2/`, {}, timeoutMs);
    const notRegistry = pingFailure(ping, base, apiHost);
    if (notRegistry) return notRegistry;

    // 2. Authenticate.
    const auth = await authenticate({
      ping,
      base,
      name,
      user,
      pass,
      allowInsecureLoopback: opts.allowInsecureLoopback,
      timeoutMs,
    });
    if ("ok" in auth) return auth;
    if (auth.token !== undefined) secrets.push(auth.token);

    // 3a. No image: the login alone.
    if (name === undefined) {
      if (auth.bearer) return { ok: true };
      return await checkLogin(ping, base, apiHost, auth.authorization, timeoutMs);
    }

    // 3. Probe the manifest.
    return await checkManifest({
      base,
      apiHost,
      name,
      reference,
      authorization: auth.authorization,
      conflates: conflates(cred, imageHost),
      anonymous: user === undefined,
      secrets,
      timeoutMs,
    });
  } catch (error) {
    if (error instanceof NetError) {
      return error.kind === "tls"
        ? failed("tls", `TLS to ${apiHost} failed (${error.detail}).`)
        : failed("unreachable", `Cannot reach ${base} (${error.detail}).`);
    }
    throw error;
  }
}
