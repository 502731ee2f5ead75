/**
 * The one transport of the Phala Cloud client: undici, `X-API-Key`, `X-Phala-Version`,
 * timeouts, retries (retry.ts) with `Retry-After`, the lost-answer probe of a write that is not
 * idempotent (`applied`), zod-parsed answers, and the final error of a call: a
 * {@link PhalaApiError}. Errors name the call (its route template), the status, the error code
 * and the request id — never a request body, a response value or the key.
 *
 * Every read is bounded (bounds.ts: {@link PhalaBounds}, defaults in {@link DEFAULT_BOUNDS}): one attempt
 * of a call lasts at most `timeoutMs` (30 s) in all — headers and body, however slowly the
 * server drips them — and an answer at most `maxBodyBytes` (8 MiB; an error answer is cut at
 * `maxErrorBytes`, 64 KiB); a state stream ends at its deadline whatever it sends (keep-alive
 * comments included) and fails past `maxSseLineBytes` (64 KiB) in one line; a listing reads at
 * most `maxPages` pages (pages.ts). The retry policy (retry.ts) bounds the attempts.
 */
import { request } from "undici";
import type { z } from "zod";
import { CvmSecretsError, ErrorCodes, type ErrorDetails } from "../../errors";
import { BodyTooLarge, describeBytes, readBounded } from "../bounded-read";
import { DEFAULT_BOUNDS, type PhalaBounds } from "./bounds";
import { type HintSources, SETTINGS_SOURCES, shownUrl, statusHint } from "./hints";
import { backoffDelay, DEFAULT_RETRY, isRetryableStatus, type RetryPolicy } from "./retry";
import { sharedSchemas } from "./schemas";
import type { SseEvent } from "./sse";
import { openEventStream } from "./state-stream";

const Wire = sharedSchemas("tolerant");

/**
 * The `X-Phala-Version` this client sends on every call: `2026-05-22`, the current version of the
 * official SDK. Why this one: its `GET /cvms/{id}` (CVMInfoDetail) carries what the provider
 * reads in one call — `kms_type`, the on-chain addresses in `kms_info` (to resolve the KMS via
 * `GET /kms`), `progress` (`target`, `correlation_id`) to tell a busy CVM and to recognise a push
 * that was applied although its answer was lost, and the compose inline. Its `kms_info` has no
 * KMS slug or id and its CVM record no `boot_error`: the KMS is named by `kms_type` (as the
 * `phala` CLI does) and the boot error is read from `GET /cvms/{id}/state`. The parser also
 * reads the 2025-10-28 shape (CvmBasicInfo), so a server answering in that version still works.
 */
export const API_VERSION = "2026-05-22";

/** How to reach the API. */
export interface PhalaClientOptions {
  /** API base, e.g. `https://cloud-api.phala.com/api/v1`. */
  baseUrl: string;
  apiKey: string;
  /** Per-request timeout (default 30 s, as the official SDK). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Poll interval of the readiness fallback (default 1 s, ±25 % jitter). */
  pollIntervalMs?: number;
  /** Byte, line and page bounds of reads (defaults: {@link DEFAULT_BOUNDS}). */
  bounds?: Partial<PhalaBounds>;
  /**
   * The deadline of every call (epoch ms): the resource's `customTimeouts` when the engine
   * passes one (the provider plugin). No attempt, retry or stream outlasts it.
   */
  deadline?: number;
  /**
   * What the hints of a failed call name: where the key and the URL come from, where the CVM
   * was named, and what to run again (default: the provider's settings, `cvms` and `pulumi up`);
   * the `cvm-secrets` command names its environment variables and flags.
   */
  sources?: HintSources;
  /**
   * What `deadline` is, for the message of a call it stops (default "the resource's
   * customTimeouts").
   */
  deadlineName?: string;
}

/** The typed fields of a {@link PhalaApiError}. */
export interface PhalaApiErrorFields {
  /** The route template of the call, e.g. `GET /cvms/{id}`. */
  route: string;
  /** The HTTP status; undefined when no answer came (a connection error or a timeout). */
  status?: number;
  /** The structured error code (`ERR-MM-NNN`) when the body carries one. */
  errorCode?: string;
  /** The `X-Request-Id` header, or the body's `request_id`. */
  requestId?: string;
}

/**
 * A call to the Phala Cloud API that failed: no answer, a final non-2xx answer, or an answer of
 * an unexpected shape. Code `CVMS_API_ERROR`; `details` keeps the keys it always had (`call`,
 * `status`, `code`, `requestId`, `attempts`), the typed fields are what callers branch on.
 */
export class PhalaApiError extends CvmSecretsError {
  readonly route: string;
  readonly status: number | undefined;
  readonly errorCode: string | undefined;
  readonly requestId: string | undefined;

  constructor(message: string, fields: PhalaApiErrorFields, details: ErrorDetails) {
    super(ErrorCodes.API_ERROR, message, details);
    this.route = fields.route;
    this.status = fields.status;
    this.errorCode = fields.errorCode;
    this.requestId = fields.requestId;
  }
}

/** Options of one {@link Transport.call}. */
export interface RequestOptions<R> {
  body?: unknown;
  ok?: number[];
  /** What the call is about in messages, e.g. `CVM cvm_…`. */
  subject: string;
  /**
   * For a write that is not idempotent: after a lost answer (connection error, timeout) or a
   * 5xx, asks the server whether the write took effect before retrying or failing; a value
   * means it did, and becomes the result.
   */
  applied?: () => Promise<R | undefined>;
  /** A final non-2xx answer this call returns as a value rather than an error (undefined: an error). */
  answer?: (status: number, body: unknown, requestId: string | undefined) => R | undefined;
}

/** What the API areas (cvms.ts, apps.ts, kms.ts, …) call through. */
export interface Transport {
  /** One call with retries; `route` is the route template used in messages. */
  call<T extends z.ZodType, R = z.infer<T>>(
    route: string,
    method: "GET" | "PATCH" | "POST",
    path: string,
    schema: T | ((body: unknown) => T),
    options: RequestOptions<R>,
  ): Promise<z.infer<T> | R>;
  /**
   * Opens a Server-Sent Events stream that ends at `deadline` (epoch ms) whatever the server
   * sends; undefined when the server answers anything but a 200 event stream.
   */
  events(path: string, deadline: number): Promise<AsyncGenerator<SseEvent> | undefined>;
  /** Poll interval of readiness fallbacks. */
  readonly pollMs: number;
  /** The bounds of reads. */
  readonly bounds: PhalaBounds;
}

/** The transport for one API base and key. */
export function transport(options: PhalaClientOptions): Transport {
  const base = options.baseUrl.replace(/\/+$/, "");
  const sources = options.sources ?? SETTINGS_SOURCES;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const bounds: PhalaBounds = { ...DEFAULT_BOUNDS, ...options.bounds };
  const { deadline } = options;
  const deadlineName = options.deadlineName ?? "the resource's customTimeouts";
  /** How long the next attempt may take: the per-attempt timeout, or what is left of the deadline. */
  const attemptMs = (): number =>
    deadline === undefined ? timeoutMs : Math.min(timeoutMs, deadline - Date.now());
  /** A backoff delay, or undefined when there is none or it would end past the deadline. */
  const inTime = (delay: number | undefined): number | undefined =>
    delay !== undefined && (deadline === undefined || Date.now() + delay < deadline) ? delay : undefined;
  const headers = {
    "x-api-key": options.apiKey,
    // Which version and why: see API_VERSION.
    "x-phala-version": API_VERSION,
    accept: "application/json",
    "user-agent": "pulumi-cvm-secrets",
  };

  async function call<T extends z.ZodType, R = z.infer<T>>(
    route: string,
    method: "GET" | "PATCH" | "POST",
    path: string,
    schema: T | ((body: unknown) => T),
    { body, ok = [200], subject, applied, answer }: RequestOptions<R>,
  ): Promise<z.infer<T> | R> {
    for (let attempt = 0; ; attempt++) {
      let status: number;
      let text: string;
      let retryAfter: string | undefined;
      let requestId: string | undefined;
      const ms = attemptMs();
      if (ms <= 0) {
        throw new PhalaApiError(
          `${route} for ${subject}: not sent, ${deadlineName} ran out (after ${attempt} attempts).`,
          { route },
          { call: route, attempts: attempt },
        );
      }
      try {
        const res = await request(`${base}${path}`, {
          method,
          headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
          headersTimeout: ms,
          bodyTimeout: ms,
          // The whole attempt, not only the gaps between bytes: a dripping server is cut here.
          signal: AbortSignal.timeout(ms),
        });
        status = res.statusCode;
        retryAfter = header(res.headers["retry-after"]);
        requestId = header(res.headers["x-request-id"]);
        const success = ok.includes(status);
        text = await readBounded(res.body, success ? bounds.maxBodyBytes : bounds.maxErrorBytes, {
          contentLength: res.headers["content-length"],
          truncate: !success,
        });
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          // Not retried (the same answer would come again); a write may still have applied.
          const done = applied ? await applied() : undefined;
          if (done !== undefined) return done;
          throw new PhalaApiError(
            `${route} for ${subject}: ${error.message}, so it was not read (the client reads at most ${describeBytes(error.limit)} per answer)${requestId ? ` (request id ${requestId})` : ""}.`,
            { route, requestId },
            { call: route, attempts: attempt + 1, limit: error.limit },
          );
        }
        const reason = connectionReason(error);
        const done = applied ? await applied() : undefined;
        if (done !== undefined) return done;
        const delay = inTime(
          attempt + 1 < policy.attempts ? backoffDelay(attempt, policy, undefined) : undefined,
        );
        if (delay === undefined) {
          throw new PhalaApiError(
            `${route} for ${subject} failed: ${reason} at ${shownUrl(base)} (after ${attempt + 1} attempts). Check ${sources.apiUrl} and that the API is reachable.`,
            { route },
            { call: route, attempts: attempt + 1 },
          );
        }
        await sleep(delay);
        continue;
      }
      if (ok.includes(status)) {
        const json = text === "" ? {} : safeJson(text);
        const parsed = (typeof schema === "function" ? schema(json) : schema).safeParse(json);
        if (parsed.success) return parsed.data;
        const fields = parsed.error.issues.map((i) => i.path.join(".") || "(body)").join(", ");
        throw new PhalaApiError(
          `${route} for ${subject}: unexpected response shape (fields: ${fields})${requestId ? ` (request id ${requestId})` : ""}`,
          { route, status, requestId },
          { call: route, status },
        );
      }
      const value = answer?.(status, safeJson(text), requestId);
      if (value !== undefined) return value;
      if (applied && mayHaveApplied(status)) {
        const done = await applied();
        if (done !== undefined) return done;
      }
      if (isRetryableStatus(status) && !isFinal409(status, text) && attempt + 1 < policy.attempts) {
        const delay = inTime(backoffDelay(attempt, policy, retryAfter));
        if (delay !== undefined) {
          await sleep(delay);
          continue;
        }
      }
      throw apiError(route, subject, status, text, requestId, attempt + 1, sources);
    }
  }

  const events = (path: string, until: number) =>
    openEventStream(`${base}${path}`, headers, {
      until: Math.min(until, deadline ?? until),
      headersTimeoutMs: timeoutMs,
      maxLineBytes: bounds.maxSseLineBytes,
    });

  return { call, events, pollMs: options.pollIntervalMs ?? 1_000, bounds };
}

/** A path segment that must not be empty (`/kms//pubkey/…` would name another route). */
export function segment(value: string, what: string): string {
  const trimmed = value.trim();
  if (trimmed === "") {
    throw new CvmSecretsError(ErrorCodes.API_ERROR, `internal: empty ${what} in an API path`, { what });
  }
  return encodeURIComponent(trimmed);
}

/** Statuses after which a write may have been applied although the answer says otherwise. */
function mayHaveApplied(status: number | undefined): boolean {
  return status === undefined || status >= 500;
}

/** A 409 with an error code (e.g. ERR-03-010, several CVMs match) will not pass by waiting. */
function isFinal409(status: number, text: string): boolean {
  return status === 409 && errorCode(safeJson(text)) !== undefined;
}

function structuredOf(body: unknown) {
  return Wire.StructuredError.safeParse(
    body &&
      typeof body === "object" &&
      "detail" in body &&
      typeof (body as { detail: unknown }).detail === "object"
      ? (body as { detail: unknown }).detail
      : body,
  );
}

function errorCode(body: unknown): string | undefined {
  const structured = structuredOf(body);
  return structured.success ? structured.data.error_code : undefined;
}

/** The error for a final non-2xx answer. Only the server's message text is quoted, clipped. */
function apiError(
  call: string,
  subject: string,
  status: number,
  text: string,
  requestId: string | undefined,
  attempts: number,
  sources: HintSources,
): CvmSecretsError {
  const body = safeJson(text);
  const structured = structuredOf(body);
  const code = structured.success ? structured.data.error_code : undefined;
  const rid = requestId ?? (structured.success ? (structured.data.request_id ?? undefined) : undefined);
  const message = clip(serverMessage(body, structured.success ? structured.data.message : undefined), 300);

  const hint = statusHint(status, code, attempts, sources);
  return new PhalaApiError(
    `${call} for ${subject} failed: HTTP ${status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}` +
      `${rid ? ` (request id ${rid})` : ""}.${hint}`,
    { route: call, status, errorCode: code, requestId: rid },
    { call, status, code, requestId: rid, attempts },
  );
}

/**
 * The 465 of `PATCH /cvms/{id}/envs` (a structured error whose `details` name `compose_hash` and
 * `app_id`, as the official SDK reads them) as its value; undefined for a body of another shape,
 * which stays an API error.
 */
export function registrationRequired(
  body: unknown,
  requestId: string | undefined,
): RegistrationRequired | undefined {
  const structured = structuredOf(body);
  if (!structured.success) return undefined;
  const detail = (field: string): string | undefined => {
    const value = structured.data.details?.find((d) => d.field === field)?.value;
    return typeof value === "string" ? value : undefined;
  };
  return {
    kind: "registration-required",
    composeHash: detail("compose_hash") ?? "",
    appId: detail("app_id") ?? "",
    errorCode: structured.data.error_code,
    requestId: requestId ?? structured.data.request_id ?? undefined,
  };
}

/** The 465 of `PATCH /cvms/{id}/envs` as a value: what to register ("" when the API left it out). */
export interface RegistrationRequired {
  kind: "registration-required";
  composeHash: string;
  appId: string;
  /** The structured error's `error_code`. */
  errorCode?: string;
  requestId?: string;
}

/** The human message of an error body: structured `message`, a `detail` string, or 422 locations. */
function serverMessage(body: unknown, structured: string | null | undefined): string {
  if (structured) return structured;
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      // FastAPI 422: report where and what, never the rejected input (`input` holds the value).
      return detail
        .map((d) => {
          const item = d as { loc?: unknown[]; msg?: unknown };
          return `${Array.isArray(item.loc) ? item.loc.join(".") : "?"}: ${typeof item.msg === "string" ? item.msg : "invalid"}`;
        })
        .join("; ");
    }
  }
  return "";
}

function connectionReason(error: unknown): string {
  const e = error as { code?: unknown; name?: string };
  // AbortSignal.timeout: the attempt's time ran out (a DOMException, whose `code` is a number).
  if (e.name === "TimeoutError") return "no complete answer in time";
  return typeof e.code === "string" ? `connection error ${e.code}` : "connection error";
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** JSON or undefined. */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** At most `max` characters, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Resolves after `ms` (0 when negative). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
