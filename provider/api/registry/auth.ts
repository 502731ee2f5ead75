/**
 * Step 2 of a registry check, the registry v2 auth flow: the `WWW-Authenticate` challenges of
 * the ping, then Basic, or a Bearer token from the challenge's realm (scope
 * `repository:NAME:pull` only). Credentials go to an https realm, or over plain http only when
 * the registry itself is reached over http (a custom registry configured as `http://…`) and the
 * realm is on its host (or on loopback with `allowInsecureLoopback`) — {@link realmRule}. A
 * registry reached over https never has its password sent to an http realm, even on its host.
 */
import { isLoopbackHost } from "../../core/image-ref";
import { first, type Http, http } from "./http";
import { failed, type VerifyResult } from "./outcomes";

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

/**
 * Whether credentials may go to a Bearer challenge's `realm`: undefined when they may, else the
 * rule that forbids it (for the message). `base` is how the registry itself is reached.
 */
export function realmRule(base: URL, realm: URL, allowInsecureLoopback: boolean): string | undefined {
  if (realm.protocol === "https:") return undefined;
  if (realm.protocol !== "http:")
    return `the token realm's scheme ${realm.protocol} is neither https nor http`;
  if (base.protocol !== "http:") {
    return `the token realm ${realm.protocol}//${realm.host} is plain http while the registry ${base.host} is reached over https: a password goes over http only to a registry configured as http`;
  }
  const sameHost = realm.host.toLowerCase() === base.host.toLowerCase();
  if (sameHost || (allowInsecureLoopback && isLoopbackHost(realm.host))) return undefined;
  return `the token realm ${realm.protocol}//${realm.host} is plain http on another host than the registry ${base.host}`;
}

/** A Basic `Authorization` value. */
export function basic(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`, "utf8").toString("base64")}`;
}

/** What {@link authenticate} needs. */
export interface AuthRequest {
  /** The answer to `GET /v2/`. */
  ping: Http;
  /** `http(s)://host[:port]` of the registry API. */
  base: string;
  /** The repository to pull, if an image is checked (the token's scope). */
  name?: string;
  user?: string;
  pass?: string;
  allowInsecureLoopback?: boolean;
  timeoutMs: number;
}

/** The `Authorization` to present (none for anonymous access), and whether a Bearer token was issued. */
export interface Authenticated {
  authorization?: string;
  bearer: boolean;
  /** The issued token, which no message may contain. */
  token?: string;
}

/**
 * Answers the ping's challenge: a Bearer token from the realm, or Basic credentials; a
 * classified failure when the realm, the token server or the scheme does not allow it.
 */
export async function authenticate(req: AuthRequest): Promise<Authenticated | VerifyResult> {
  const { ping, base, name, user, pass, timeoutMs } = req;
  const challenges = ping.status === 401 ? parseChallenges(first(ping.headers["www-authenticate"])) : [];
  const bearer = challenges.find((c) => c.scheme === "bearer");
  const basicChallenge = challenges.find((c) => c.scheme === "basic");
  if (bearer) {
    const realm = bearer.params.realm;
    if (!realm) return failed("unsupported-auth", "The Bearer challenge has no realm.");
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch {
      return failed("unsupported-auth", "The Bearer challenge's realm is not a URL.");
    }
    const refused = realmRule(new URL(base), realmUrl, req.allowInsecureLoopback === true);
    if (refused !== undefined && user !== undefined) {
      return failed("insecure-realm", `No credentials were sent: ${refused}.`);
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
      if (user === undefined) return failed("no-permission", "The token server refused an anonymous token.");
      return failed(
        "bad-credentials",
        `The token server at ${realmUrl.host} rejected the credentials (HTTP ${tok.status}).`,
      );
    }
    if (tok.status === 429) return failed("rate-limited", "The token server answered 429.");
    if (tok.status !== 200) return failed("unexpected", `The token server answered HTTP ${tok.status}.`);
    let token: unknown;
    try {
      const j = JSON.parse(tok.text) as { token?: unknown; access_token?: unknown };
      token = j.token ?? j.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== "string" || token === "")
      return failed("unexpected", "The token server returned no token.");
    return { authorization: `Bearer ${token}`, bearer: true, token };
  }
  if (basicChallenge) {
    return user !== undefined && pass !== undefined
      ? { authorization: basic(user, pass), bearer: false }
      : { bearer: false };
  }
  if (ping.status === 401) {
    return failed(
      "unsupported-auth",
      `The registry offered ${challenges.map((c) => c.scheme).join(", ") || "no"} challenge.`,
    );
  }
  return { bearer: false };
}
