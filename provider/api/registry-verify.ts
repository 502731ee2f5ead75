/**
 * "Test the connection" for a registry credential: the registry v2 auth flow against a real
 * registry, with classified results (the registry v2 token auth flow, the OCI distribution error codes, the registry v2 API; README: Configuration).
 *
 * Flow: ping `GET /v2/` → Basic, or Bearer token from the `WWW-Authenticate` realm (scope
 * `repository:NAME:pull` only) → `HEAD` manifest with the full Accept list → on failure `GET`
 * to read the error code → `tags/list` to tell "repository missing" from "tag missing".
 * Credentials go only to the registry host itself or to an https realm (loopback http allowed
 * with `allowInsecureLoopback`), never to anything else; no message contains a credential.
 */
import { request } from "undici";
import {
  DOCKER_HUB_API_HOST,
  type ImageRef,
  isDockerHub,
  isLoopbackHost,
  parseImageRef,
} from "../core/image-ref";
import type { Credential } from "../core/registry/types";
import { isCvmSecretsError } from "../errors";
import { getAuthorizationToken } from "./ecr";

/** Classified outcomes of a failed check (the registry v2 API). */
export type VerifyKind =
  | "bad-credentials"
  | "no-permission"
  | "not-found-or-denied"
  | "repository-missing"
  | "tag-missing"
  | "token-expired"
  | "rate-limited"
  | "not-a-registry"
  | "unsupported-auth"
  | "insecure-realm"
  | "registry-mismatch"
  | "tls"
  | "unreachable"
  | "unexpected";

/** One sentence per kind on what to do. */
export const VERIFY_ADVICE: Readonly<Record<VerifyKind, string>> = {
  "bad-credentials":
    "Check the username and password or token (Docker Hub wants the Docker ID, not the e-mail address; ECR wants a valid access key).",
  "no-permission":
    "Grant this identity pull access to the repository (e.g. read:packages on GHCR, ecr:BatchGetImage on ECR, a pull action on the token server).",
  "not-found-or-denied":
    "This registry does not say whether the repository is missing or not readable: check the image name and grant this identity pull access.",
  "repository-missing":
    "Check the image name (on Docker Hub, single names live under library/) or push the repository first.",
  "tag-missing": "Push that tag or digest, or fix the tag in verify.image.",
  "token-expired": "Fetch a fresh token (ECR tokens last 12 hours) and run the update again.",
  "rate-limited": "Wait for the rate-limit window to pass, authenticate, or pull through a mirror.",
  "not-a-registry": "Check the registry host and port: it must serve the registry v2 API at /v2/.",
  "unsupported-auth":
    "The registry asked for an authentication scheme other than Basic or Bearer: verify the pull by hand.",
  "insecure-realm":
    "The registry's token realm is plain http on another host, so no credentials were sent: fix the realm or serve it over https.",
  "registry-mismatch":
    "This credential would not be used for that image: make verify.image name an image on the credential's registry.",
  tls: "Fix the registry's TLS certificate (untrusted, expired or issued for another name) or trust its CA.",
  unreachable:
    "Check the host, the port and that this machine can reach the registry (DNS, firewall, proxy).",
  unexpected: "Retry later and check the registry's status page.",
};

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

/** Result of {@link verifyPull}. */
export type VerifyResult =
  | { ok: true; digest?: string; mediaType?: string }
  | { ok: false; kind: VerifyKind; message: string };

/** The full Accept list (registry behaviour: without it OCI images look missing). */
export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** One parsed `WWW-Authenticate` challenge. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` value that may carry several challenges (the registry v2 token auth flow):
 * `Bearer realm="…",service="…", Basic realm="…"`. Scheme names are lower-cased.
 */
export function parseChallenges(header: string | undefined): Challenge[] {
  if (!header) return [];
  const out: Challenge[] = [];
  const param = /[\s,]*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/y;
  const scheme = /[\s,]*([A-Za-z][A-Za-z0-9._~+/-]*)/y;
  let current: Challenge | undefined;
  let pos = 0;
  while (pos < header.length) {
    param.lastIndex = pos;
    const m = current ? param.exec(header) : null;
    if (m && current) {
      current.params[(m[1] ?? "").toLowerCase()] =
        m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "");
      pos = param.lastIndex;
      continue;
    }
    scheme.lastIndex = pos;
    const sm = scheme.exec(header);
    if (!sm) break;
    current = { scheme: (sm[1] ?? "").toLowerCase(), params: {} };
    out.push(current);
    pos = scheme.lastIndex;
  }
  return out;
}

interface Http {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function first(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h.join(", ") : h;
}

class NetError extends Error {
  constructor(
    readonly kind: "tls" | "unreachable",
    readonly detail: string,
  ) {
    super(detail);
  }
}

const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "EPROTO",
]);

async function http(
  method: "GET" | "HEAD",
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Http> {
  try {
    const res = await request(url, {
      method,
      headers,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    let text = "";
    if (method === "HEAD") await res.body.dump();
    else text = (await res.body.text()).slice(0, 64 * 1024);
    return { status: res.statusCode, headers: res.headers, text };
  } catch (error) {
    const e = error as { code?: string; name?: string; cause?: { code?: string } };
    const code = e.code ?? e.cause?.code ?? e.name ?? "error";
    if (TLS_CODES.has(code) || /CERT|TLS|SSL/.test(code)) throw new NetError("tls", code);
    if (e.name === "TimeoutError" || e.name === "AbortError" || /TIMEOUT/.test(code))
      throw new NetError("unreachable", "timed out");
    throw new NetError("unreachable", code);
  }
}

function basic(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`, "utf8").toString("base64")}`;
}

interface RegistryError {
  code: string;
  message: string;
}

function registryErrors(text: string): RegistryError[] | undefined {
  try {
    const j = JSON.parse(text) as { errors?: unknown };
    if (!Array.isArray(j.errors)) return undefined;
    return j.errors.map((e) => {
      const o = (e ?? {}) as { code?: unknown; message?: unknown };
      return {
        code: typeof o.code === "string" ? o.code : "",
        message: typeof o.message === "string" ? o.message : "",
      };
    });
  } catch {
    return undefined;
  }
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join("[redacted]");
  return out.replace(/\s+/g, " ").trim().slice(0, 200);
}

/** Which registries conflate "missing" with "denied" (registry behaviour). */
function conflates(credential: Credential, host: string): boolean {
  return (
    isDockerHub(host) || credential.type === "gar" || credential.type === "gcr" || credential.type === "acr"
  );
}

/** What {@link classifyManifestFailure} looks at. */
export interface ManifestFailure {
  status: number;
  /** Registry error codes from the GET body (`MANIFEST_UNKNOWN`, `DENIED`, …). */
  codes: readonly string[];
  messages: readonly string[];
  wwwAuthenticate?: string | undefined;
  /** The registry answers the same for "missing" and "denied" (Docker Hub, GAR/GCR, ACR). */
  conflates: boolean;
  /** No credentials were presented. */
  anonymous: boolean;
}

/**
 * Classifies a failed manifest request (the OCI distribution error codes, the registry v2 API). Returns
 * `"check-tags"` for a 404 that needs `tags/list` to tell a missing repository from a missing tag.
 */
export function classifyManifestFailure(f: ManifestFailure): VerifyKind | "check-tags" {
  if (f.status === 429 || f.codes.includes("TOOMANYREQUESTS")) return "rate-limited";
  if (f.status === 401) {
    const error = parseChallenges(f.wwwAuthenticate).find(
      (c) => c.scheme === "bearer" || c.scheme === "basic",
    )?.params.error;
    if (f.conflates) return "not-found-or-denied";
    if (error === "insufficient_scope" || f.anonymous) return "no-permission";
    return "bad-credentials";
  }
  if (f.status === 403) {
    if (f.messages.some((m) => /expired/i.test(m))) return "token-expired";
    return f.conflates ? "not-found-or-denied" : "no-permission";
  }
  if (f.status === 404) return f.codes.includes("NAME_UNKNOWN") ? "repository-missing" : "check-tags";
  return "unexpected";
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
  const fail = (kind: VerifyKind, what: string): VerifyResult => ({
    ok: false,
    kind,
    message: `${what} ${VERIFY_ADVICE[kind]}`,
  });

  if (cred.type !== "public" && imageHost !== credHost) {
    return fail("registry-mismatch", `The image is on ${imageHost} but the credential is for ${credHost}.`);
  }

  // Username/password to present (ECR: exchange the IAM key for a 12 h token first, the registry v2 API).
  let user: string | undefined;
  let pass: string | undefined;
  const secrets: string[] = [];
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
    const wwwAuth = first(ping.headers["www-authenticate"]);
    const apiVersion = first(ping.headers["docker-distribution-api-version"]);
    let jsonBody = false;
    try {
      JSON.parse(ping.text);
      jsonBody = true;
    } catch {
      jsonBody = false;
    }
    if (ping.status === 429) return fail("rate-limited", `${apiHost} answered 429 to the v2 ping.`);
    const isRegistry =
      (ping.status === 200 && (apiVersion !== undefined || jsonBody)) ||
      (ping.status === 401 && wwwAuth !== undefined);
    if (!isRegistry) {
      return fail(
        "not-a-registry",
        `${base}/v2/ answered HTTP ${ping.status}${apiVersion ? "" : " without the registry API header"}.`,
      );
    }

    // 2. Authenticate.
    let authorization: string | undefined;
    const challenges = ping.status === 401 ? parseChallenges(wwwAuth) : [];
    const bearer = challenges.find((c) => c.scheme === "bearer");
    const basicChallenge = challenges.find((c) => c.scheme === "basic");
    if (bearer) {
      const realm = bearer.params.realm;
      if (!realm) return fail("unsupported-auth", "The Bearer challenge has no realm.");
      let realmUrl: URL;
      try {
        realmUrl = new URL(realm);
      } catch {
        return fail("unsupported-auth", "The Bearer challenge's realm is not a URL.");
      }
      const sameHost = realmUrl.host.toLowerCase() === new URL(base).host.toLowerCase();
      const realmOk =
        realmUrl.protocol === "https:" ||
        (realmUrl.protocol === "http:" &&
          (sameHost || (opts.allowInsecureLoopback === true && isLoopbackHost(realmUrl.host))));
      if (!realmOk && user !== undefined) {
        return fail("insecure-realm", `The token realm is ${realmUrl.protocol}//${realmUrl.host}.`);
      }
      const q = new URLSearchParams();
      if (bearer.params.service) q.set("service", bearer.params.service);
      if (name !== undefined) q.set("scope", `repository:${name}:pull`);
      if (user !== undefined) q.set("account", user);
      q.set("client_id", "pulumi-cvm-secrets");
      realmUrl.search = realmUrl.search ? `${realmUrl.search.slice(1)}&${q}` : q.toString();
      const headers: Record<string, string> = {};
      if (user !== undefined && pass !== undefined) headers.authorization = basic(user, pass);
      const tok = await http("GET", realmUrl.toString(), headers, timeoutMs);
      if (tok.status === 401 || tok.status === 403) {
        if (user === undefined) return fail("no-permission", "The token server refused an anonymous token.");
        return fail(
          "bad-credentials",
          `The token server at ${realmUrl.host} rejected the credentials (HTTP ${tok.status}).`,
        );
      }
      if (tok.status === 429) return fail("rate-limited", "The token server answered 429.");
      if (tok.status !== 200) return fail("unexpected", `The token server answered HTTP ${tok.status}.`);
      let token: unknown;
      try {
        const j = JSON.parse(tok.text) as { token?: unknown; access_token?: unknown };
        token = j.token ?? j.access_token;
      } catch {
        token = undefined;
      }
      if (typeof token !== "string" || token === "")
        return fail("unexpected", "The token server returned no token.");
      secrets.push(token);
      authorization = `Bearer ${token}`;
    } else if (basicChallenge) {
      if (user !== undefined && pass !== undefined) authorization = basic(user, pass);
    } else if (ping.status === 401) {
      return fail(
        "unsupported-auth",
        `The registry offered ${challenges.map((c) => c.scheme).join(", ") || "no"} challenge.`,
      );
    }

    // 3a. No image: the login alone (the registry v2 token auth flow).
    if (name === undefined) {
      if (bearer) return { ok: true };
      if (authorization === undefined) {
        return ping.status === 200 ? { ok: true } : fail("no-permission", `${apiHost} requires credentials.`);
      }
      const login = await http("GET", `${base}/v2/`, { authorization }, timeoutMs);
      if (login.status === 200) return { ok: true };
      if (login.status === 429) return fail("rate-limited", `${apiHost} answered 429 to the login check.`);
      if (login.status === 401 || login.status === 403) {
        return fail("bad-credentials", `${apiHost} rejected the credentials (HTTP ${login.status}).`);
      }
      return fail("unexpected", `${apiHost} answered HTTP ${login.status} to the login check.`);
    }

    // 3. Probe the manifest: HEAD, then GET to read the error.
    const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
    if (authorization) headers.authorization = authorization;
    const manifestUrl = `${base}/v2/${name}/manifests/${reference}`;
    const head = await http("HEAD", manifestUrl, headers, timeoutMs);
    if (head.status === 200) {
      const digest = first(head.headers["docker-content-digest"]);
      const mediaType = first(head.headers["content-type"]);
      const out: VerifyResult = { ok: true };
      if (digest) out.digest = digest;
      if (mediaType) out.mediaType = mediaType;
      return out;
    }
    const got = await http("GET", manifestUrl, headers, timeoutMs);
    if (got.status === 200) {
      const digest = first(got.headers["docker-content-digest"]);
      return digest ? { ok: true, digest } : { ok: true };
    }
    const errors = registryErrors(got.text) ?? [];
    const codes = errors.map((e) => e.code);
    const said =
      errors.length > 0
        ? ` (${redact(errors.map((e) => `${e.code}: ${e.message}`).join("; "), secrets)})`
        : "";
    const what = `${name}:${reference} on ${apiHost}`;
    const status = got.status;
    const kind = classifyManifestFailure({
      status,
      codes,
      messages: errors.map((e) => e.message),
      wwwAuthenticate: first(got.headers["www-authenticate"]),
      conflates: conflates(cred, imageHost),
      anonymous: user === undefined,
    });
    switch (kind) {
      case "rate-limited": {
        const remaining = first(got.headers["ratelimit-remaining"]);
        return fail(
          kind,
          `${apiHost} is rate-limiting pulls${remaining ? ` (remaining ${remaining})` : ""}.`,
        );
      }
      case "not-found-or-denied":
        return fail(kind, `${what} is missing or not readable${said}.`);
      case "no-permission":
        return fail(
          kind,
          user === undefined
            ? `${apiHost} requires credentials to pull ${name}${said}.`
            : `The credentials may not pull ${name}${said}.`,
        );
      case "bad-credentials":
        return fail(kind, `${apiHost} rejected the credentials for ${name}${said}.`);
      case "token-expired":
        return fail(kind, `${apiHost} says the authorization token has expired${said}.`);
      case "repository-missing":
        return fail(kind, `Repository ${name} does not exist on ${apiHost}${said}.`);
      default:
        break;
    }
    if (kind === "check-tags") {
      // distribution answers MANIFEST_UNKNOWN even for a missing repository: ask tags/list (the registry v2 token auth flow).
      const tags = await http("GET", `${base}/v2/${name}/tags/list?n=1`, headers, timeoutMs);
      const tagCodes = (registryErrors(tags.text) ?? []).map((e) => e.code);
      if (tags.status === 200)
        return fail("tag-missing", `Repository ${name} exists but has no ${reference}${said}.`);
      if (tags.status === 404 && (tagCodes.includes("NAME_UNKNOWN") || tagCodes.length === 0)) {
        return fail("repository-missing", `Repository ${name} does not exist on ${apiHost}.`);
      }
      return fail("tag-missing", `${what} was not found${said}.`);
    }
    if (status >= 500) return fail("unexpected", `${apiHost} answered HTTP ${status}${said}.`);
    return fail("unexpected", `${apiHost} answered HTTP ${status} for the manifest${said}.`);
  } catch (error) {
    if (error instanceof NetError) {
      return error.kind === "tls"
        ? fail("tls", `TLS to ${apiHost} failed (${error.detail}).`)
        : fail("unreachable", `Cannot reach ${base} (${error.detail}).`);
    }
    throw error;
  }
}
