/**
 * Handlers of the real API under `/api/v1` (the Phala Cloud OpenAPI document table, flows the Phala Cloud deploy flows, status
 * `GET /cvms/{id}/state`). Each handler gets the parsed request and answers with a {@link Reply} or throws a
 * {@link ReplyError}. The SSE variant of `GET /cvms/{id}/state` lives in sse.ts.
 */

import { composeHash } from "../provider/core/compose-hash";
import { signKey } from "../provider/core/kms-signature";
import { busy, cvmNotFound, detail, type Reply, type RequestContext, structured, validation } from "./http";
import { isValidCvmName, normalizeAppId, normalizeUuid, randomHex } from "./ids";
import {
  type ApiVersion,
  appForVersion,
  contractCentricKms,
  currentUser,
  cvmForVersion,
  cvmState,
  cvmStatus,
  kmsContractId,
  kmsContractInfo,
  kmsInfo,
  kmsInspect,
  NODE,
  operationStatus,
  operationView,
  revisionDetail,
  revisionSummary,
  vm,
} from "./shapes";
import {
  allowedEnvsOf,
  buildCompose,
  type CvmRecord,
  type EmulatorState,
  KMS_KINDS,
  type KmsKind,
} from "./state";

/** A parsed request as handlers see it. */
export interface ApiRequest {
  method: string;
  /** Route key, e.g. `PATCH /cvms/{id}/envs`. */
  route: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  version: ApiVersion;
  ctx: RequestContext;
}

/** A route of the table. */
export interface Route {
  method: string;
  /** Path template under `/api/v1`, `{name}` = one segment. */
  template: string;
  handler: (req: ApiRequest, state: EmulatorState) => Reply;
}

const HEX = /^[0-9a-fA-F]*$/;
/** Phala Cloud error codes 467: a transaction hash is 0x + 32 bytes. */
const TX_HASH = /^0x[0-9a-fA-F]{64}$/;

function ok(body: unknown, status = 200): Reply {
  return { status, body };
}

/** Resolves `{id}` to a CVM or throws 404 ERR-03-001 / 409 ERR-03-010. */
export function requireCvm(req: ApiRequest, state: EmulatorState): CvmRecord {
  const ref = req.params["id"] ?? "";
  const found = state.resolveCvm(ref);
  if (found === "ambiguous") {
    throw structured(req.ctx, 409, "ERR-03-010", "Multiple CVMs found for this identifier", [
      { field: "cvm_id", value: ref, message: "use the cvm_ id or the vm_uuid" },
    ]);
  }
  if (!found) throw cvmNotFound(req.ctx, ref);
  return found;
}

function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined) {
    throw validation({ loc: ["body"], msg: "Field required", type: "missing" });
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw validation({ loc: ["body"], msg: "Input should be a valid dictionary", type: "dict_type" });
  }
  return body as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw validation({ loc: ["body", key], msg: "Input should be a valid string", type: "string_type" });
  }
  return value;
}

function requiredString(body: Record<string, unknown>, key: string): string {
  const value = optionalString(body, key);
  if (value === undefined) throw validation({ loc: ["body", key], msg: "Field required", type: "missing" });
  return value;
}

function optionalStringList(body: Record<string, unknown>, key: string): string[] | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    throw validation({ loc: ["body", key], msg: "Input should be a valid list", type: "list_type" });
  }
  value.forEach((item, index) => {
    if (typeof item !== "string") {
      throw validation({
        loc: ["body", key, index],
        msg: "Input should be a valid string",
        type: "string_type",
      });
    }
  });
  return [...new Set(value as string[])];
}

/** `encrypted_env`: hex without prefix, even length (an assumption (not documented upstream): official clients send lowercase, no 0x). */
function hexBlob(value: string, key: string): string {
  if (!HEX.test(value) || value.length % 2 !== 0) {
    throw validation({
      loc: ["body", key],
      msg: "Value error, encrypted_env must be a hex string",
      type: "value_error",
    });
  }
  return value.toLowerCase();
}

function kmsKindOf(body: Record<string, unknown>): KmsKind {
  // `POST /cvms/provision` + commit: accept `kms` lowercase (openapi), `kms` uppercase (TS SDK) and `kms_type` (Go SDK).
  const raw = body["kms"] ?? body["kms_type"];
  if (raw === undefined || raw === null) return "phala";
  const value = typeof raw === "string" ? raw.toLowerCase() : "";
  if (value === "legacy") return "phala";
  if ((KMS_KINDS as readonly string[]).includes(value)) return value as KmsKind;
  throw validation({
    loc: ["body", body["kms"] !== undefined ? "kms" : "kms_type"],
    msg: "Input should be 'phala', 'ethereum', 'base' or 'legacy'",
    type: "enum",
  });
}

function sameKeySet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((k) => sb.has(k));
}

function envKeysCheck(envKeys: string[] | undefined, allowed: readonly string[]): void {
  // `POST /cvms/provision` + commit: for OS images >= 0.5.0 every env_keys entry must appear in allowed_envs (422).
  const missing = (envKeys ?? []).filter((k) => !allowed.includes(k));
  if (missing.length > 0) {
    throw validation({
      loc: ["body", "env_keys"],
      msg: `Value error, env_keys not in allowed_envs: ${missing.join(", ")}`,
      type: "value_error",
    });
  }
}

// ---- handlers --------------------------------------------------------------------------------

function kmsList(req: ApiRequest, state: EmulatorState): Reply {
  // Strict: {items, total, page, page_size, pages} only (the official SDK's zod schemas).
  if (contractCentricKms(req.version)) {
    // 2026-06-23: KMS contracts; `is_onchain` filters (the SDK's ListKmsContractsRequest).
    const onchain = req.query.get("is_onchain");
    const items = state.kms
      .filter((k) => onchain === null || (k.chainId !== null) === (onchain === "true"))
      .map(kmsContractInfo);
    return ok({ items, total: items.length, page: 1, page_size: items.length, pages: 1 });
  }
  const items = state.kms.map(kmsInfo);
  return ok({ items, total: items.length, page: 1, page_size: items.length, pages: 1 });
}

function kmsGet(req: ApiRequest, state: EmulatorState): Reply {
  const ref = req.params["kms_id"] ?? "";
  if (contractCentricKms(req.version)) {
    // 2026-06-23: `/kms/{slug}`, the contract slug (the type) or its `kc_` id.
    const kms = state.kms.find((k) => k.type === ref.toLowerCase() || kmsContractId(k) === ref);
    if (!kms) throw detail(404, "KMS contract not found");
    return ok(kmsContractInfo(kms));
  }
  const kms = state.findKms(ref);
  if (!kms) throw detail(404, "KMS not found");
  return ok(kmsInfo(kms));
}

function kmsInfoGet(req: ApiRequest, state: EmulatorState): Reply {
  const kms = state.findKms(req.params["kms_id"] ?? "");
  if (!kms) throw detail(404, "KMS not found");
  return ok(kmsInspect(kms));
}

function kmsPubkey(req: ApiRequest, state: EmulatorState): Reply {
  const kms = state.findKmsOrType(req.params["kms"] ?? "");
  if (!kms) throw detail(404, "KMS not found");
  const appId = normalizeAppId(req.params["app_id"] ?? "");
  if (!appId) {
    throw validation({ loc: ["path", "app_id"], msg: "app_id must be 40 hex digits", type: "value_error" });
  }
  // A KMS derives a key for any app id (dstack KMS key derivation); the emulator creates the app on first sight.
  const known = state.apps.get(appId);
  if (known && known.kms !== kms.type) throw detail(404, "App not found on this KMS");
  const app = known ?? state.ensureApp(kms.type, appId);
  const signature = signKey(
    Buffer.from(kms.secretKey, "hex"),
    Buffer.from(app.appId, "hex"),
    Buffer.from(app.publicKey, "hex"),
  );
  // Strict {public_key, signature}, legacy layout (the dstack KMS signature format, the Phala Cloud OpenAPI document).
  return ok({ public_key: app.publicKey, signature });
}

function nextAppId(req: ApiRequest): Reply {
  const counts = Math.min(Math.max(Number(req.query.get("counts") ?? "1") || 1, 1), 20);
  const app_ids = Array.from({ length: counts }, (_, nonce) => ({ app_id: randomHex(20), nonce }));
  return ok({ app_ids });
}

function provision(req: ApiRequest, state: EmulatorState): Reply {
  return provisionWith(req, state, false);
}

/**
 * Provision (`POST /cvms/provision` + commit). `withToken` = the same-path two-phase create of the current SDK
 * (`POST /cvms` with the provision body answers with a one-time commit `token`; repo
 * Phala-Network/phala-cloud, js/src/actions/cvms/provision_cvm.ts).
 */
function provisionWith(req: ApiRequest, state: EmulatorState, withToken: boolean): Reply {
  const body = bodyObject(req.body);
  const name = requiredString(body, "name");
  if (!isValidCvmName(name)) {
    throw validation({
      loc: ["body", "name"],
      msg: "Value error, name must be 5-63 characters: a letter, then letters, digits or hyphens",
      type: "value_error",
    });
  }
  const composeFile = body["compose_file"];
  if (composeFile === null || typeof composeFile !== "object" || Array.isArray(composeFile)) {
    throw validation({ loc: ["body", "compose_file"], msg: "Field required", type: "missing" });
  }
  const kind = kmsKindOf(body);
  const envKeys = optionalStringList(body, "env_keys");
  const fields = { ...(composeFile as Record<string, unknown>) };
  const allowed = Array.isArray(fields["allowed_envs"])
    ? (fields["allowed_envs"] as string[])
    : (envKeys ?? []);
  delete fields["allowed_envs"];
  const compose = buildCompose(name, fields, allowed);
  envKeysCheck(envKeys, allowedEnvsOf(compose));
  const instanceType = optionalString(body, "instance_type") ?? "tdx.small";

  let appId: string | null = null;
  let pubkey: string | null = null;
  if (kind === "phala") {
    const requested = optionalString(body, "app_id");
    const normalized = requested === undefined ? undefined : normalizeAppId(requested);
    if (requested !== undefined && !normalized) {
      throw validation({ loc: ["body", "app_id"], msg: "app_id must be 40 hex digits", type: "value_error" });
    }
    const app = state.ensureApp("phala", normalized);
    appId = app.appId;
    pubkey = app.publicKey;
  }
  const hash = composeHash(compose);
  const token = withToken ? `ctk_${randomHex(16)}` : null;
  state.provisions.set(hash, {
    token,
    name,
    compose,
    kms: kind,
    appId,
    instanceType,
    envKeys: envKeys ?? null,
    createdAt: Date.now(),
  });
  state.save();
  const kms = state.kmsOf(kind);
  return ok({
    app_id: appId,
    app_env_encrypt_pubkey: pubkey,
    compose_hash: hash,
    fmspc: "00806f050000",
    device_id: randomHex(32),
    os_image_hash: "0".repeat(64),
    kms_info: kmsInfo(kms),
    instance_type: instanceType,
    node_id: NODE.id,
    kms_id: kms.id,
    ...(token ? { token } : {}),
  });
}

function commit(req: ApiRequest, state: EmulatorState): Reply {
  const body = bodyObject(req.body);
  // Same-path two-phase create: a provision body on POST /cvms is the prepare step.
  if (body["compose_file"] !== undefined && body["compose_hash"] === undefined) {
    return provisionWith(req, state, true);
  }
  const rawAppId = requiredString(body, "app_id");
  const hash = requiredString(body, "compose_hash");
  const appId = normalizeAppId(rawAppId);
  if (!appId) {
    throw validation({ loc: ["body", "app_id"], msg: "app_id must be 40 hex digits", type: "value_error" });
  }
  const blobText = optionalString(body, "encrypted_env");
  const blob = blobText === undefined ? "" : hexBlob(blobText, "encrypted_env");
  const envKeys = optionalStringList(body, "env_keys");
  const provisioned = state.provisions.get(hash.toLowerCase());
  if (!provisioned) {
    throw structured(req.ctx, 466, "ERR-01-006", "Compose hash is invalid or expired; provision again", [
      { field: "compose_hash", value: hash, message: null },
    ]);
  }
  if (provisioned.appId !== null && provisioned.appId !== appId) {
    throw validation({
      loc: ["body", "app_id"],
      msg: "Value error, app_id does not match the provisioned app",
      type: "value_error",
    });
  }
  const token = optionalString(body, "token");
  if (token !== undefined && token !== provisioned.token) {
    throw structured(req.ctx, 466, "ERR-01-006", "Commit token is invalid, expired or superseded", [
      { field: "token", value: null, message: null },
    ]);
  }
  envKeysCheck(envKeys, allowedEnvsOf(provisioned.compose));
  // Idempotent on (app_id, compose_hash); another compose for the same app → 409 ERR-03-007 (`POST /cvms/provision` + commit).
  const sameApp = state.cvms.filter((c) => c.appId === appId);
  const same = sameApp.find((c) => c.composeHash === hash.toLowerCase());
  if (same) return ok(vm(state, same));
  if (sameApp.length > 0) {
    throw structured(req.ctx, 409, "ERR-03-007", "A CVM with this app_id already exists", [
      { field: "app_id", value: appId, message: null },
    ]);
  }
  if (state.cvms.some((c) => c.name === provisioned.name)) {
    throw structured(req.ctx, 409, "ERR-01-004", "A CVM with this name already exists", [
      { field: "name", value: provisioned.name, message: null },
    ]);
  }
  const app = state.ensureApp(provisioned.kms, appId);
  const cvm = state.addCvm({
    name: provisioned.name,
    app,
    compose: provisioned.compose,
    encryptedEnv: blob,
    instanceType: provisioned.instanceType,
  });
  state.begin(cvm, {
    status: "starting",
    target: "running",
    operationType: "create",
    countsAsRestart: false,
  });
  return ok(vm(state, cvm));
}

function listCvms(req: ApiRequest, state: EmulatorState): Reply {
  return ok(state.cvms.map((c) => cvmForVersion(state, c, req.version, false)));
}

function paginatedCvms(req: ApiRequest, state: EmulatorState): Reply {
  const page = intQuery(req, "page", 1, 1, Number.MAX_SAFE_INTEGER);
  const pageSize = intQuery(req, "page_size", 30, 1, 100);
  const all = state.cvms;
  const items = all
    .slice((page - 1) * pageSize, page * pageSize)
    .map((c) => cvmForVersion(state, c, req.version, false));
  return ok({ items, total: all.length, page, page_size: pageSize, pages: Math.ceil(all.length / pageSize) });
}

/** Reads an integer query parameter in [min, max] (FastAPI 422 otherwise). */
function intQuery(req: ApiRequest, name: string, fallback: number, min: number, max: number): number {
  const raw = req.query.get(name);
  const value = raw === null ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw validation({
      loc: ["query", name],
      msg: `Input should be between ${min} and ${max}`,
      type: "value_error",
    });
  }
  return value;
}

/** `GET /apps` (DstackAppListResponse of the version): the apps that have CVMs, paginated. */
function listApps(req: ApiRequest, state: EmulatorState): Reply {
  const page = intQuery(req, "page", 1, 1, Number.MAX_SAFE_INTEGER);
  const pageSize = intQuery(req, "page_size", 20, 1, 100);
  const search = req.query.get("search")?.toLowerCase();
  const kmsType = req.query.get("kms_type")?.toLowerCase();
  const apps = [...state.apps.values()].filter((app) => {
    const cvms = state.cvms.filter((c) => c.appId === app.appId);
    if (cvms.length === 0) return false;
    if (kmsType && app.kms !== kmsType) return false;
    if (!search) return true;
    return (
      app.appId.includes(search) ||
      cvms.some(
        (c) =>
          c.name.toLowerCase().includes(search) || c.vmUuid.includes(search) || c.instanceId.includes(search),
      )
    );
  });
  const slice = apps.slice((page - 1) * pageSize, page * pageSize);
  return ok({
    dstack_apps: slice.map((app) =>
      appForVersion(
        state,
        app,
        state.cvms.filter((c) => c.appId === app.appId),
        req.version,
      ),
    ),
    page,
    page_size: pageSize,
    total: apps.length,
    total_pages: Math.ceil(apps.length / pageSize),
  });
}

function getCvm(req: ApiRequest, state: EmulatorState): Reply {
  return ok(cvmForVersion(state, requireCvm(req, state), req.version, true));
}

function appCvms(req: ApiRequest, state: EmulatorState): Reply {
  const appId = normalizeAppId(req.params["app_id"] ?? "");
  if (!appId) throw detail(404, "App not found");
  return ok(
    state.cvms.filter((c) => c.appId === appId).map((c) => cvmForVersion(state, c, req.version, false)),
  );
}

/** `PATCH /cvms/{id}/envs` (`PATCH /cvms/{id}/envs`), including the 465 phase-1/phase-2 flow for on-chain KMS. */
function patchEnvs(req: ApiRequest, state: EmulatorState): Reply {
  const body = bodyObject(req.body);
  const blob = hexBlob(requiredString(body, "encrypted_env"), "encrypted_env");
  const envKeys = optionalStringList(body, "env_keys");
  const phase2Hash = optionalString(body, "compose_hash");
  const txHash = optionalString(body, "transaction_hash");
  const cvm = requireCvm(req, state);
  if (cvm.inProgress) throw busy();

  const current = allowedEnvsOf(cvm.compose);
  // an assumption (not documented upstream) assumption: the same key set (any order) is "unchanged": no new hash, no 465.
  const keysChanged = envKeys !== undefined && !sameKeySet(envKeys, current);
  let newCompose = cvm.compose;
  let newHash = cvm.composeHash;
  if (keysChanged) {
    newCompose = { ...cvm.compose, allowed_envs: envKeys };
    newHash = composeHash(newCompose);
    if (cvm.kms !== "phala") {
      if (phase2Hash === undefined && txHash === undefined) {
        // Phase 1: the new compose hash must be registered on-chain first (Phala Cloud error codes ERR-01-005).
        cvm.pending = { composeHash: newHash, allowedEnvs: envKeys };
        state.save();
        const kms = kmsInfo(state.kmsOf(cvm.kms));
        throw structured(
          req.ctx,
          465,
          "ERR-01-005",
          "Compose hash must be registered on-chain before this update",
          [
            { field: "compose_hash", value: newHash, message: null },
            { field: "app_id", value: cvm.appId, message: null },
            { field: "device_id", value: cvm.deviceId, message: null },
            { field: "kms_info", value: kms, message: null },
          ],
          [
            "Call DstackApp.addComposeHash(compose_hash), then repeat the request with compose_hash and transaction_hash",
          ],
        );
      }
      if (phase2Hash?.toLowerCase().replace(/^0x/, "") !== newHash) {
        throw structured(req.ctx, 466, "ERR-01-006", "Compose hash is invalid, expired or superseded", [
          { field: "compose_hash", value: phase2Hash ?? null, message: null },
        ]);
      }
      if (txHash === undefined || !TX_HASH.test(txHash)) {
        throw structured(req.ctx, 467, "ERR-01-007", "Transaction verification failed", [
          {
            field: "transaction_hash",
            value: txHash ?? null,
            message: "expected 0x followed by 64 hex digits",
          },
        ]);
      }
    }
  }
  cvm.encryptedEnv = blob;
  cvm.compose = newCompose;
  cvm.composeHash = newHash;
  cvm.pending = null;
  const op = state.begin(cvm, {
    status: "restarting",
    target: "running",
    operationType: "update_env",
    countsAsRestart: true,
  });
  state.addRevision(cvm, "update_env", req.ctx.requestId);
  state.save();
  return ok(
    {
      status: "in_progress",
      message: "Environment variables update initiated; the CVM restarts",
      correlation_id: op.correlation_id,
      allowed_envs_changed: keysChanged,
    },
    202,
  );
}

function composeFile(req: ApiRequest, state: EmulatorState): Reply {
  const cvm = requireCvm(req, state);
  return ok(cvm.compose);
}

function power(kind: "restart" | "start" | "stop" | "shutdown") {
  return (req: ApiRequest, state: EmulatorState): Reply => {
    if (req.body !== undefined) bodyObject(req.body);
    const cvm = requireCvm(req, state);
    if (cvm.inProgress) throw busy();
    if (kind === "stop" || kind === "shutdown") {
      state.begin(cvm, {
        status: kind === "stop" ? "stopping" : "shutting_down",
        target: "stopped",
        operationType: kind === "stop" ? "power_off" : "shutdown",
        countsAsRestart: false,
      });
    } else {
      state.begin(cvm, {
        status: kind === "restart" ? "restarting" : "starting",
        target: "running",
        operationType: kind === "restart" ? "restart" : "power_on",
        countsAsRestart: true,
      });
    }
    state.save();
    return ok(vm(state, cvm));
  };
}

function getState(req: ApiRequest, state: EmulatorState): Reply {
  return ok(cvmState(requireCvm(req, state), req.version));
}

function statusBatch(req: ApiRequest, state: EmulatorState): Reply {
  const body = bodyObject(req.body);
  const uuids = optionalStringList(body, "vm_uuids");
  if (uuids === undefined)
    throw validation({ loc: ["body", "vm_uuids"], msg: "Field required", type: "missing" });
  const out: Record<string, unknown> = {};
  for (const given of uuids) {
    const uuid = normalizeUuid(given);
    const cvm = uuid ? state.cvms.find((c) => c.vmUuid === uuid) : undefined;
    if (cvm) out[given] = cvmStatus(cvm);
  }
  return ok(out);
}

/**
 * `GET /cvms/{cvm_id}/operations` (openapi `PaginatedCvmOperationsResponse`): newest first,
 * cursor-paginated with `limit` (1..500, default 50); the cursor is opaque (here: an offset).
 */
function operations(req: ApiRequest, state: EmulatorState): Reply {
  const cvm = requireCvm(req, state);
  const limit = intQuery(req, "limit", 50, 1, 500);
  const cursor = req.query.get("cursor");
  const offset = cursor === null || cursor === "" ? 0 : Number.parseInt(cursor, 10);
  if (!Number.isInteger(offset) || offset < 0) throw detail(400, "Invalid cursor");
  const all = [...cvm.operations].reverse();
  const items = all.slice(offset, offset + limit).map(operationView);
  const next = offset + limit < all.length ? String(offset + limit) : null;
  return ok({ items, next_cursor: next, total: all.length });
}

/** `GET /apps/{app_id}/revisions` (openapi `AppRevisionsResponse`): newest first, paginated. */
function appRevisions(req: ApiRequest, state: EmulatorState): Reply {
  const appId = normalizeAppId(req.params["app_id"] ?? "");
  if (!appId || !state.apps.has(appId)) throw detail(404, "App not found");
  const page = intQuery(req, "page", 1, 1, Number.MAX_SAFE_INTEGER);
  const pageSize = intQuery(req, "page_size", 50, 1, 1000);
  const all = state.revisionsOf(appId);
  return ok({
    revisions: all.slice((page - 1) * pageSize, page * pageSize).map(revisionSummary),
    total: all.length,
    page,
    page_size: pageSize,
    total_pages: Math.ceil(all.length / pageSize),
  });
}

/** `GET /apps/{app_id}/revisions/{revision_id}` (openapi `AppRevisionDetailResponse`). */
function appRevision(req: ApiRequest, state: EmulatorState): Reply {
  const appId = normalizeAppId(req.params["app_id"] ?? "");
  if (!appId || !state.apps.has(appId)) throw detail(404, "App not found");
  const id = decodeURIComponent(req.params["revision_id"] ?? "");
  const revision = state.revisionsOf(appId).find((r) => r.revisionId === id);
  if (!revision) throw detail(404, "Revision not found");
  const raw = req.query.get("raw_compose_file");
  if (raw !== null && !["true", "false", "1", "0"].includes(raw)) {
    throw validation({
      loc: ["query", "raw_compose_file"],
      msg: "Input should be a valid boolean",
      type: "bool_parsing",
    });
  }
  return ok(revisionDetail(revision, raw === "true" || raw === "1"));
}

function deleteCvm(req: ApiRequest, state: EmulatorState): Reply {
  const cvm = requireCvm(req, state);
  state.deleteCvm(cvm);
  return { status: 204 };
}

/**
 * The route table. Literal segments are listed before parameter segments that could match
 * them (`/cvms/paginated` before `/cvms/{id}`).
 */
export const API_ROUTES: Route[] = [
  { method: "GET", template: "/auth/me", handler: (req) => ok(currentUser(req.version)) },
  { method: "GET", template: "/kms", handler: kmsList },
  { method: "GET", template: "/kms/phala/next_app_id", handler: nextAppId },
  { method: "GET", template: "/kms/{kms_id}", handler: kmsGet },
  { method: "GET", template: "/kms/{kms_id}/info", handler: kmsInfoGet },
  { method: "GET", template: "/kms/{kms}/pubkey/{app_id}", handler: kmsPubkey },
  { method: "POST", template: "/cvms/provision", handler: provision },
  { method: "POST", template: "/cvms", handler: commit },
  { method: "GET", template: "/cvms", handler: listCvms },
  { method: "GET", template: "/cvms/paginated", handler: paginatedCvms },
  { method: "GET", template: "/cvms/{id}", handler: getCvm },
  { method: "DELETE", template: "/cvms/{id}", handler: deleteCvm },
  { method: "GET", template: "/apps", handler: listApps },
  { method: "GET", template: "/apps/{app_id}/cvms", handler: appCvms },
  { method: "PATCH", template: "/cvms/{id}/envs", handler: patchEnvs },
  { method: "GET", template: "/cvms/{id}/compose_file", handler: composeFile },
  { method: "POST", template: "/cvms/{id}/restart", handler: power("restart") },
  { method: "POST", template: "/cvms/{id}/start", handler: power("start") },
  { method: "POST", template: "/cvms/{id}/stop", handler: power("stop") },
  { method: "POST", template: "/cvms/{id}/shutdown", handler: power("shutdown") },
  { method: "GET", template: "/cvms/{id}/state", handler: getState },
  { method: "POST", template: "/status/batch", handler: statusBatch },
  { method: "GET", template: "/cvms/{id}/operations", handler: operations },
  {
    method: "GET",
    template: "/cvms/{id}/operation-status",
    handler: (req, state) => ok(operationStatus(requireCvm(req, state))),
  },
  { method: "GET", template: "/apps/{app_id}/revisions", handler: appRevisions },
  { method: "GET", template: "/apps/{app_id}/revisions/{revision_id}", handler: appRevision },
];

/** Matches a path (under `/api/v1`) against a template; returns the params or undefined. */
export function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  const t = template.split("/");
  const p = path.split("/");
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i]!;
    const value = p[i]!;
    if (seg.startsWith("{") && seg.endsWith("}")) {
      if (value === "") return undefined;
      params[seg.slice(1, -1)] = value;
    } else if (seg !== value) {
      return undefined;
    }
  }
  return params;
}
