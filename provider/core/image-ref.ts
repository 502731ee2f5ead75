/**
 * Image references and registry hosts, parsed by the distribution grammar
 * (the distribution reference grammar; repo distribution/reference `reference.go`, `normalize.go`).
 *
 * Two different parsers on purpose (the distribution reference grammar):
 *  - {@link parseImageRef} for an image (`ghcr.io/org/app:1`, `ubuntu`),
 *  - {@link parseRegistryHost} for a registry field (`https://ghcr.io`, `localhost:5000`).
 */
import { CvmSecretsError, ErrorCodes } from "../errors";

/** A parsed, normalised image reference. */
export interface ImageRef {
  /** Registry host as written (Docker Hub aliases folded to `docker.io`), with port if any. */
  registry: string;
  /** Repository path, with `library/` for single-component Docker Hub names. */
  repository: string;
  /** Tag; `latest` when neither tag nor digest is given (distribution's `splitDockerDomain`). */
  tag?: string;
  /** Digest `algorithm:hex`; when present it wins over the tag for pulling. */
  digest?: string;
}

/** Canonical name of Docker Hub. */
export const DOCKER_HUB = "docker.io";
/** The only key under which the Docker CLI looks up Hub credentials (the Docker CLI config format). */
export const DOCKER_HUB_CONFIG_KEY = "https://index.docker.io/v1/";
/** The real API host of Docker Hub (distribution's `splitDockerDomain`). */
export const DOCKER_HUB_API_HOST = "registry-1.docker.io";

/** Maximum length of the repository path (distribution/reference `NameTotalLengthMax`). */
export const MAX_REPOSITORY_LENGTH = 255;

// One path component: lowercase alphanumerics joined by `.`, `_`, `__` or one or more `-`.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
// Digest: algorithm components joined by `+._-`, then `:` and at least 32 hex characters.
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
// Host label: alphanumerics with inner `-` (case-insensitive, as in domainNameComponent).
const HOST_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const PORT = /^[0-9]+$/;
const IPV6_BODY = /^[a-fA-F0-9:.]+$/;

function invalid(field: string, rule: string): CvmSecretsError {
  return new CvmSecretsError(ErrorCodes.INVALID_INPUT, `${field}: ${rule}`, { field });
}

/**
 * Checks a `host[:port]` domain per the grammar: DNS-like labels, IPv4, or a bracketed IPv6
 * address without zone id. Returns an error message or `undefined`.
 */
export function domainError(domain: string): string | undefined {
  let host = domain;
  let port: string | undefined;
  if (domain.startsWith("[")) {
    const close = domain.indexOf("]");
    if (close < 0) return "an IPv6 host must be enclosed in [ ]";
    const body = domain.slice(1, close);
    if (body.includes("%")) return "an IPv6 host must not carry a zone id";
    if (!IPV6_BODY.test(body) || !body.includes(":")) return "not a valid IPv6 address";
    const rest = domain.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return "only a :port may follow the IPv6 address";
      port = rest.slice(1);
    }
    host = "";
  } else {
    const colon = domain.indexOf(":");
    if (colon >= 0) {
      host = domain.slice(0, colon);
      port = domain.slice(colon + 1);
    }
    if (host === "") return "the host is empty";
    if (!host.split(".").every((l) => HOST_LABEL.test(l))) {
      return "the host must be DNS labels of letters, digits and inner '-', joined by '.'";
    }
  }
  if (port !== undefined) {
    if (!PORT.test(port)) return "the port must be digits";
    const n = Number(port);
    if (n < 1 || n > 65535) return "the port must be between 1 and 65535";
  }
  return undefined;
}

/**
 * Splits an image name into domain and path (distribution `splitDockerDomain`,
 * distribution's `splitDockerDomain`).
 */
function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf("/");
  if (slash < 0) return { domain: DOCKER_HUB, path: `library/${name}` };
  const first = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  let domain: string;
  let path: string;
  if (first === "localhost" || first.includes(".") || first.includes(":") || first !== first.toLowerCase()) {
    domain = first === "index.docker.io" ? DOCKER_HUB : first;
    path = rest;
  } else {
    domain = DOCKER_HUB;
    path = name;
  }
  if (domain === DOCKER_HUB && !path.includes("/")) path = `library/${path}`;
  return { domain, path };
}

/**
 * Parses an image reference by the distribution grammar (the distribution reference grammar).
 *
 * @param ref the reference, e.g. `ghcr.io/org/app:1`, `ubuntu`, `localhost:5000/x@sha256:…`
 * @param field input name used in error messages
 * @throws CvmSecretsError INVALID_INPUT naming the field and the rule broken
 */
export function parseImageRef(ref: string, field = "image"): ImageRef {
  if (typeof ref !== "string" || ref === "") throw invalid(field, "an image reference must not be empty");
  if (/\s/.test(ref)) throw invalid(field, "an image reference must not contain whitespace");
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      throw invalid(field, "the digest must be 'algorithm:hex' with at least 32 hex characters");
    }
    const [alg, hex = ""] = digest.split(":");
    if (alg === "sha256" && !/^[a-f0-9]{64}$/.test(hex)) {
      throw invalid(field, "a sha256 digest must be 64 lowercase hex characters");
    }
    if (alg === "sha512" && !/^[a-f0-9]{128}$/.test(hex)) {
      throw invalid(field, "a sha512 digest must be 128 lowercase hex characters");
    }
  }
  let tag: string | undefined;
  // The tag is after the last ':' that follows the last '/' (a ':' before it is a port).
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.indexOf(":", lastSlash + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      throw invalid(
        field,
        "the tag must be 1-128 characters of [A-Za-z0-9_.-] and not start with '.' or '-'",
      );
    }
  }
  if (rest === "") throw invalid(field, "the repository name is missing");
  if (/^[a-f0-9]{64}$/.test(rest)) {
    throw invalid(field, "a 64-character hex string is an image ID, not a repository name");
  }
  const { domain, path } = splitDomain(rest);
  const domErr = domainError(domain);
  if (domErr !== undefined) throw invalid(field, `the registry host: ${domErr}`); // the host text may hold user:password@
  if (path.length > MAX_REPOSITORY_LENGTH) {
    throw invalid(field, `the repository path must be at most ${MAX_REPOSITORY_LENGTH} characters`);
  }
  for (const component of path.split("/")) {
    if (!PATH_COMPONENT.test(component)) {
      if (component !== component.toLowerCase())
        throw invalid(field, "the repository name must be lowercase");
      throw invalid(
        field,
        "each repository path component must be lowercase letters and digits joined by '.', '_', '__' or '-'",
      );
    }
  }
  const out: ImageRef = { registry: domain, repository: path };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  if (tag === undefined && digest === undefined) out.tag = "latest";
  return out;
}

/** A parsed registry field (the distribution reference grammar). */
export interface RegistryHost {
  /** `host[:port]` as written, without scheme and path; Docker Hub aliases become `docker.io`. */
  host: string;
  /** Lower-cased {@link host}, for comparisons. */
  key: string;
  /** The user wrote `http://` (an insecure registry). */
  insecure: boolean;
}

const HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** True when the (lower-cased) host is one of Docker Hub's spellings (distribution's `splitDockerDomain`). */
export function isDockerHub(host: string): boolean {
  return HUB_ALIASES.has(host.toLowerCase());
}

/**
 * Parses a registry field the way docker/cli `ConvertToHostname` does: strips `http(s)://`,
 * cuts at the first `/`, keeps `host[:port]` (the distribution reference grammar). All Docker Hub spellings,
 * including `https://index.docker.io/v1/`, become `docker.io`.
 *
 * @throws CvmSecretsError INVALID_INPUT naming the field and the rule broken
 */
export function parseRegistryHost(input: string, field = "registry"): RegistryHost {
  if (typeof input !== "string") throw invalid(field, "the registry must be a string");
  let s = input.trim();
  let insecure = false;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(s);
  if (scheme) {
    const name = (scheme[1] ?? "").toLowerCase();
    if (name !== "http" && name !== "https")
      throw invalid(field, "the scheme may only be http:// or https://");
    insecure = name === "http";
    s = s.slice(scheme[0].length);
  }
  const slash = s.indexOf("/");
  if (slash >= 0) s = s.slice(0, slash);
  if (s === "") throw invalid(field, "the registry host must not be empty");
  if (s.includes("@")) throw invalid(field, "the registry host must not contain user information");
  const err = domainError(s);
  if (err !== undefined) throw invalid(field, err);
  const host = isDockerHub(s) ? DOCKER_HUB : s;
  return { host, key: host.toLowerCase(), insecure };
}

/** True when `host[:port]` names a loopback address (`localhost`, `127.0.0.0/8`, `[::1]`). */
export function isLoopbackHost(hostPort: string): boolean {
  let host = hostPort.toLowerCase();
  if (host.startsWith("[")) host = host.slice(1, host.indexOf("]"));
  else if (host.includes(":")) host = host.slice(0, host.indexOf(":"));
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * True when an image lives on the registry `host` (both compared case-insensitively, Docker Hub
 * aliases folded). Used to warn when a credential would not be used for an image.
 */
export function imageMatchesRegistry(image: ImageRef, host: string): boolean {
  const a = isDockerHub(image.registry) ? DOCKER_HUB : image.registry.toLowerCase();
  const b = isDockerHub(host) ? DOCKER_HUB : host.toLowerCase();
  return a === b;
}
