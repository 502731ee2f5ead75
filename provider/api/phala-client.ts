/**
 * The Phala Cloud API client (the Phala Cloud API): undici, zod-parsed responses, `X-API-Key`,
 * `X-Phala-Version`, timeouts, retries (retry.ts). Errors name the call, the status, the error
 * code and the request id — never a request body, a response value or the key.
 */
import { request } from "undici";
import { z } from "zod";
import { CvmSecretsError, ErrorCodes } from "../errors";
import {
  CvmInfoSchema,
  type CvmInfoWire,
  CvmStateSchema,
  KmsPubkeySchema,
  PatchEnvsAcceptedSchema,
  StructuredErrorSchema,
} from "./phala-schemas";
import { backoffDelay, DEFAULT_RETRY, isRetryableStatus, type RetryPolicy } from "./retry";
import { SseParser } from "./sse";

/** The API version this client speaks (Phala Cloud API conventions). */
export const API_VERSION = "2026-05-22";

export interface PhalaClientOptions {
  /** API base, e.g. `https://cloud-api.phala.com/api/v1`. */
  baseUrl: string;
  apiKey: string;
  /** Per-request timeout (default 30 s, as the official SDK). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Poll interval of the readiness fallback (default 1 s, ±25 % jitter). */
  pollIntervalMs?: number;
}

/** What the provider needs to know about a CVM. */
export interface CvmInfo {
  id: string;
  name: string;
  appId: string;
  status: string;
  inProgress: boolean;
  bootError?: string;
  /** `kms_info.encrypted_env_pubkey`, else the top-level one; lowercase hex without 0x. */
  encryptionPublicKey?: string;
  kms: { type?: string; onChain: boolean; id?: string; slug?: string; k256Pubkey?: string };
  allowedEnvs?: string[];
  composeFile?: Record<string, unknown>;
  composeHash?: string;
}

export interface PatchEnvsRequest {
  encryptedEnv: string;
  envKeys?: readonly string[];
  composeHash?: string;
  transactionHash?: string;
}

export interface PhalaClient {
  getCvm(cvm: string): Promise<CvmInfo>;
  getComposeFile(cvm: string): Promise<Record<string, unknown>>;
  getKmsPubkey(kms: string, appId: string): Promise<{ publicKey: string; signature: string }>;
  patchEnvs(
    cvm: string,
    body: PatchEnvsRequest,
  ): Promise<{ allowedEnvsChanged: boolean; correlationId?: string }>;
  /** Resolves when the CVM is `running` and not `in_progress`; rejects when it settles stopped. */
  waitReady(cvm: string, timeoutMs: number): Promise<{ composeHash?: string }>;
}

/**
 * A `{cvm_id}` path segment as the official SDK builds it (`CvmIdSchema`, the official SDK's `CvmIdSchema`):
 * 40 hex digits → `app_<hex>`, a UUID → dashes removed, anything else verbatim.
 */
export function cvmPathId(cvm: string): string {
  const id = cvm.trim();
  if (/^(0x)?[0-9a-fA-F]{40}$/.test(id)) return `app_${id.replace(/^0x/, "").toLowerCase()}`;
  if (/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(id))
    return id.replace(/-/g, "");
  return encodeURIComponent(id);
}

export function phalaClient(options: PhalaClientOptions): PhalaClient {
  const base = options.baseUrl.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 30_000;
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const pollMs = options.pollIntervalMs ?? 1_000;
  const headers = {
    "x-api-key": options.apiKey,
    "x-phala-version": API_VERSION,
    accept: "application/json",
    "user-agent": "pulumi-cvm-secrets",
  };

  /** One call with retries; `call` is the route template used in messages. */
  async function call<T extends z.ZodType>(
    call: string,
    method: "GET" | "PATCH" | "POST",
    path: string,
    schema: T,
    { body, ok = [200], subject }: { body?: unknown; ok?: number[]; subject: string },
  ): Promise<z.infer<T>> {
    for (let attempt = 0; ; attempt++) {
      let status: number;
      let text: string;
      let retryAfter: string | undefined;
      let requestId: string | undefined;
      try {
        const res = await request(`${base}${path}`, {
          method,
          headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        status = res.statusCode;
        text = await res.body.text();
        retryAfter = header(res.headers["retry-after"]);
        requestId = header(res.headers["x-request-id"]);
      } catch (error) {
        const reason = connectionReason(error);
        const delay = attempt + 1 < policy.attempts ? backoffDelay(attempt, policy, undefined) : undefined;
        if (delay === undefined) {
          throw new CvmSecretsError(
            ErrorCodes.API_ERROR,
            `${call} for ${subject} failed: ${reason} (after ${attempt + 1} attempts). Check cvm-secrets:apiUrl and that the API is reachable.`,
            { call, attempts: attempt + 1 },
          );
        }
        await sleep(delay);
        continue;
      }
      if (ok.includes(status)) {
        const parsed = schema.safeParse(text === "" ? {} : safeJson(text));
        if (parsed.success) return parsed.data;
        const fields = parsed.error.issues.map((i) => i.path.join(".") || "(body)").join(", ");
        throw new CvmSecretsError(
          ErrorCodes.API_ERROR,
          `${call} for ${subject}: unexpected response shape (fields: ${fields})${requestId ? ` (request id ${requestId})` : ""}`,
          { call, status },
        );
      }
      if (isRetryableStatus(status) && attempt + 1 < policy.attempts) {
        const delay = backoffDelay(attempt, policy, retryAfter);
        if (delay !== undefined) {
          await sleep(delay);
          continue;
        }
      }
      throw apiError(call, subject, status, text, requestId, attempt + 1);
    }
  }

  return {
    async getCvm(cvm) {
      const raw = await call("GET /cvms/{id}", "GET", `/cvms/${cvmPathId(cvm)}`, CvmInfoSchema, {
        subject: `CVM ${cvm}`,
      });
      return toCvmInfo(raw);
    },
    async getComposeFile(cvm) {
      return call(
        "GET /cvms/{id}/compose_file",
        "GET",
        `/cvms/${cvmPathId(cvm)}/compose_file`,
        z.looseObject({}),
        {
          subject: `CVM ${cvm}`,
        },
      );
    },
    async getKmsPubkey(kms, appId) {
      const raw = await call(
        "GET /kms/{kms}/pubkey/{app_id}",
        "GET",
        `/kms/${encodeURIComponent(kms)}/pubkey/${encodeURIComponent(appId.replace(/^0x/, ""))}`,
        KmsPubkeySchema,
        { subject: `app ${appId}` },
      );
      return { publicKey: raw.public_key, signature: raw.signature };
    },
    async patchEnvs(cvm, body) {
      const wire: Record<string, unknown> = { encrypted_env: body.encryptedEnv };
      if (body.envKeys !== undefined) wire.env_keys = [...body.envKeys];
      if (body.composeHash !== undefined) wire.compose_hash = body.composeHash;
      if (body.transactionHash !== undefined) wire.transaction_hash = body.transactionHash;
      const raw = await call(
        "PATCH /cvms/{id}/envs",
        "PATCH",
        `/cvms/${cvmPathId(cvm)}/envs`,
        PatchEnvsAcceptedSchema,
        {
          body: wire,
          ok: [200, 202],
          subject: `CVM ${cvm}`,
        },
      );
      return { allowedEnvsChanged: raw.allowed_envs_changed, correlationId: raw.correlation_id ?? undefined };
    },
    async waitReady(cvm, waitMs) {
      const deadline = Date.now() + waitMs;
      const settled = async (): Promise<{ composeHash?: string } | undefined> => {
        const info = await this.getCvm(cvm);
        if (info.status === "running" && !info.inProgress) return { composeHash: info.composeHash };
        if (info.status === "stopped" && !info.inProgress) {
          throw new CvmSecretsError(
            ErrorCodes.ROLLOUT_FAILED,
            `CVM ${cvm} stopped instead of starting${info.bootError ? `: boot error "${clip(info.bootError, 200)}"` : ""}. ` +
              "Check its serial log in the Phala Cloud dashboard.",
            { cvm },
          );
        }
        return undefined;
      };
      // Prefer the state stream (`GET /cvms/{id}/state`); fall back to polling.
      await streamUntilSettled(cvm, deadline, settled).catch((error) => {
        if (error instanceof CvmSecretsError && error.code === ErrorCodes.ROLLOUT_FAILED) throw error;
      });
      for (;;) {
        const done = await settled();
        if (done) return done;
        if (Date.now() >= deadline) {
          throw new CvmSecretsError(
            ErrorCodes.ROLLOUT_FAILED,
            `CVM ${cvm} was not running again within ${Math.round(waitMs / 1000)} s (rollout.readyTimeoutSeconds)`,
            { cvm },
          );
        }
        await sleep(Math.min(deadline - Date.now(), pollMs * (0.75 + Math.random() / 2)));
      }
    },
  };

  /** Reads the SSE state stream until the CVM settles, the stream ends, or the deadline. */
  async function streamUntilSettled(
    cvm: string,
    deadline: number,
    settled: () => Promise<unknown>,
  ): Promise<void> {
    const seconds = Math.max(10, Math.min(600, Math.ceil((deadline - Date.now()) / 1000)));
    const res = await request(`${base}/cvms/${cvmPathId(cvm)}/state?target=running&timeout=${seconds}`, {
      method: "GET",
      headers: { ...headers, accept: "text/event-stream" },
      headersTimeout: timeoutMs,
      bodyTimeout: seconds * 1000 + timeoutMs,
    });
    const type = header(res.headers["content-type"]) ?? "";
    if (res.statusCode !== 200 || !type.includes("text/event-stream")) {
      await res.body.dump();
      return;
    }
    const parser = new SseParser();
    res.body.setEncoding("utf8");
    try {
      for await (const chunk of res.body) {
        for (const event of parser.push(chunk as string)) {
          if (event.event === "complete") return;
          if (event.event === "timeout" || event.event === "error") return;
          if (event.event === "state") {
            const state = CvmStateSchema.safeParse(safeJson(event.data));
            // A stop may be transient (mid-restart) or final (boot error): the CVM record decides.
            if (state.success && state.data.status === "stopped") await settled();
          }
          if (Date.now() >= deadline) return;
        }
      }
    } finally {
      res.body.destroy();
    }
  }
}

function toCvmInfo(raw: CvmInfoWire): CvmInfo {
  const kms = raw.kms_info ?? {};
  const type = raw.kms_type ?? undefined;
  const key = kms.encrypted_env_pubkey ?? raw.encrypted_env_pubkey ?? undefined;
  const onChain =
    (kms.chain_id !== null && kms.chain_id !== undefined) || type === "ethereum" || type === "base";
  return {
    id: String(raw.id),
    name: raw.name,
    appId: (raw.app_id ?? "").replace(/^0x/, "").toLowerCase(),
    status: raw.status,
    inProgress: raw.in_progress === true,
    bootError: raw.boot_error ?? undefined,
    encryptionPublicKey: key ? key.replace(/^0x/i, "").toLowerCase() : undefined,
    kms: {
      type,
      onChain,
      id: kms.id ?? undefined,
      slug: kms.slug ?? undefined,
      k256Pubkey: kms.k256_pubkey ?? undefined,
    },
    allowedEnvs: raw.compose_file?.allowed_envs ?? undefined,
    composeFile: raw.compose_file ?? undefined,
    composeHash: raw.compose_hash ?? undefined,
  };
}

/** The error for a final non-2xx answer. Only the server's message text is quoted, clipped. */
function apiError(
  call: string,
  subject: string,
  status: number,
  text: string,
  requestId: string | undefined,
  attempts: number,
) {
  const body = safeJson(text);
  const structured = StructuredErrorSchema.safeParse(
    body &&
      typeof body === "object" &&
      "detail" in body &&
      typeof (body as { detail: unknown }).detail === "object"
      ? (body as { detail: unknown }).detail
      : body,
  );
  const code = structured.success ? structured.data.error_code : undefined;
  const rid = requestId ?? (structured.success ? (structured.data.request_id ?? undefined) : undefined);
  const message = clip(serverMessage(body, structured.success ? structured.data.message : undefined), 300);

  if (status === 465 && structured.success) {
    const detail = (field: string): string | undefined => {
      const value = structured.data.details?.find((d) => d.field === field)?.value;
      return typeof value === "string" ? value : undefined;
    };
    const composeHash = detail("compose_hash") ?? "";
    const appId = detail("app_id") ?? "";
    return new CvmSecretsError(
      ErrorCodes.HASH_REGISTRATION_REQUIRED,
      `${subject}: the new key set changes the compose hash, which this app's on-chain KMS must allow first (HTTP 465 ${code ?? ""}). ` +
        `Register compose hash 0x${composeHash} on the DstackApp contract of app ${appId} (addComposeHash), ` +
        'then set transactionHash: "0x…" (the registration transaction) on this resource and run `pulumi up` again.',
      { call, status, code, requestId: rid, composeHash, appId },
    );
  }
  const hint =
    status === 401 || status === 403
      ? " Check the API key (cvm-secrets:apiKey or PHALA_CLOUD_API_KEY)."
      : status === 404
        ? " Check the CVM id in `cvms` (cvm_…, app_<hex>, a UUID or the CVM name)."
        : status === 409
          ? ` Another operation kept the CVM busy through ${attempts} attempts; run \`pulumi up\` again when it is idle.`
          : status === 429
            ? " Rate limited; run `pulumi up` again later."
            : "";
  return new CvmSecretsError(
    ErrorCodes.API_ERROR,
    `${call} for ${subject} failed: HTTP ${status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}` +
      `${rid ? ` (request id ${rid})` : ""}.${hint}`,
    { call, status, code, requestId: rid, attempts },
  );
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
  const e = error as { code?: string; message?: string };
  return e.code ? `connection error ${e.code}` : "connection error";
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
