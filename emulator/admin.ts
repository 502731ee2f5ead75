/**
 * Test/admin endpoints under `/_emulator` (a prefix no real API uses) and their JS mirror,
 * {@link EmulatorAdmin}: seed apps and CVMs, read the guest view, counters, the operation log,
 * manage faults, rotate an app key, reset.
 */

import { checkFaultSpec, type FaultPlan, type FaultSpec } from "./faults";
import { detail, type Reply, ReplyError, validation } from "./http";
import { isValidCvmName, normalizeAppId } from "./ids";
import { appView, cvmInfo } from "./shapes";
import {
  allowedEnvsOf,
  buildCompose,
  COMPOSE_FORMATS,
  type ComposeFormat,
  type CvmRecord,
  type EmulatorState,
  KMS_KINDS,
  type KmsKind,
} from "./state";

/** Context of admin handlers. */
export interface AdminContext {
  state: EmulatorState;
  faults: FaultPlan;
}

/** An admin route. */
export interface AdminRoute {
  method: string;
  /** Path template under `/_emulator`. */
  template: string;
  handler: (ctx: AdminContext, params: Record<string, string>, body: unknown) => Reply;
}

function object(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw validation({ loc: ["body"], msg: "Input should be a valid dictionary", type: "dict_type" });
  }
  return body as Record<string, unknown>;
}

function kmsKind(value: unknown): KmsKind {
  if (value === undefined || value === null) return "phala";
  if (typeof value === "string" && (KMS_KINDS as readonly string[]).includes(value.toLowerCase())) {
    return value.toLowerCase() as KmsKind;
  }
  throw validation({
    loc: ["body", "kms"],
    msg: "Input should be 'phala', 'ethereum' or 'base'",
    type: "enum",
  });
}

function stringField(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw validation({ loc: ["body", key], msg: "Input should be a valid string", type: "string_type" });
  }
  return value;
}

function appIdField(body: Record<string, unknown>): string | undefined {
  const raw = stringField(body, "app_id");
  if (raw === undefined) return undefined;
  const appId = normalizeAppId(raw);
  if (!appId)
    throw validation({ loc: ["body", "app_id"], msg: "app_id must be 40 hex digits", type: "value_error" });
  return appId;
}

function createApp(ctx: AdminContext, _params: Record<string, string>, raw: unknown): Reply {
  const body = object(raw);
  const kind = kmsKind(body["kms"]);
  const appId = appIdField(body);
  const existing = appId ? ctx.state.apps.get(appId) : undefined;
  if (existing && existing.kms !== kind) throw detail(409, "The app exists on another KMS");
  return { status: 200, body: appView(ctx.state, ctx.state.ensureApp(kind, appId)) };
}

function rotateKey(ctx: AdminContext, params: Record<string, string>): Reply {
  const appId = normalizeAppId(params["app_id"] ?? "");
  const app = appId ? ctx.state.apps.get(appId) : undefined;
  if (!app) throw detail(404, "App not found");
  return { status: 200, body: appView(ctx.state, ctx.state.rotateAppKey(app)) };
}

function createCvm(ctx: AdminContext, _params: Record<string, string>, raw: unknown): Reply {
  const body = object(raw);
  const name = stringField(body, "name");
  if (name === undefined) throw validation({ loc: ["body", "name"], msg: "Field required", type: "missing" });
  if (!isValidCvmName(name)) {
    throw validation({
      loc: ["body", "name"],
      msg: "Value error, name must be 5-63 characters: a letter, then letters, digits or hyphens",
      type: "value_error",
    });
  }
  if (ctx.state.cvms.some((c) => c.name === name)) throw detail(409, "A CVM with this name already exists");
  const appId = appIdField(body);
  const kind = body["kms"] === undefined && appId ? ctx.state.apps.get(appId)?.kms : kmsKind(body["kms"]);
  const app = ctx.state.ensureApp(kind ?? "phala", appId);
  if (body["kms"] !== undefined && app.kms !== kmsKind(body["kms"])) {
    throw detail(409, "The app exists on another KMS");
  }
  const allowed = body["allowed_envs"];
  if (allowed !== undefined && (!Array.isArray(allowed) || allowed.some((k) => typeof k !== "string"))) {
    throw validation({
      loc: ["body", "allowed_envs"],
      msg: "Input should be a list of strings",
      type: "list_type",
    });
  }
  const compose = stringField(body, "docker_compose_file");
  const blob = stringField(body, "encrypted_env") ?? "";
  if (!/^[0-9a-fA-F]*$/.test(blob) || blob.length % 2 !== 0) {
    throw validation({ loc: ["body", "encrypted_env"], msg: "Value error, not hex", type: "value_error" });
  }
  const format = stringField(body, "compose_file_format") ?? "object";
  if (!(COMPOSE_FORMATS as readonly string[]).includes(format)) {
    throw validation({
      loc: ["body", "compose_file_format"],
      msg: `Input should be ${COMPOSE_FORMATS.map((f) => `'${f}'`).join(", ")}`,
      type: "enum",
    });
  }
  // Replicas of one app share one compose file and so one compose hash (TF
  // waitForCVMsOnComposeHash): a CVM added to an app with CVMs gets the app's compose unless
  // it names its own.
  const sibling = ctx.state.cvms.find((c) => c.appId === app.appId);
  const ownCompose = compose !== undefined || allowed !== undefined;
  const cvm = ctx.state.addCvm({
    name,
    app,
    compose:
      sibling && !ownCompose
        ? structuredClone(sibling.compose)
        : buildCompose(
            typeof sibling?.compose["name"] === "string" ? sibling.compose["name"] : name,
            compose === undefined ? {} : { docker_compose_file: compose },
            (allowed as string[] | undefined) ?? [],
          ),
    encryptedEnv: blob.toLowerCase(),
    composeFormat: format as ComposeFormat,
  });
  ctx.state.bootNow(cvm);
  return { status: 200, body: adminCvmView(ctx.state, cvm) };
}

/**
 * The answer of `POST /_emulator/cvms`: the CVMInfoDetail plus what a test needs and the API
 * does not show on a CVM — the app's key (`encrypted_env_pubkey`, reported as null for on-chain
 * KMS) and the KMS signer (`k256_pubkey`).
 */
function adminCvmView(state: EmulatorState, cvm: CvmRecord): Record<string, unknown> {
  const app = state.apps.get(cvm.appId);
  return {
    ...cvmInfo(state, cvm, true),
    encrypted_env_pubkey: app?.publicKey ?? null,
    k256_pubkey: state.kmsOf(cvm.kms).k256Pubkey,
  };
}

function guest(ctx: AdminContext, params: Record<string, string>): Reply {
  const cvm = ctx.state.resolveCvm(params["id"] ?? "");
  if (cvm === "ambiguous") throw detail(409, "Multiple CVMs found for this identifier");
  if (!cvm) throw detail(404, "CVM not found");
  return {
    status: 200,
    body: {
      status: cvm.status,
      in_progress: cvm.inProgress,
      boot_error: cvm.bootError,
      env: cvm.guest ? { ...cvm.guest.env } : null,
      skipped: cvm.guest ? [...cvm.guest.skipped] : [],
      allowed_envs: allowedEnvsOf(cvm.compose),
      compose_hash: cvm.composeHash,
      boots: cvm.boots,
    },
  };
}

function counts(ctx: AdminContext): Reply {
  return {
    status: 200,
    body: {
      requests: { ...ctx.state.requests },
      writes: ctx.state.writes,
      restarts: { ...ctx.state.restarts },
    },
  };
}

function ops(ctx: AdminContext): Reply {
  return { status: 200, body: ctx.state.opsLog.map((entry) => ({ ...entry })) };
}

function addFault(ctx: AdminContext, _params: Record<string, string>, raw: unknown): Reply {
  const problems = checkFaultSpec(raw);
  if (problems.length > 0) {
    throw validation(...problems.map((msg) => ({ loc: ["body"], msg, type: "value_error" })));
  }
  const spec = { ...(raw as FaultSpec) };
  if (spec.cvm !== undefined) {
    const resolved = ctx.state.resolveCvm(spec.cvm);
    if (resolved && resolved !== "ambiguous") spec.cvm = resolved.id;
  }
  return { status: 200, body: { id: ctx.faults.add(spec) } };
}

/** The admin route table (under `/_emulator`). */
export const ADMIN_ROUTES: AdminRoute[] = [
  { method: "POST", template: "/apps", handler: createApp },
  { method: "POST", template: "/apps/{app_id}/rotate-key", handler: rotateKey },
  { method: "POST", template: "/cvms", handler: createCvm },
  { method: "GET", template: "/cvms/{id}/guest", handler: guest },
  { method: "GET", template: "/counts", handler: counts },
  { method: "GET", template: "/ops", handler: ops },
  { method: "POST", template: "/faults", handler: addFault },
  { method: "GET", template: "/faults", handler: (ctx) => ({ status: 200, body: ctx.faults.list() }) },
  {
    method: "DELETE",
    template: "/faults",
    handler: (ctx) => {
      ctx.faults.clear();
      return { status: 200, body: { cleared: true } };
    },
  },
  {
    method: "POST",
    template: "/reset",
    handler: (ctx) => {
      ctx.state.reset();
      ctx.faults.clear();
      return { status: 200, body: { reset: true } };
    },
  },
];

/** Thrown by {@link EmulatorAdmin} methods with the HTTP status and body the endpoint would send. */
export class EmulatorAdminError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`emulator admin call failed with HTTP ${status}: ${JSON.stringify(body)}`);
    this.name = "EmulatorAdminError";
  }
}

/** Body of `POST /_emulator/apps`. */
export interface CreateAppInput {
  kms?: KmsKind;
  app_id?: string;
}

/** The answer of `POST /_emulator/apps` and `rotate-key`. */
export interface AppInfo {
  app_id: string;
  encrypted_env_pubkey: string;
  k256_pubkey: string;
  kms_id: string;
  /** A realistic slug (`kms-base-prod2`), not the type. */
  kms_slug: string;
  kms_type: KmsKind;
}

/** Body of `POST /_emulator/cvms`. */
export interface CreateCvmInput {
  name: string;
  app_id?: string;
  kms?: KmsKind;
  /** YAML; default a one-service compose reading `API_KEY`. */
  docker_compose_file?: string;
  allowed_envs?: string[];
  encrypted_env?: string;
  /** How `GET /cvms/{id}` (2026) shows `compose_file`: `object` (default), `string` (JSON) or `null`. */
  compose_file_format?: ComposeFormat;
}

/** `GET /_emulator/cvms/{id}/guest`. */
export interface GuestInfo {
  status: string;
  in_progress: boolean;
  boot_error: string | null;
  /** The decrypted, filtered env the app sees (null before a successful boot). */
  env: Record<string, string> | null;
  /** Keys dropped by the allow-list at the last boot. */
  skipped: string[];
  allowed_envs: string[];
  compose_hash: string;
  boots: number;
}

/** `GET /_emulator/counts`. */
export interface CountsInfo {
  /** Keyed `"METHOD /route/template"`, e.g. `"PATCH /cvms/{id}/envs"`. */
  requests: Record<string, number>;
  /** Non-GET requests to `/api/v1`. */
  writes: number;
  /** Restarts per `cvm_` id (env updates, restarts, starts). */
  restarts: Record<string, number>;
}

/** One `GET /_emulator/ops` entry. */
export interface OpsEntry {
  seq: number;
  at: number;
  cvm: string;
  event: string;
  detail?: unknown;
}

/** JS mirror of the admin endpoints: same inputs, same JSON, errors as {@link EmulatorAdminError}. */
export class EmulatorAdmin {
  constructor(private readonly ctx: AdminContext) {}

  private call<T>(
    method: string,
    template: string,
    params: Record<string, string>,
    body?: unknown,
  ): Promise<T> {
    const route = ADMIN_ROUTES.find((r) => r.method === method && r.template === template)!;
    try {
      const reply = route.handler(this.ctx, params, body);
      return Promise.resolve(JSON.parse(JSON.stringify(reply.body)) as T);
    } catch (error) {
      if (error instanceof ReplyError) {
        return Promise.reject(new EmulatorAdminError(error.reply.status, error.reply.body));
      }
      return Promise.reject(error);
    }
  }

  /** `POST /_emulator/apps`. */
  createApp(input: CreateAppInput = {}): Promise<AppInfo> {
    return this.call("POST", "/apps", {}, input);
  }

  /** `POST /_emulator/apps/{app_id}/rotate-key`. */
  rotateKey(appId: string): Promise<AppInfo> {
    return this.call("POST", "/apps/{app_id}/rotate-key", { app_id: appId });
  }

  /** `POST /_emulator/cvms`: the CVMInfoDetail JSON plus the app's key and the KMS signer. */
  createCvm(input: CreateCvmInput): Promise<
    Record<string, unknown> & {
      id: string;
      app_id: string;
      encrypted_env_pubkey: string;
      k256_pubkey: string;
    }
  > {
    return this.call("POST", "/cvms", {}, input);
  }

  /** `GET /_emulator/cvms/{id}/guest`. */
  guest(id: string): Promise<GuestInfo> {
    return this.call("GET", "/cvms/{id}/guest", { id });
  }

  /** `GET /_emulator/counts`. */
  counts(): Promise<CountsInfo> {
    return this.call("GET", "/counts", {});
  }

  /** `GET /_emulator/ops`. */
  ops(): Promise<OpsEntry[]> {
    return this.call("GET", "/ops", {});
  }

  /** `POST /_emulator/faults`. */
  addFault(spec: FaultSpec): Promise<{ id: string }> {
    return this.call("POST", "/faults", {}, spec);
  }

  /** `DELETE /_emulator/faults`. */
  clearFaults(): Promise<{ cleared: true }> {
    return this.call("DELETE", "/faults", {});
  }

  /** `POST /_emulator/reset`. */
  reset(): Promise<{ reset: true }> {
    return this.call("POST", "/reset", {});
  }
}
