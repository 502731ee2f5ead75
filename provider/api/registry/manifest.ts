/**
 * Step 3 of a registry check: probe the image's manifest (`HEAD`, then `GET` to read the error
 * code, then `tags/list` to tell "repository missing" from "tag missing") and classify a failure
 * (the OCI distribution error codes, the registry v2 API). Registry messages are quoted with
 * every credential and token redacted.
 */
import { parseChallenges } from "./auth";
import { first, http } from "./http";
import { failed, type VerifyKind, type VerifyResult } from "./outcomes";

/** The full Accept list (registry behaviour: without it OCI images look missing). */
export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

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

interface RegistryError {
  code: string;
  message: string;
}

/** The `errors` of a registry error body, or undefined when the body is not one. */
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

/** A registry's text, each secret replaced, whitespace folded, at most 200 characters. */
function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join("[redacted]");
  return out.replace(/\s+/g, " ").trim().slice(0, 200);
}

/** What {@link checkManifest} probes, and with what. */
export interface ManifestProbe {
  /** `http(s)://host[:port]` of the registry API. */
  base: string;
  /** The registry host as messages name it. */
  apiHost: string;
  /** Repository and tag or digest. */
  name: string;
  reference: string;
  authorization?: string;
  /** The registry answers the same for "missing" and "denied" (Docker Hub, GAR/GCR, ACR). */
  conflates: boolean;
  /** No credentials were presented. */
  anonymous: boolean;
  /** Values no message may contain (password, keys, token). */
  secrets: readonly string[];
  timeoutMs: number;
}

/** Probes the manifest: HEAD, then GET to read the error, then `tags/list` where a 404 needs it. */
export async function checkManifest(p: ManifestProbe): Promise<VerifyResult> {
  const { base, apiHost, name, reference, secrets, timeoutMs } = p;
  const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
  if (p.authorization) headers.authorization = p.authorization;
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
    errors.length > 0 ? ` (${redact(errors.map((e) => `${e.code}: ${e.message}`).join("; "), secrets)})` : "";
  const what = `${name}:${reference} on ${apiHost}`;
  const status = got.status;
  const kind = classifyManifestFailure({
    status,
    codes,
    messages: errors.map((e) => e.message),
    wwwAuthenticate: first(got.headers["www-authenticate"]),
    conflates: p.conflates,
    anonymous: p.anonymous,
  });
  switch (kind) {
    case "rate-limited": {
      const remaining = first(got.headers["ratelimit-remaining"]);
      return failed(
        kind,
        `${apiHost} is rate-limiting pulls${remaining ? ` (remaining ${remaining})` : ""}.`,
      );
    }
    case "not-found-or-denied":
      return failed(kind, `${what} is missing or not readable${said}.`);
    case "no-permission":
      return failed(
        kind,
        p.anonymous
          ? `${apiHost} requires credentials to pull ${name}${said}.`
          : `The credentials may not pull ${name}${said}.`,
      );
    case "bad-credentials":
      return failed(kind, `${apiHost} rejected the credentials for ${name}${said}.`);
    case "token-expired":
      return failed(kind, `${apiHost} says the authorization token has expired${said}.`);
    case "repository-missing":
      return failed(kind, `Repository ${name} does not exist on ${apiHost}${said}.`);
    default:
      break;
  }
  if (kind === "check-tags") {
    // distribution answers MANIFEST_UNKNOWN even for a missing repository: ask tags/list (the registry v2 token auth flow).
    const tags = await http("GET", `${base}/v2/${name}/tags/list?n=1`, headers, timeoutMs);
    const tagCodes = (registryErrors(tags.text) ?? []).map((e) => e.code);
    if (tags.status === 200)
      return failed("tag-missing", `Repository ${name} exists but has no ${reference}${said}.`);
    if (tags.status === 404 && (tagCodes.includes("NAME_UNKNOWN") || tagCodes.length === 0)) {
      return failed("repository-missing", `Repository ${name} does not exist on ${apiHost}.`);
    }
    return failed("tag-missing", `${what} was not found${said}.`);
  }
  if (status >= 500) return failed("unexpected", `${apiHost} answered HTTP ${status}${said}.`);
  return failed("unexpected", `${apiHost} answered HTTP ${status} for the manifest${said}.`);
}
