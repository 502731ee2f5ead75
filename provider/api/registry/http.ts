/**
 * One request to a registry or its token server, with network failures classified as `tls` or
 * `unreachable` ({@link NetError}). Bounded: the whole request (headers and body, however slowly
 * they come) lasts at most `timeoutMs`, and at most {@link REGISTRY_MAX_BODY_BYTES} (64 KiB) of a
 * body is read — counted as it streams, the connection is closed there (only error documents and
 * token answers are read, both far smaller). Redirects are not followed.
 */
import { request } from "undici";
import { readBounded } from "../bounded-read";

/** Most bytes of one registry answer read (error documents, token answers). */
export const REGISTRY_MAX_BODY_BYTES = 64 * 1024;

/** A registry's answer. */
export interface Http {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A header's value; repeated headers joined with `, `. */
export function first(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h.join(", ") : h;
}

/** No answer: a TLS failure or an unreachable host (`detail`: the error code, or "timed out"). */
export class NetError extends Error {
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

/** One request; throws {@link NetError} when no answer comes. */
export async function http(
  method: "GET" | "HEAD",
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
  maxBytes: number = REGISTRY_MAX_BODY_BYTES,
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
    else text = await readBounded(res.body, maxBytes, { truncate: true });
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
