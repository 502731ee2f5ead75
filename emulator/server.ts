/**
 * The HTTP server: routing for `/api/v1` and `/_emulator`, `X-API-Key` auth, `X-Phala-Version`,
 * `X-Request-Id`, request counting, fault injection, JSON bodies. Logs method, route template,
 * status and duration only — never bodies, ciphertexts, plaintext or keys.
 */

import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { ADMIN_ROUTES, type AdminContext } from "./admin";
import { API_ROUTES, type ApiRequest, matchTemplate, requireCvm } from "./api";
import type { FaultPlan, FiredFault } from "./faults";
import { detail, type Reply, ReplyError, structured, validation } from "./http";
import { requestId as newRequestId } from "./ids";
import { API_VERSIONS, type ApiVersion, DEFAULT_VERSION } from "./shapes";
import { streamState } from "./sse";
import type { EmulatorState } from "./state";

/** Path prefix of the real API. */
export const API_PREFIX = "/api/v1";
/** Path prefix of the admin endpoints. */
export const ADMIN_PREFIX = "/_emulator";
/** Phala Cloud error codes: SSE state streams are limited to 5 concurrent connections per user. */
export const MAX_STATE_STREAMS = 5;
/** Largest accepted request body (the real limit is not published, the dstack guest's limits). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** What the server needs. */
export interface ServerContext {
  apiKey: string;
  state: EmulatorState;
  faults: FaultPlan;
  log: (line: string) => void;
  /** Awaited before each request (the emulator's chain: pending app registrations, chain.ts). */
  beforeRequest?: () => Promise<void>;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw validation({ loc: ["body", 0], msg: "JSON decode error", type: "json_invalid" });
  }
}

function keyMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: ServerResponse, reply: Reply, requestId: string): void {
  const headers: Record<string, string> = { "X-Request-Id": requestId, ...(reply.headers ?? {}) };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  headers["Content-Type"] = "application/json";
  headers["Content-Length"] = String(Buffer.byteLength(text));
  res.writeHead(reply.status, headers);
  res.end(text);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Structured codes of the on-chain statuses (Phala Cloud error codes), for injected 466–468 answers. */
const ONCHAIN_CODES: Record<number, [string, string]> = {
  466: ["ERR-01-006", "Compose hash is invalid, expired or superseded"],
  467: ["ERR-01-007", "Transaction verification failed"],
  468: ["ERR-01-008", "Compose hash is not allowed by the app contract"],
};

/** The answer a status fault gives (Phala Cloud error codes shapes). */
function faultReply(fault: FiredFault & { status: number }, requestId: string): Reply {
  const { status } = fault;
  const onchain = ONCHAIN_CODES[status];
  if (onchain) return structured({ requestId }, status, onchain[0], onchain[1]).reply;
  if (status === 429 || status === 503) {
    const body = { detail: status === 429 ? "Too Many Requests" : "Service Unavailable" };
    return { status, body, headers: { "Retry-After": String(fault.retryAfter ?? 1) } };
  }
  if (status === 409) return { status, body: { detail: "Another operation in progress" } };
  if (status === 401) return { status, body: { detail: "Invalid API key" } };
  if (status >= 500) return { status, body: { detail: "Internal Server Error (emulated fault)" } };
  return { status, body: { detail: `Emulated fault (HTTP ${status})` } };
}

function parseVersion(header: string | string[] | undefined): ApiVersion | ReplyError {
  if (header === undefined) return DEFAULT_VERSION;
  const value = Array.isArray(header) ? header[0] : header;
  if ((API_VERSIONS as readonly string[]).includes(value ?? "")) return value as ApiVersion;
  return detail(400, `Unsupported X-Phala-Version; use one of ${API_VERSIONS.join(", ")}`);
}

function authenticate(req: IncomingMessage, apiKey: string): ReplyError | undefined {
  const header = req.headers["x-api-key"];
  const given = Array.isArray(header) ? header[0] : header;
  if (given === undefined || given === "") return detail(401, "Not authenticated");
  if (!keyMatches(given, apiKey)) return detail(401, "Invalid API key");
  return undefined;
}

/** Creates the node:http server (not yet listening). */
export function createEmulatorServer(ctx: ServerContext): Server {
  const admin: AdminContext = { state: ctx.state, faults: ctx.faults };
  let openStreams = 0;

  /**
   * Serves one request. `seen.key` is the route template as soon as one matched (`PATCH
   * /cvms/{id}/envs`): what the log names, on success and on error alike — never the raw path,
   * whose id segments are whatever a client sent (a value pasted as an id included).
   */
  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    seen: { key: string },
  ): Promise<string> {
    await ctx.beforeRequest?.().catch((error: unknown) => ctx.log(`chain: ${(error as Error).message}`));
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://emulator.invalid");
    const path = url.pathname.replace(/\/+$/, "") || "/";

    if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) {
      const sub = path.slice(ADMIN_PREFIX.length);
      const candidates = ADMIN_ROUTES.filter((r) => matchTemplate(r.template, sub));
      const route = candidates.find((r) => r.method === method);
      const key = `${method} ${ADMIN_PREFIX}${route?.template ?? "(no route)"}`;
      seen.key = key;
      const denied = authenticate(req, ctx.apiKey);
      if (denied) throw denied;
      if (!route) throw candidates.length > 0 ? detail(405, "Method Not Allowed") : detail(404, "Not Found");
      const body = method === "GET" ? undefined : parseJson(await readBody(req));
      send(res, route.handler(admin, matchTemplate(route.template, sub)!, body), requestId);
      return key;
    }

    if (path !== API_PREFIX && !path.startsWith(`${API_PREFIX}/`)) throw detail(404, "Not Found");
    const sub = path.slice(API_PREFIX.length) || "/";
    const candidates = API_ROUTES.filter((r) => matchTemplate(r.template, sub));
    const route = candidates.find((r) => r.method === method);
    if (!route) {
      const denied = authenticate(req, ctx.apiKey);
      if (denied) throw denied;
      throw candidates.length > 0 ? detail(405, "Method Not Allowed") : detail(404, "Not Found");
    }
    const key = `${method} ${route.template}`;
    seen.key = key;
    ctx.state.requests[key] = (ctx.state.requests[key] ?? 0) + 1;
    if (method !== "GET") ctx.state.writes++;

    const denied = authenticate(req, ctx.apiKey);
    if (denied) throw denied;
    const version = parseVersion(req.headers["x-phala-version"]);
    if (version instanceof ReplyError) throw version;
    const raw = method === "GET" || method === "DELETE" ? Buffer.alloc(0) : await readBody(req);
    const params = matchTemplate(route.template, sub)!;
    const apiReq: ApiRequest = {
      method,
      route: key,
      params,
      query: url.searchParams,
      body: undefined,
      version,
      ctx: { requestId },
    };

    // Faults, matched on the route key and (when the path names one) the CVM's cvm_ id.
    const ref = params["id"];
    const resolved = ref === undefined ? undefined : ctx.state.resolveCvm(ref);
    const cvmId = resolved && resolved !== "ambiguous" ? resolved.id : undefined;
    const fault = ctx.faults.matchRequest(key, cvmId);
    if (fault?.latencyMs) await sleep(fault.latencyMs);
    if (fault?.drop) {
      req.socket.destroy();
      return `${key} (dropped)`;
    }
    if (fault?.status !== undefined) {
      send(res, faultReply({ ...fault, status: fault.status }, requestId), requestId);
      return `${key} (fault ${fault.status})`;
    }

    apiReq.body = parseJson(raw);
    if (key === "GET /cvms/{id}/state" && url.searchParams.has("target")) {
      const cvm = requireCvm(apiReq, ctx.state);
      const timeout = Number(url.searchParams.get("timeout") ?? "300");
      if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 600) {
        throw validation({
          loc: ["query", "timeout"],
          msg: "Input should be between 0 and 600",
          type: "value_error",
        });
      }
      if (openStreams >= MAX_STATE_STREAMS) {
        throw detail(429, "Too many concurrent state streams (at most 5 per user)", { "Retry-After": "1" });
      }
      openStreams++;
      res.once("close", () => {
        openStreams--;
      });
      streamState(res, ctx.state, cvm, {
        target: url.searchParams.get("target") ?? "running",
        timeoutSeconds: timeout,
        version,
        requestId,
      });
      return `${key} (stream)`;
    }
    send(res, route.handler(apiReq, ctx.state), requestId);
    return key;
  }

  return createServer((req, res) => {
    const started = Date.now();
    const requestId = newRequestId();
    const seen = { key: `${(req.method ?? "GET").toUpperCase().slice(0, 16)} (no route)` };
    handle(req, res, requestId, seen)
      .then((key) => {
        const outcome = res.headersSent ? String(res.statusCode) : "no response";
        ctx.log(`${key} -> ${outcome} (${Date.now() - started} ms)`);
      })
      .catch((error: unknown) => {
        let reply: Reply;
        if (error instanceof ReplyError) reply = error.reply;
        else if (error instanceof BodyTooLarge)
          reply = { status: 413, body: { detail: "Request Entity Too Large" } };
        else {
          // The message of an unexpected error is a programming error, never request data.
          ctx.log(`internal error: ${error instanceof Error ? error.name : "unknown"}`);
          reply = { status: 500, body: { detail: "Internal Server Error" } };
        }
        if (!res.headersSent) send(res, reply, requestId);
        else res.end();
        ctx.log(`${seen.key} -> ${reply.status} (${Date.now() - started} ms)`);
      });
  });
}
