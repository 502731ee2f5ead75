/**
 * The Phala Cloud API client: undici, zod-parsed responses, `X-API-Key`,
 * `X-Phala-Version`, timeouts, retries (retry.ts). Errors name the call, the status, the error
 * code and the request id — never a request body, a response value or the key.
 */
import { request } from "undici";
import type { z } from "zod";
import { CvmSecretsError, ErrorCodes } from "../errors";
import { type CvmBasicWire, type CvmDetailWire, cvmDetailSchemaFor, Wire } from "./phala-schemas";
import { backoffDelay, DEFAULT_RETRY, isRetryableStatus, type RetryPolicy } from "./retry";
import { SseParser } from "./sse";

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
  /** The VM UUID (dashed, lowercase) when the API reports it. */
  vmUuid?: string;
  status: string;
  /** `in_progress`, or a non-empty `progress.target`: an operation is still running. */
  inProgress: boolean;
  /** `progress.correlation_id` of the running operation. */
  correlationId?: string;
  /** The reported env-encryption key, lowercase hex without 0x; often absent for on-chain KMS. */
  encryptionPublicKey?: string;
  kms: {
    /** `kms_type` (2026) — `phala`, `ethereum`, `base`, `legacy`. */
    type?: string;
    onChain: boolean;
    chainId?: number;
    /** `kms_info.dstack_kms_address` (2026) or `kms_contract_address` (2025-10-28), lowercase. */
    contractAddress?: string;
    /** KMS id / slug: only the 2025-10-28 shape names them. */
    id?: string;
    slug?: string;
  };
  allowedEnvs?: string[];
  /** The app-compose, parsed when the API sends it as a JSON string. */
  composeFile?: Record<string, unknown>;
  composeHash?: string;
}

/** A KMS instance of `GET /kms`. */
export interface KmsListing {
  id: string;
  slug?: string;
  chainId?: number;
  contractAddress?: string;
}

export interface PatchEnvsRequest {
  encryptedEnv: string;
  envKeys?: readonly string[];
  composeHash?: string;
  transactionHash?: string;
}

/**
 * What `PATCH /cvms/{id}/envs` answers, as the official SDK models it: its
 * `UpdateCvmEnvsResultSchema` (Phala-Network/phala-cloud js/src/actions/cvms/update_cvm_envs.ts)
 * is a union of `in_progress` and `precondition_required`. The second is the API's HTTP 465 for
 * an app whose KMS is on chain when the push changes the allow-list (and so the compose hash):
 * nothing was written, and `composeHash` must be registered on app `appId`'s contract before the
 * push is sent again with the registration's `transactionHash` (phase 2).
 */
export type PatchEnvsAnswer =
  | { kind: "accepted"; allowedEnvsChanged?: boolean; correlationId?: string }
  | RegistrationRequired;

/** The 465 of `PATCH /cvms/{id}/envs` as a value: what to register ("" when the API left it out). */
export interface RegistrationRequired {
  kind: "registration-required";
  composeHash: string;
  appId: string;
  /** The structured error's `error_code`. */
  errorCode?: string;
  requestId?: string;
}

/** An app revision (openapi `AppRevisionResponse`, with the detail's `encrypted_env`). */
export interface AppRevision {
  revisionId: string;
  vmUuid: string;
  operationType: string;
  createdAt: string;
  composeHash: string;
  /** Hex ciphertext (detail only). */
  encryptedEnv?: string;
}

/** A page of app revisions, newest first. */
export interface AppRevisionPage {
  revisions: AppRevision[];
  page: number;
  totalPages: number;
}

/** A CVM operation (openapi `CvmOperationResponse`), names only. */
export interface CvmOperation {
  correlationId: string;
  operationType: string;
  status: string;
  startedAt: string;
  completedAt?: string;
}

export interface PhalaClient {
  getCvm(cvm: string): Promise<CvmInfo>;
  getComposeFile(cvm: string): Promise<Record<string, unknown>>;
  /** `GET /cvms/{id}/state`: the status and, after a failed boot, `boot_error`. */
  getState(cvm: string): Promise<{ status: string; bootError?: string }>;
  /** `GET /kms/{kms}/pubkey/{app_id}`; `kms` is a KMS id, slug or type. */
  getKmsPubkey(kms: string, appId: string): Promise<{ publicKey: string; signature: string }>;
  /** Every KMS of `GET /kms` (all pages). */
  listKms(): Promise<KmsListing[]>;
  /** `GET /kms/{kms_id}/info` → `rpc.bootstrap_info.k256_pubkey`, the KMS signer; undefined if not reported. */
  getKmsSigner(kmsId: string): Promise<string | undefined>;
  /** `PATCH /cvms/{id}/envs`: accepted, or the 465 of the on-chain flow as a value (not an error). */
  patchEnvs(cvm: string, body: PatchEnvsRequest): Promise<PatchEnvsAnswer>;
  /** Resolves when the CVM is `running` and not busy; rejects when it settles stopped. */
  waitReady(cvm: string, timeoutMs: number): Promise<{ composeHash?: string }>;
  /** `GET /apps/{app_id}/revisions`: one page (1-based), newest first. */
  listAppRevisions(appId: string, page?: number, pageSize?: number): Promise<AppRevisionPage>;
  /** `GET /apps/{app_id}/revisions/{revision_id}`: with its `encrypted_env`. */
  getAppRevision(appId: string, revisionId: string): Promise<AppRevision>;
  /**
   * The newest revision of one CVM of an app (by `vm_uuid`), with its `encrypted_env`, or
   * undefined when the app has none for it. Reads pages until the CVM appears (newest first).
   */
  latestRevision(appId: string, vmUuid: string): Promise<AppRevision | undefined>;
  /** `GET /cvms/{id}/operations`: one page, newest first. */
  listOperations(cvm: string, cursor?: string): Promise<{ items: CvmOperation[]; nextCursor?: string }>;
  /** `GET /cvms/{id}/operation-status`: the operation in progress, if any. */
  operationStatus(cvm: string): Promise<{ inProgress: boolean; operationType?: string }>;
}

/**
 * A `{cvm_id}` path segment as the official SDK builds it (its `CvmIdSchema`):
 * 40 hex digits → `app_<hex>`, a UUID → dashes removed, anything else verbatim.
 */
export function cvmPathId(cvm: string): string {
  const id = cvm.trim();
  if (/^(0x)?[0-9a-fA-F]{40}$/.test(id)) return `app_${id.replace(/^0x/, "").toLowerCase()}`;
  if (/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(id))
    return id.replace(/-/g, "");
  return encodeURIComponent(id);
}

/** A path segment that must not be empty (`/kms//pubkey/…` would name another route). */
function segment(value: string, what: string): string {
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

export function phalaClient(options: PhalaClientOptions): PhalaClient {
  const base = options.baseUrl.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 30_000;
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const pollMs = options.pollIntervalMs ?? 1_000;
  const headers = {
    "x-api-key": options.apiKey,
    // Which version and why: see API_VERSION.
    "x-phala-version": API_VERSION,
    accept: "application/json",
    "user-agent": "pulumi-cvm-secrets",
  };

  interface CallOptions<R> {
    body?: unknown;
    ok?: number[];
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

  /** One call with retries; `call` is the route template used in messages. */
  async function call<T extends z.ZodType, R = z.infer<T>>(
    call: string,
    method: "GET" | "PATCH" | "POST",
    path: string,
    schema: T | ((body: unknown) => T),
    { body, ok = [200], subject, applied, answer }: CallOptions<R>,
  ): Promise<z.infer<T> | R> {
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
        const done = applied ? await applied() : undefined;
        if (done !== undefined) return done;
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
        const json = text === "" ? {} : safeJson(text);
        const parsed = (typeof schema === "function" ? schema(json) : schema).safeParse(json);
        if (parsed.success) return parsed.data;
        const fields = parsed.error.issues.map((i) => i.path.join(".") || "(body)").join(", ");
        throw new CvmSecretsError(
          ErrorCodes.API_ERROR,
          `${call} for ${subject}: unexpected response shape (fields: ${fields})${requestId ? ` (request id ${requestId})` : ""}`,
          { call, status },
        );
      }
      const value = answer?.(status, safeJson(text), requestId);
      if (value !== undefined) return value;
      if (applied && mayHaveApplied(status)) {
        const done = await applied();
        if (done !== undefined) return done;
      }
      if (isRetryableStatus(status) && !isFinal409(status, text) && attempt + 1 < policy.attempts) {
        const delay = backoffDelay(attempt, policy, retryAfter);
        if (delay !== undefined) {
          await sleep(delay);
          continue;
        }
      }
      throw apiError(call, subject, status, text, requestId, attempt + 1);
    }
  }

  const client: PhalaClient = {
    async getCvm(cvm) {
      const raw = await call("GET /cvms/{id}", "GET", `/cvms/${cvmPathId(cvm)}`, cvmDetailSchemaFor, {
        subject: `CVM ${cvm}`,
      });
      return toCvmInfo(raw);
    },
    async getComposeFile(cvm) {
      return call(
        "GET /cvms/{id}/compose_file",
        "GET",
        `/cvms/${cvmPathId(cvm)}/compose_file`,
        Wire.AppCompose,
        {
          subject: `CVM ${cvm}`,
        },
      );
    },
    async getState(cvm) {
      const raw = await call("GET /cvms/{id}/state", "GET", `/cvms/${cvmPathId(cvm)}/state`, Wire.CvmState, {
        subject: `CVM ${cvm}`,
      });
      return { status: raw.status, bootError: raw.boot_error ?? undefined };
    },
    async getKmsPubkey(kms, appId) {
      const raw = await call(
        "GET /kms/{kms}/pubkey/{app_id}",
        "GET",
        `/kms/${segment(kms, "KMS")}/pubkey/${segment(appId.replace(/^0x/i, ""), "app id")}`,
        Wire.KmsPubkey,
        { subject: `app ${appId}` },
      );
      return { publicKey: raw.public_key, signature: raw.signature };
    },
    async listKms() {
      const out: KmsListing[] = [];
      for (let page = 1; ; page++) {
        const raw = await call("GET /kms", "GET", `/kms?page=${page}&page_size=100`, Wire.KmsListResponse, {
          subject: "the KMS list",
        });
        for (const k of raw.items) {
          out.push({
            id: k.id,
            slug: k.slug ?? undefined,
            chainId: k.chain_id ?? undefined,
            contractAddress: k.kms_contract_address?.toLowerCase() ?? undefined,
          });
        }
        if (page >= raw.pages || raw.items.length === 0) return out;
      }
    },
    async getKmsSigner(kmsId) {
      const raw = await call(
        "GET /kms/{kms_id}/info",
        "GET",
        `/kms/${segment(kmsId, "KMS id")}/info`,
        Wire.KmsInspectResponse,
        { subject: `KMS ${kmsId}` },
      );
      return raw.rpc?.bootstrap_info.k256_pubkey ?? raw.on_chain?.kms_info?.k256_pubkey ?? undefined;
    },
    async patchEnvs(cvm, body) {
      const wire: Record<string, unknown> = { encrypted_env: body.encryptedEnv };
      if (body.envKeys !== undefined) wire.env_keys = [...body.envKeys];
      if (body.composeHash !== undefined) wire.compose_hash = body.composeHash;
      if (body.transactionHash !== undefined) wire.transaction_hash = body.transactionHash;
      return call(
        "PATCH /cvms/{id}/envs",
        "PATCH",
        `/cvms/${cvmPathId(cvm)}/envs`,
        Wire.PatchEnvsAccepted.transform(
          (raw): PatchEnvsAnswer => ({
            kind: "accepted",
            allowedEnvsChanged: raw.allowed_envs_changed,
            correlationId: raw.correlation_id ?? undefined,
          }),
        ),
        {
          body: wire,
          ok: [200, 202],
          subject: `CVM ${cvm}`,
          // The push is accepted only on an idle CVM (busy → 409), so a CVM that is busy right
          // after a lost answer is running this push: do not send it again (a second restart).
          // One that is idle again may have finished it already: its newest app revision then
          // carries exactly this ciphertext (`AppRevisionDetailResponse.encrypted_env`; a
          // ciphertext has a fresh ephemeral key, so nobody else's push can equal it).
          applied: async (): Promise<PatchEnvsAnswer | undefined> => {
            const info = await client.getCvm(cvm).catch(() => undefined);
            if (!info) return undefined;
            if (info.inProgress) return { kind: "accepted", correlationId: info.correlationId };
            if (!info.appId || !info.vmUuid) return undefined;
            const newest = await client.latestRevision(info.appId, info.vmUuid).catch(() => undefined);
            return newest?.encryptedEnv !== undefined && newest.encryptedEnv === bareHex(body.encryptedEnv)
              ? { kind: "accepted" }
              : undefined;
          },
          answer: (status, answered, requestId) =>
            status === 465 ? registrationRequired(answered, requestId) : undefined,
        },
      );
    },
    async listAppRevisions(appId, page = 1, pageSize = 100) {
      const raw = await call(
        "GET /apps/{app_id}/revisions",
        "GET",
        `/apps/${appPathId(appId)}/revisions?page=${page}&page_size=${pageSize}`,
        Wire.AppRevisions,
        { subject: `app ${appId}` },
      );
      return {
        revisions: raw.revisions.map((r) => ({
          revisionId: r.revision_id,
          vmUuid: r.vm_uuid,
          operationType: r.operation_type,
          createdAt: r.created_at,
          composeHash: r.compose_hash,
        })),
        page: raw.page,
        totalPages: raw.total_pages,
      };
    },
    async getAppRevision(appId, revisionId) {
      const r = await call(
        "GET /apps/{app_id}/revisions/{revision_id}",
        "GET",
        `/apps/${appPathId(appId)}/revisions/${encodeURIComponent(revisionId)}`,
        Wire.AppRevisionDetail,
        { subject: `app ${appId}` },
      );
      return {
        revisionId: r.revision_id,
        vmUuid: r.vm_uuid,
        operationType: r.operation_type,
        createdAt: r.created_at,
        composeHash: r.compose_hash,
        encryptedEnv: r.encrypted_env.replace(/^0x/i, "").toLowerCase(),
      };
    },
    async latestRevision(appId, vmUuid) {
      const want = normalUuid(vmUuid);
      for (let page = 1; ; page++) {
        const list = await this.listAppRevisions(appId, page);
        const hit = list.revisions.find((r) => normalUuid(r.vmUuid) === want);
        if (hit) return this.getAppRevision(appId, hit.revisionId);
        if (page >= list.totalPages || list.revisions.length === 0) return undefined;
      }
    },
    async listOperations(cvm, cursor) {
      const raw = await call(
        "GET /cvms/{id}/operations",
        "GET",
        `/cvms/${cvmPathId(cvm)}/operations${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`,
        Wire.CvmOperations,
        { subject: `CVM ${cvm}` },
      );
      return {
        items: raw.items.map((o) => ({
          correlationId: o.correlation_id,
          operationType: o.operation_type,
          status: o.status,
          startedAt: o.started_at,
          completedAt: o.completed_at ?? undefined,
        })),
        nextCursor: raw.next_cursor ?? undefined,
      };
    },
    async operationStatus(cvm) {
      const raw = await call(
        "GET /cvms/{id}/operation-status",
        "GET",
        `/cvms/${cvmPathId(cvm)}/operation-status`,
        Wire.OperationStatus,
        { subject: `CVM ${cvm}` },
      );
      const inProgress = typeof raw.correlation_id === "string" && raw.status !== "idle";
      return { inProgress, operationType: inProgress ? (raw.operation_type ?? undefined) : undefined };
    },
    async waitReady(cvm, waitMs) {
      const deadline = Date.now() + waitMs;
      const stopped = (bootError: string | undefined) =>
        new CvmSecretsError(
          ErrorCodes.ROLLOUT_FAILED,
          `CVM ${cvm} stopped instead of starting${bootError ? `: boot error "${clip(bootError, 200)}"` : ""}. ` +
            "Check its serial log in the Phala Cloud dashboard.",
          { cvm },
        );
      /** Settled? `bootError` from the stream saves a `/state` call. */
      const settled = async (bootError?: string): Promise<{ composeHash?: string } | undefined> => {
        const info = await client.getCvm(cvm);
        if (info.status === "running" && !info.inProgress) return { composeHash: info.composeHash };
        if (info.status === "stopped" && !info.inProgress) {
          // CVMInfoDetail has no boot_error; CvmState does.
          const why = bootError ?? (await client.getState(cvm).catch(() => undefined))?.bootError;
          throw stopped(why);
        }
        return undefined;
      };
      // Prefer the state stream (`GET /cvms/{id}/state?target=…`); fall back to polling.
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
  return client;

  /**
   * Reads the SSE state stream until it ends (the server sends `complete` once the status
   * matches the target, `timeout` at its deadline), the CVM settles stopped, or the deadline.
   */
  async function streamUntilSettled(
    cvm: string,
    deadline: number,
    settled: (bootError?: string) => Promise<unknown>,
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
          if (event.event === "complete" || event.event === "timeout" || event.event === "error") return;
          if (event.event === "state") {
            const state = Wire.CvmState.safeParse(safeJson(event.data));
            // A stop may be transient (mid-restart) or final (boot error): the CVM record decides.
            if (state.success && state.data.status === "stopped")
              await settled(state.data.boot_error ?? undefined);
          }
          if (Date.now() >= deadline) return;
        }
      }
    } finally {
      res.body.destroy();
    }
  }
}

/** An `{app_id}` path segment: 40 lowercase hex digits, no prefix (openapi: "Hex app identifier"). */
function appPathId(appId: string): string {
  return encodeURIComponent(appId.replace(/^(app_|0x)/, "").toLowerCase());
}

/** A UUID with dashes, lowercase (revisions and CVMs may spell it with or without dashes). */
function normalUuid(uuid: string): string {
  const hex = uuid.replace(/-/g, "").toLowerCase();
  return hex.length === 32
    ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    : uuid.toLowerCase();
}

/** Lowercase hex without 0x. */
function bareHex(value: string): string {
  return value.replace(/^0x/i, "").toLowerCase();
}

/** `compose_file` as an object: the API may send it as a JSON string, or null. */
function composeObject(value: unknown): Record<string, unknown> | undefined {
  const parsed = typeof value === "string" ? safeJson(value) : value;
  const compose = Wire.AppCompose.safeParse(parsed);
  return compose.success && parsed !== null && typeof parsed === "object" ? compose.data : undefined;
}

function toCvmInfo(raw: CvmDetailWire | CvmBasicWire): CvmInfo {
  const common = {
    name: raw.name,
    appId: bareHex(raw.app_id ?? ""),
    vmUuid: raw.vm_uuid ? normalUuid(raw.vm_uuid) : undefined,
    status: raw.status,
  };
  if (typeof raw.id === "number") {
    // 2025-10-28 CvmBasicInfo: KMSInfo under kms_info, the key at top level, no progress.
    const legacy = raw as CvmBasicWire;
    const kms = legacy.kms_info ?? undefined;
    return {
      ...common,
      id: String(legacy.id),
      inProgress: legacy.in_progress === true,
      encryptionPublicKey: legacy.encrypted_env_pubkey ? bareHex(legacy.encrypted_env_pubkey) : undefined,
      kms: {
        onChain: kms?.chain_id !== null && kms?.chain_id !== undefined,
        chainId: kms?.chain_id ?? undefined,
        contractAddress: kms?.kms_contract_address?.toLowerCase() ?? undefined,
        id: kms?.id,
        slug: kms?.slug ?? undefined,
      },
    };
  }
  const detail = raw as CvmDetailWire;
  const kms = detail.kms_info ?? undefined;
  const type = detail.kms_type ?? undefined;
  const key = kms?.encrypted_env_pubkey ?? undefined;
  const compose = composeObject(detail.compose_file);
  return {
    ...common,
    id: detail.id,
    // Busy while in_progress or while progress names a target (as the Terraform provider reads it).
    inProgress: detail.in_progress === true || (detail.progress?.target ?? "") !== "",
    correlationId: detail.progress?.correlation_id ?? undefined,
    encryptionPublicKey: key ? bareHex(key) : undefined,
    kms: {
      type,
      onChain:
        type === "ethereum" || type === "base" || (kms?.chain_id !== null && kms?.chain_id !== undefined),
      chainId: kms?.chain_id ?? undefined,
      contractAddress: kms?.dstack_kms_address?.toLowerCase() ?? undefined,
    },
    allowedEnvs: Array.isArray(compose?.allowed_envs) ? (compose.allowed_envs as string[]) : undefined,
    composeFile: compose,
    composeHash: detail.compose_hash ?? undefined,
  };
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

/**
 * A 465 of `PATCH /cvms/{id}/envs` (a structured error whose `details` name `compose_hash` and
 * `app_id`, as the official SDK reads them) as its value; undefined for a body of another shape,
 * which stays an API error.
 */
function registrationRequired(
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
  const structured = structuredOf(body);
  const code = structured.success ? structured.data.error_code : undefined;
  const rid = requestId ?? (structured.success ? (structured.data.request_id ?? undefined) : undefined);
  const message = clip(serverMessage(body, structured.success ? structured.data.message : undefined), 300);

  const hint =
    status === 401 || status === 403
      ? " Check the API key (cvm-secrets:apiKey or PHALA_CLOUD_API_KEY)."
      : status === 404
        ? " Check the CVM id in `cvms` (cvm_…, app_<hex>, a UUID or the CVM name)."
        : status === 409 && code === "ERR-03-010"
          ? " The id matches several CVMs (replicas of one app): name each CVM by its cvm_… id or its VM UUID."
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
