/**
 * The emulator's model: KMS instances, apps (X25519 env keys), CVMs with their app-compose,
 * stored blob and status machine (emulator/COVERAGE.md, `GET /cvms/{id}/state`), the operation log, request
 * counters, and persistence to a state file.
 */

import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { composeHash } from "../provider/core/compose-hash";
import { kmsPublicKey } from "../provider/core/kms-signature";
import type { FaultPlan } from "./faults";
import { bootEnv, generateX25519 } from "./guest";
import { hashId, newUuid, normalizeAppId, normalizeUuid, randomHex } from "./ids";

/** KMS flavours: `phala` is Phala's own KMS; `ethereum`/`base` are contract-owned (on-chain). */
export type KmsKind = "phala" | "ethereum" | "base";

/** The KMS kinds, in listing order. */
export const KMS_KINDS: readonly KmsKind[] = ["phala", "ethereum", "base"];

/** A KMS instance with its secp256k1 root key. */
export interface KmsRecord {
  id: string;
  /** The KMS type (`kms_type` of its CVMs). */
  type: KmsKind;
  /** A realistic slug, distinct from the type, e.g. `kms-base-prod2` (the real slugs look so). */
  slug: string;
  /** secp256k1 secret, hex. */
  secretKey: string;
  /** Compressed public key, hex (`k256_pubkey`): served only by `GET /kms/{kms_id}/info`. */
  k256Pubkey: string;
  /** The KMS CA public key (`ca_pubkey` of `/info`), a fixed placeholder. */
  caPubkey: string;
  chainId: number | null;
  contractAddress: string | null;
}

/** An app: its id, KMS and X25519 env-encryption key pair. */
export interface AppRecord {
  appId: string;
  kms: KmsKind;
  /** X25519 secret (the guest's `env_crypt_key`), hex. */
  secretKey: string;
  /** `encrypted_env_pubkey`, hex. */
  publicKey: string;
}

/** An operation record (`GET /cvms/{id}/state` `GET /cvms/{id}/operations` item). */
export interface OperationRecord {
  correlation_id: string;
  operation_type: string;
  target_state: string;
  status: "in_progress" | "completed" | "failed";
  started_at: string;
  completed_at: string | null;
  error_message: string | null;
  sub_operations: unknown[];
  events: Array<{ event_type: string; timestamp: string; state: string }>;
  instance_name: string;
  compose_hash: string;
}

/**
 * An app revision: one per env push or deploy of a CVM, by anyone (OpenAPI
 * `AppRevisionDetailResponse`, `GET /apps/{app_id}/revisions/{revision_id}`). Holds the ciphertext as pushed, never plaintext.
 */
export interface RevisionRecord {
  revisionId: string;
  appId: string;
  vmUuid: string;
  cvmId: string;
  cvmName: string;
  composeHash: string;
  compose: Record<string, unknown>;
  /** The `encrypted_env` of this revision, lowercase hex ("" = none). */
  encryptedEnv: string;
  createdAt: string;
  operationType: string;
  traceId: string | null;
}

/** What the app saw at its last successful boot. */
export interface GuestView {
  env: Record<string, string>;
  skipped: string[];
}

/** A CVM. */
export interface CvmRecord {
  /** Legacy integer DB id (2025-10-28 shapes). */
  dbId: number;
  /** `cvm_…` hashid. */
  id: string;
  name: string;
  appId: string;
  vmUuid: string;
  instanceId: string;
  deviceId: string;
  kms: KmsKind;
  instanceType: string;
  compose: Record<string, unknown>;
  composeHash: string;
  /** Stored `encrypted_env`, lowercase hex ("" = none). */
  encryptedEnv: string;
  status: string;
  inProgress: boolean;
  progress: { target: string; started_at: string; correlation_id: string } | null;
  bootError: string | null;
  guest: GuestView | null;
  boots: number;
  createdAt: string;
  /** ms since epoch of the last successful boot (for `uptime`). */
  bootedAt: number | null;
  exitedAt: string | null;
  operations: OperationRecord[];
  /** Phase-1 result of a 465 flow: the compose waiting for its on-chain registration. */
  pending: { composeHash: string; allowedEnvs: string[] } | null;
  /** How `compose_file` appears in `GET /cvms/{id}` (2026): object (default), JSON string or null. */
  composeFormat?: ComposeFormat;
}

/** The forms the API document allows for `CVMInfoDetail.compose_file`. */
export type ComposeFormat = "object" | "string" | "null";

/** The forms, for validation. */
export const COMPOSE_FORMATS: readonly ComposeFormat[] = ["object", "string", "null"];

/** A provision cached by compose hash (`POST /cvms/provision` + commit). */
export interface ProvisionRecord {
  /** One-time commit token of the same-path create (`POST /cvms` prepare), else null. */
  token: string | null;
  name: string;
  compose: Record<string, unknown>;
  kms: KmsKind;
  appId: string | null;
  instanceType: string;
  envKeys: string[] | null;
  createdAt: number;
}

/** One entry of the ordered operation log (`GET /_emulator/ops`). */
export interface OpsLogEntry {
  seq: number;
  at: number;
  cvm: string;
  event: string;
  detail?: unknown;
}

interface PersistedState {
  version: 1;
  kms: KmsRecord[];
  apps: AppRecord[];
  cvms: CvmRecord[];
  provisions: Record<string, ProvisionRecord>;
  nextDbId: number;
  /** Absent in state files written before revisions were emulated. */
  revisions?: RevisionRecord[];
}

/** The default docker-compose when none is given: one service reading one variable. */
export const DEFAULT_DOCKER_COMPOSE =
  "services:\n  app:\n    image: nginx:stable\n    environment:\n      - API_KEY=${API_KEY}\n";

/**
 * A full app-compose.json as Phala stores it (`POST /cvms/provision` + commit defaults, the official SDK's compose hash field set). The default
 * pre-launch script the backend injects is not emulated (COVERAGE.md).
 */
export function buildCompose(
  name: string,
  fields: Record<string, unknown> = {},
  allowedEnvs: readonly string[] = [],
): Record<string, unknown> {
  const compose: Record<string, unknown> = {
    manifest_version: 2,
    name,
    runner: "docker-compose",
    docker_compose_file: DEFAULT_DOCKER_COMPOSE,
    kms_enabled: true,
    gateway_enabled: true,
    public_logs: true,
    public_sysinfo: true,
    public_tcbinfo: true,
    local_key_provider_enabled: false,
    key_provider_id: "",
    allowed_envs: [...allowedEnvs],
    no_instance_id: false,
    secure_time: false,
    features: ["kms", "tproxy-net"],
    tproxy_enabled: true,
    storage_fs: "zfs",
  };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && value !== null) compose[key] = value;
  }
  if (compose["name"] === "") compose["name"] = name;
  return compose;
}

/** `allowed_envs` of a compose (missing → empty, dstack `allowed_envs`). */
export function allowedEnvsOf(compose: Record<string, unknown>): string[] {
  const list = compose["allowed_envs"];
  return Array.isArray(list) ? list.filter((k): k is string => typeof k === "string") : [];
}

function nowIso(): string {
  return new Date().toISOString();
}

/** Options of {@link EmulatorState}. */
export interface StateOptions {
  restartMs: number;
  stateFile?: string | undefined;
  log: (line: string) => void;
  faults: FaultPlan;
  /** Called with each app created (the emulator's chain registers on-chain apps: chain.ts). */
  onApp?: (app: AppRecord) => void;
}

/** A change listener: called with the CVM after each status change (`deleted` when removed). */
export type CvmListener = (cvm: CvmRecord, deleted: boolean) => void;

/** Which transition a CVM goes through. */
export interface TransitionSpec {
  /** Transient status, e.g. `restarting`. */
  status: string;
  /** `running` (then boot) or `stopped`. */
  target: "running" | "stopped";
  /** `operation_type` of the record. */
  operationType: string;
  /** Counted in `restarts` (env updates, restarts, starts; not the first boot). */
  countsAsRestart: boolean;
}

/** The mutable model. All mutation goes through its methods so listeners and persistence fire. */
export class EmulatorState {
  kms: KmsRecord[] = [];
  apps = new Map<string, AppRecord>();
  cvms: CvmRecord[] = [];
  provisions = new Map<string, ProvisionRecord>();
  nextDbId = 1001;
  /** App revisions, oldest first. */
  revisions: RevisionRecord[] = [];

  opsLog: OpsLogEntry[] = [];
  requests: Record<string, number> = {};
  writes = 0;
  restarts: Record<string, number> = {};

  private seq = 0;
  private timers = new Map<string, NodeJS.Timeout>();
  private listeners = new Set<CvmListener>();

  constructor(private readonly options: StateOptions) {
    if (options.stateFile && existsSync(options.stateFile)) this.load(options.stateFile);
    if (this.kms.length === 0) this.kms = KMS_KINDS.map((kind) => newKms(kind));
  }

  /** Restart duration in ms. */
  get restartMs(): number {
    return this.options.restartMs;
  }

  // ---- apps and KMS --------------------------------------------------------------------------

  /** The KMS of a kind. */
  kmsOf(kind: KmsKind): KmsRecord {
    return this.kms.find((k) => k.type === kind)!;
  }

  /** Looks a KMS up by `kms_…` id or slug (`GET /kms/{kms_id}`: "KMS ID (hashed) or slug"). */
  findKms(idOrSlug: string): KmsRecord | undefined {
    const key = idOrSlug.toLowerCase();
    return this.kms.find((k) => k.id === idOrSlug || k.slug === key);
  }

  /**
   * Looks a KMS up by id, slug or type: the pubkey route maps a type to its KMS
   * (the `phala` CLI calls `/kms/{kms_type}/pubkey/{app_id}`).
   */
  findKmsOrType(ref: string): KmsRecord | undefined {
    return this.findKms(ref) ?? this.kms.find((k) => k.type === ref.toLowerCase());
  }

  /** Creates (or returns the existing) app with a fresh X25519 key pair. */
  ensureApp(kind: KmsKind, appId?: string): AppRecord {
    const id = appId ?? randomHex(20);
    const existing = this.apps.get(id);
    if (existing) return existing;
    const pair = generateX25519();
    const app: AppRecord = {
      appId: id,
      kms: kind,
      secretKey: pair.secretKey.toString("hex"),
      publicKey: pair.publicKey.toString("hex"),
    };
    this.apps.set(id, app);
    this.save();
    this.options.onApp?.(app);
    return app;
  }

  /** Replaces an app's key pair (simulates a re-keyed app); old blobs fail at the next boot. */
  rotateAppKey(app: AppRecord): AppRecord {
    const pair = generateX25519();
    app.secretKey = pair.secretKey.toString("hex");
    app.publicKey = pair.publicKey.toString("hex");
    this.save();
    return app;
  }

  // ---- CVMs ----------------------------------------------------------------------------------

  /** Creates a CVM record (status set by the caller through {@link bootNow} or {@link begin}). */
  addCvm(input: {
    name: string;
    app: AppRecord;
    compose: Record<string, unknown>;
    encryptedEnv: string;
    instanceType?: string;
    composeFormat?: ComposeFormat;
  }): CvmRecord {
    const cvm: CvmRecord = {
      dbId: this.nextDbId++,
      id: hashId("cvm"),
      name: input.name,
      appId: input.app.appId,
      vmUuid: newUuid(),
      instanceId: randomHex(20),
      deviceId: randomHex(32),
      kms: input.app.kms,
      instanceType: input.instanceType ?? "tdx.small",
      compose: input.compose,
      composeHash: composeHash(input.compose),
      encryptedEnv: input.encryptedEnv,
      status: "creating",
      inProgress: true,
      progress: null,
      bootError: null,
      guest: null,
      boots: 0,
      createdAt: nowIso(),
      bootedAt: null,
      exitedAt: null,
      operations: [],
      pending: null,
      composeFormat: input.composeFormat ?? "object",
    };
    this.cvms.push(cvm);
    this.record(cvm, "created");
    this.addRevision(cvm, "deploy");
    this.save();
    return cvm;
  }

  /**
   * Records an app revision for the CVM's current compose and `encrypted_env` (every env push
   * and every deploy, whoever makes it). The caller saves.
   */
  addRevision(cvm: CvmRecord, operationType: string, traceId: string | null = null): RevisionRecord {
    const revision: RevisionRecord = {
      revisionId: hashId("rev", 12),
      appId: cvm.appId,
      vmUuid: cvm.vmUuid,
      cvmId: cvm.id,
      cvmName: cvm.name,
      composeHash: cvm.composeHash,
      compose: cvm.compose,
      encryptedEnv: cvm.encryptedEnv,
      createdAt: nowIso(),
      operationType,
      traceId,
    };
    this.revisions.push(revision);
    return revision;
  }

  /** The revisions of an app, newest first. */
  revisionsOf(appId: string): RevisionRecord[] {
    return this.revisions.filter((r) => r.appId === appId).reverse();
  }

  /**
   * Resolves any id form of the official SDK's `CvmIdSchema`: `cvm_…`, UUID with/without dashes, `app_<40hex>` (or bare
   * 40 hex), `instance_<hex>`, CVM name, legacy integer. Returns `"ambiguous"` when an app id
   * names several CVMs (ERR-03-010).
   */
  resolveCvm(ref: string): CvmRecord | "ambiguous" | undefined {
    let decoded: string;
    try {
      decoded = decodeURIComponent(ref);
    } catch {
      return undefined;
    }
    if (decoded.startsWith("cvm_")) return this.cvms.find((c) => c.id === decoded);
    if (decoded.startsWith("instance_")) {
      const hex = decoded.slice(9).toLowerCase();
      return this.cvms.find((c) => c.instanceId === hex);
    }
    const uuid = normalizeUuid(decoded);
    if (uuid) {
      const found = this.cvms.find((c) => c.vmUuid === uuid);
      if (found) return found;
    }
    const appId = normalizeAppId(decoded);
    if (appId && (decoded.startsWith("app_") || /^(0x)?[0-9a-fA-F]{40}$/.test(decoded))) {
      const matches = this.cvms.filter((c) => c.appId === appId);
      if (matches.length > 1) return "ambiguous";
      if (matches.length === 1) return matches[0];
    }
    if (/^[0-9]+$/.test(decoded)) {
      const byDb = this.cvms.find((c) => c.dbId === Number(decoded));
      if (byDb) return byDb;
    }
    return this.cvms.find((c) => c.name === decoded);
  }

  /** Boots synchronously (admin-created CVMs start "already running"). */
  bootNow(cvm: CvmRecord): void {
    this.boot(cvm);
    this.save();
  }

  /**
   * Starts a transition: transient status with `in_progress: true` and a `progress` object,
   * an operation record, and a timer that settles it after `restartMs` (booting when the target
   * is `running`). The caller has checked that the CVM is not busy.
   */
  begin(cvm: CvmRecord, spec: TransitionSpec): OperationRecord {
    const correlationId = newUuid();
    const startedAt = nowIso();
    cvm.status = spec.status;
    cvm.inProgress = true;
    cvm.progress = { target: spec.target, started_at: startedAt, correlation_id: correlationId };
    const op: OperationRecord = {
      correlation_id: correlationId,
      operation_type: spec.operationType,
      target_state: spec.target,
      status: "in_progress",
      started_at: startedAt,
      completed_at: null,
      error_message: null,
      sub_operations: [],
      events: [{ event_type: "started", timestamp: startedAt, state: spec.status }],
      instance_name: cvm.name,
      compose_hash: cvm.composeHash,
    };
    cvm.operations.push(op);
    if (spec.countsAsRestart) this.restarts[cvm.id] = (this.restarts[cvm.id] ?? 0) + 1;
    this.record(cvm, spec.target === "running" ? "restart-start" : "stop-start", {
      operation: spec.operationType,
    });
    this.changed(cvm);
    this.schedule(cvm, () => this.settle(cvm, op, spec));
    return op;
  }

  private settle(cvm: CvmRecord, op: OperationRecord, spec: TransitionSpec): void {
    if (spec.target === "running") {
      this.boot(cvm);
    } else {
      cvm.status = "stopped";
      cvm.inProgress = false;
      cvm.progress = null;
      cvm.bootedAt = null;
      cvm.exitedAt = nowIso();
    }
    const failed = cvm.status !== spec.target;
    op.status = failed ? "failed" : "completed";
    op.completed_at = nowIso();
    op.error_message = failed ? cvm.bootError : null;
    op.events.push({
      event_type: failed ? "failed" : "completed",
      timestamp: op.completed_at,
      state: cvm.status,
    });
    this.record(cvm, spec.target === "running" ? "restart-end" : "stop-end", { status: cvm.status });
    this.changed(cvm);
    this.save();
  }

  /** One guest boot: decrypt and filter as the dstack guest's decryption (dstack-util)/dstack `allowed_envs`/the dstack guest's limits, or fail with `boot_error`. */
  private boot(cvm: CvmRecord): void {
    cvm.boots++;
    const app = this.apps.get(cvm.appId);
    const injected = this.options.faults.takeBootFault(cvm.id);
    const outcome =
      injected !== undefined
        ? { ok: false as const, error: injected }
        : app
          ? bootEnv(cvm.encryptedEnv, Buffer.from(app.secretKey, "hex"), allowedEnvsOf(cvm.compose))
          : { ok: false as const, error: "No env_crypt_key available for the app" };
    cvm.inProgress = false;
    cvm.progress = null;
    if (outcome.ok) {
      cvm.status = "running";
      cvm.bootError = null;
      cvm.guest = { env: outcome.env, skipped: outcome.skipped };
      cvm.bootedAt = Date.now();
      cvm.exitedAt = null;
      this.options.log(
        `${cvm.id} booted: ${Object.keys(outcome.env).length} variable(s), ${outcome.skipped.length} skipped`,
      );
    } else {
      cvm.status = "stopped";
      cvm.bootError = outcome.error;
      cvm.guest = null;
      cvm.bootedAt = null;
      cvm.exitedAt = nowIso();
      this.record(cvm, "boot-failed", { boot_error: outcome.error });
      this.options.log(`${cvm.id} boot failed`);
    }
    this.changed(cvm);
  }

  /** Removes a CVM (cancels its timer, notifies watchers). */
  deleteCvm(cvm: CvmRecord): void {
    const timer = this.timers.get(cvm.id);
    if (timer) clearTimeout(timer);
    this.timers.delete(cvm.id);
    this.cvms = this.cvms.filter((c) => c !== cvm);
    this.record(cvm, "deleted");
    for (const listener of this.listeners) listener(cvm, true);
    this.save();
  }

  /** Marks a CVM changed (listeners, persistence). */
  changed(cvm: CvmRecord): void {
    for (const listener of this.listeners) listener(cvm, false);
  }

  /** Subscribes to CVM changes; returns the unsubscribe function. */
  subscribe(listener: CvmListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Appends to the ordered operation log. */
  record(cvm: CvmRecord, event: string, detail?: unknown): void {
    this.opsLog.push({
      seq: ++this.seq,
      at: Date.now(),
      cvm: cvm.id,
      event,
      ...(detail === undefined ? {} : { detail }),
    });
  }

  private schedule(cvm: CvmRecord, fn: () => void): void {
    const previous = this.timers.get(cvm.id);
    if (previous) clearTimeout(previous);
    const timer = setTimeout(() => {
      this.timers.delete(cvm.id);
      fn();
    }, this.options.restartMs);
    this.timers.set(cvm.id, timer);
  }

  /** Empties apps, CVMs, provisions, logs and counters (KMS keys are kept). */
  reset(): void {
    this.stopTimers();
    this.apps.clear();
    this.cvms = [];
    this.provisions.clear();
    this.revisions = [];
    this.opsLog = [];
    this.requests = {};
    this.writes = 0;
    this.restarts = {};
    this.seq = 0;
    this.save();
  }

  /** Cancels every pending transition timer (on close). */
  stopTimers(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.listeners.clear();
  }

  // ---- persistence ---------------------------------------------------------------------------

  /** Writes apps/CVMs/keys to the state file (mode 0600), atomically. No-op without a file. */
  save(): void {
    const file = this.options.stateFile;
    if (!file) return;
    const data: PersistedState = {
      version: 1,
      kms: this.kms,
      apps: [...this.apps.values()],
      cvms: this.cvms,
      provisions: Object.fromEntries(this.provisions),
      nextDbId: this.nextDbId,
      revisions: this.revisions,
    };
    const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
    writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  }

  private load(file: string): void {
    const data = JSON.parse(readFileSync(file, "utf8")) as PersistedState;
    if (data.version !== 1) throw new Error(`unsupported emulator state file version in ${file}`);
    // Files written before KMS records had a type carried the type in `slug`.
    this.kms = data.kms.map((k) =>
      k.type
        ? k
        : { ...newKms(k.slug as KmsKind), ...k, type: k.slug as KmsKind, slug: KMS_SLUGS[k.slug as KmsKind] },
    );
    for (const app of data.apps) this.apps.set(app.appId, app);
    this.cvms = data.cvms;
    this.provisions = new Map(Object.entries(data.provisions));
    this.nextDbId = data.nextDbId;
    this.revisions = data.revisions ?? [];
    // A transition interrupted by the shutdown settles now, as a boot would after a host restart.
    for (const cvm of this.cvms) {
      if (cvm.inProgress) {
        const target = cvm.progress?.target ?? "running";
        if (target === "stopped") {
          cvm.status = "stopped";
          cvm.inProgress = false;
          cvm.progress = null;
        } else {
          this.boot(cvm);
        }
        for (const op of cvm.operations) {
          if (op.status === "in_progress") {
            op.status = cvm.status === op.target_state ? "completed" : "failed";
            op.completed_at = nowIso();
          }
        }
      }
    }
  }
}

/** Slugs in the style of the real ones (`kms-base-prod2`), never equal to the type. */
const KMS_SLUGS: Record<KmsKind, string> = {
  phala: "kms-phala-prod7",
  ethereum: "kms-eth-prod1",
  base: "kms-base-prod2",
};

function newKms(kind: KmsKind): KmsRecord {
  const secret = randomBytes(32);
  return {
    id: hashId("kms"),
    type: kind,
    slug: KMS_SLUGS[kind],
    secretKey: secret.toString("hex"),
    k256Pubkey: kmsPublicKey(secret),
    caPubkey: kmsPublicKey(randomBytes(32)),
    chainId: kind === "ethereum" ? 1 : kind === "base" ? 8453 : null,
    contractAddress: kind === "phala" ? null : `0x${randomHex(20)}`,
  };
}
