/**
 * AWS Signature Version 4 for request headers, by hand with node:crypto (no AWS SDK).
 * Reference: AWS General Reference "Signature Version 4 signing process" and its test suite
 * (the registries' own documentation: `GetAuthorizationToken` is SigV4-signed, service `ecr`).
 *
 * Pure: the signing time is an input, so the published vectors reproduce exactly.
 */
import { createHash, createHmac } from "node:crypto";

/** AWS credentials used to sign. */
export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** STS session token; sent and signed as `X-Amz-Security-Token`. */
  sessionToken?: string | undefined;
}

/** A request to sign. */
export interface SigV4Request {
  method: string;
  url: string | URL;
  /** Headers to send and sign (names are case-insensitive). `host` is derived from the URL. */
  headers?: Readonly<Record<string, string>>;
  body?: string | Uint8Array;
}

/** Where and when to sign. */
export interface SigV4Options {
  credentials: SigV4Credentials;
  region: string;
  service: string;
  /** Signing time (`X-Amz-Date`). */
  date: Date;
  /** Also send and sign `X-Amz-Content-Sha256` (S3 needs it; other services do not). */
  contentSha256Header?: boolean;
}

/** The result of {@link signRequest}: headers to send plus the intermediate strings. */
export interface SignedRequest {
  /** Lower-case header names → values, including `host`, `x-amz-date`, `authorization`. */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  signedHeaders: string;
  signature: string;
  authorization: string;
}

/** SHA-256 of the empty payload, hex. */
export const EMPTY_PAYLOAD_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const ALGORITHM = "AWS4-HMAC-SHA256";

/** Hex SHA-256 of a string (UTF-8) or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: string | Uint8Array, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

/** `YYYYMMDDTHHMMSSZ` of a date (UTC). */
export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/**
 * The signing key: HMAC chain over date stamp (`YYYYMMDD`), region, service and
 * `aws4_request`, starting from `"AWS4" + secret`.
 */
export function signingKey(
  secretAccessKey: string,
  dateStamp: string,
  region: string,
  service: string,
): Buffer {
  const kDate = hmac(`AWS4${secretAccessKey}`, dateStamp);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, "aws4_request");
}

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Za-z0-9-_.~` is `%XX` (upper-case). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Canonical URI: the normalised path, each segment encoded once (non-S3 services). */
export function canonicalUri(pathname: string): string {
  const out: string[] = [];
  for (const seg of pathname.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(uriEncode(safeDecode(seg)));
  }
  const trailing = pathname.length > 1 && pathname.endsWith("/") && out.length > 0 ? "/" : "";
  return `/${out.join("/")}${trailing}`;
}

/** Canonical query string: encoded names and values, sorted by name then value. */
export function canonicalQuery(search: URLSearchParams): string {
  const pairs: [string, string][] = [];
  for (const [k, v] of search) pairs.push([uriEncode(k), uriEncode(v)]);
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

function canonicalHeaderValue(v: string): string {
  return v.trim().replace(/\s+/g, " ");
}

/**
 * Signs a request with SigV4 (header form). Returns every header to send, lower-cased,
 * including `host`, `x-amz-date`, `x-amz-security-token` (with a session token) and
 * `authorization`.
 */
export function signRequest(req: SigV4Request, opts: SigV4Options): SignedRequest {
  const url = typeof req.url === "string" ? new URL(req.url) : req.url;
  const stamp = amzDate(opts.date);
  const dateStamp = stamp.slice(0, 8);
  const payloadHash = req.body === undefined ? EMPTY_PAYLOAD_SHA256 : sha256Hex(req.body);

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]},${value}`;
  }
  headers.host ??= url.host;
  headers["x-amz-date"] = stamp;
  if (opts.credentials.sessionToken !== undefined)
    headers["x-amz-security-token"] = opts.credentials.sessionToken;
  if (opts.contentSha256Header) headers["x-amz-content-sha256"] = payloadHash;
  delete headers.authorization;

  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${canonicalHeaderValue(headers[n] ?? "")}\n`).join("");
  const signedHeaders = names.join(";");
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalUri(url.pathname),
    canonicalQuery(url.searchParams),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join("\n");

  const scope = `${dateStamp}/${opts.region}/${opts.service}/aws4_request`;
  const stringToSign = [ALGORITHM, stamp, scope, sha256Hex(canonicalRequest)].join("\n");
  const signature = createHmac(
    "sha256",
    signingKey(opts.credentials.secretAccessKey, dateStamp, opts.region, opts.service),
  )
    .update(stringToSign, "utf8")
    .digest("hex");
  const authorization = `${ALGORITHM} Credential=${opts.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  headers.authorization = authorization;
  return { headers, canonicalRequest, stringToSign, signedHeaders, signature, authorization };
}

/** The parts of a SigV4 `Authorization` header. */
export interface ParsedAuthorization {
  accessKeyId: string;
  dateStamp: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses a SigV4 `Authorization` header (used by servers and test stand-ins); `undefined` if malformed. */
export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(
      header.trim(),
    );
  if (!m) return undefined;
  return {
    accessKeyId: m[1] ?? "",
    dateStamp: m[2] ?? "",
    region: m[3] ?? "",
    service: m[4] ?? "",
    signedHeaders: (m[5] ?? "").split(";"),
    signature: m[6] ?? "",
  };
}
