/**
 * A JSON-RPC 2.0 client for one chain node (the KMS anchor's reads), bounded three ways: in time
 * (a timeout per attempt and one for the whole call), in bytes (the answer is streamed and the
 * request aborted past a ceiling), in attempts (connection errors, timeouts and 5xx only, with
 * the Phala client's capped backoff). An RPC URL may carry an API key in its path or query, so
 * it is never printed: messages name its origin only ({@link rpcOrigin}). Answers are checked
 * (the JSON-RPC 2.0 specification, "Response object": `jsonrpc`, the request's `id`, exactly
 * one of `result` and `error`).
 */
import { request } from "undici";
import { parseRpcUrl } from "../../core/rpc-url";
import { CvmSecretsError, ErrorCodes } from "../../errors";
import { backoffDelay, type RetryPolicy } from "../phala/retry";
import { clip, sleep } from "../phala/transport";

/** Bounds of a {@link jsonRpc} client. */
export interface RpcOptions {
  /** The node's URL (http or https). Never printed whole. */
  url: string;
  /** Timeout of one attempt, headers and body (default 10 s). */
  timeoutMs?: number;
  /** Timeout of a call, all attempts and waits included (default 30 s). */
  totalMs?: number;
  /** Largest answer read, in bytes (default 1 MiB). */
  maxBytes?: number;
  /** Attempts per call, the first included (default 3). */
  attempts?: number;
  /** Base delay of the backoff between attempts (default 250 ms). */
  backoffMs?: number;
}

/** One chain node. */
export interface JsonRpc {
  /** The result of `method(params)`; a {@link CvmSecretsError} `CVMS_CHAIN_ERROR` otherwise. */
  call(method: string, params: readonly unknown[]): Promise<unknown>;
  /** The URL's origin, what messages may name. */
  readonly origin: string;
}

export const DEFAULT_RPC_BOUNDS = {
  timeoutMs: 10_000,
  totalMs: 30_000,
  maxBytes: 1024 * 1024,
  attempts: 3,
} as const;

/** A client for the node at `options.url` (throws `CVMS_CONFIGURATION` for a URL that is not http(s)). */
export function jsonRpc(options: RpcOptions): JsonRpc {
  const url = parseRpcUrl(options.url);
  if (!url) {
    throw new CvmSecretsError(
      ErrorCodes.CONFIGURATION,
      "an RPC URL must be an absolute http:// or https:// URL",
    );
  }
  const origin = url.origin;
  const timeoutMs = options.timeoutMs ?? DEFAULT_RPC_BOUNDS.timeoutMs;
  const totalMs = options.totalMs ?? DEFAULT_RPC_BOUNDS.totalMs;
  const maxBytes = options.maxBytes ?? DEFAULT_RPC_BOUNDS.maxBytes;
  const policy: RetryPolicy = {
    attempts: options.attempts ?? DEFAULT_RPC_BOUNDS.attempts,
    baseMs: options.backoffMs ?? 250,
    capMs: 4_000,
    maxRetryAfterMs: 0,
  };
  let nextId = 1;

  async function call(method: string, params: readonly unknown[]): Promise<unknown> {
    const id = nextId++;
    const deadline = Date.now() + totalMs;
    const body = JSON.stringify({ jsonrpc: "2.0", id, method, params });
    const fail = (reason: string, details: Record<string, string | number> = {}): CvmSecretsError =>
      new CvmSecretsError(ErrorCodes.CHAIN_ERROR, `${method} at RPC ${origin}: ${reason}`, {
        method,
        rpc: origin,
        ...details,
      });
    for (let attempt = 0; ; attempt++) {
      const left = deadline - Date.now();
      const outcome =
        left > 0 ? await post(url as URL, body, Math.min(timeoutMs, left), maxBytes) : timedOut();
      if (outcome.kind === "answer") return parseAnswer(outcome.text, id, fail, secretsOf(url as URL));
      if (outcome.kind === "too-large")
        throw fail(`the answer is larger than ${maxBytes} bytes; nothing was read`);
      if (outcome.kind === "status" && !(outcome.status >= 500 && outcome.status <= 599)) {
        throw fail(`HTTP ${outcome.status}`, { status: outcome.status });
      }
      const delay =
        attempt + 1 < policy.attempts ? (backoffDelay(attempt, policy, undefined) ?? 0) : undefined;
      if (delay === undefined || Date.now() + delay >= deadline) {
        const what = outcome.kind === "status" ? `HTTP ${outcome.status}` : outcome.reason;
        throw fail(
          `${what} (after ${attempt + 1} attempts, ${totalMs} ms at most); check the RPC URL for this chain`,
          {
            attempts: attempt + 1,
          },
        );
      }
      await sleep(delay);
    }
  }

  return { call, origin };
}

type Outcome =
  | { kind: "answer"; text: string }
  | { kind: "status"; status: number }
  | { kind: "too-large" }
  | { kind: "lost"; reason: string };

function timedOut(): Outcome {
  return { kind: "lost", reason: "timed out" };
}

/** One POST, its answer read up to `maxBytes`; never throws. */
async function post(url: URL, body: string, timeoutMs: number, maxBytes: number): Promise<Outcome> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const res = await request(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "user-agent": "pulumi-cvm-secrets",
      },
      body,
      signal: abort.signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const declared = Number(res.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes) {
      res.body.destroy();
      return { kind: "too-large" };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        res.body.destroy();
        return { kind: "too-large" };
      }
      chunks.push(chunk as Buffer);
    }
    if (res.statusCode !== 200) return { kind: "status", status: res.statusCode };
    return { kind: "answer", text: Buffer.concat(chunks).toString("utf8") };
  } catch (error) {
    if (abort.signal.aborted) return { kind: "lost", reason: `timed out after ${timeoutMs} ms` };
    const code = (error as { code?: unknown }).code;
    return {
      kind: "lost",
      reason: typeof code === "string" ? `connection error ${code}` : "connection error",
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The `result` of a JSON-RPC 2.0 answer to request `id`; anything else throws. */
function parseAnswer(
  text: string,
  id: number,
  fail: (reason: string, details?: Record<string, string | number>) => Error,
  secrets: readonly string[],
): unknown {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    throw fail("the answer is not JSON");
  }
  if (typeof answer !== "object" || answer === null || Array.isArray(answer))
    throw fail("the answer is not a JSON-RPC object");
  const a = answer as Record<string, unknown>;
  if (a.jsonrpc !== "2.0") throw fail('the answer is not JSON-RPC 2.0 (no "jsonrpc": "2.0")');
  if (a.id !== id) throw fail("the answer's id is not the request's");
  const hasResult = "result" in a;
  const hasError = "error" in a && a.error !== undefined && a.error !== null;
  if (hasResult === hasError) throw fail("the answer must hold exactly one of result and error");
  if (hasError) {
    const error = a.error as { code?: unknown; message?: unknown };
    const code = typeof error.code === "number" && Number.isInteger(error.code) ? error.code : undefined;
    const message =
      typeof error.message === "string" ? clip(redact(error.message, secrets).replace(/\s+/g, " "), 200) : "";
    throw fail(
      `the node answered error${code === undefined ? "" : ` ${code}`}${message ? `: ${message}` : ""}`,
      {
        ...(code === undefined ? {} : { rpcCode: code }),
      },
    );
  }
  return a.result;
}

/** The parts of an RPC URL that may be a credential: user info, path segments, query values. */
function secretsOf(url: URL): string[] {
  const parts = [url.username, url.password, ...url.pathname.split("/"), ...[...url.searchParams.values()]];
  return parts.map((p) => decodeURIComponentSafe(p)).filter((p) => p.length >= 6);
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `text` with every credential-like part of the URL replaced (a node may echo its API key). */
function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join("[redacted]");
  return out;
}
