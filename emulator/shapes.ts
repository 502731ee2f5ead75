/**
 * Response builders with the keys the official SDK's zod schemas require (the Phala Cloud API and dstack
 * the official SDK's zod schemas): nullable-but-required keys are always present, strict objects carry no extra keys,
 * and `X-Phala-Version` picks integer or `cvm_…` ids and CVMInfo vs CvmDetail.
 */
import type { AppRecord, CvmRecord, EmulatorState, KmsRecord, OperationRecord } from "./state";

/** API versions (Phala Cloud API conventions). The default is the current SDK's. */
export type ApiVersion = "2025-10-28" | "2026-01-21" | "2026-05-22";
/** Versions the emulator answers to. */
export const API_VERSIONS: readonly ApiVersion[] = ["2025-10-28", "2026-01-21", "2026-05-22"];
/** Used when no `X-Phala-Version` is sent. */
export const DEFAULT_VERSION: ApiVersion = "2026-05-22";

const GATEWAY_DOMAIN = "dstack-emulator.localhost";
const IMAGE = "dstack-0.5.7";
const OS_IMAGE_HASH = "0".repeat(64);

/** Fixed node the emulator pretends to run on. */
export const NODE = { id: 3, name: "emulator-node", region: "LOCAL-1" } as const;

/** Fixed resources of `tdx.small`. */
const RESOURCE = { vcpu: 1, memory_in_gb: 2, disk_in_gb: 20 } as const;

/** KmsInfo (the official SDK's zod schemas): every key present; `k256_pubkey` included. */
export function kmsInfo(kms: KmsRecord): Record<string, unknown> {
  return {
    id: kms.id,
    slug: kms.slug,
    url: `https://kms.${kms.slug}.${GATEWAY_DOMAIN}`,
    version: "v0.5.7",
    chain_id: kms.chainId,
    kms_contract_address: kms.contractAddress,
    gateway_app_id: null,
    k256_pubkey: kms.k256Pubkey,
  };
}

/** CVM `kms_info`: a superset of CvmKmsInfo and KmsInfo plus `encrypted_env_pubkey` (the official SDK's zod schemas). */
export function cvmKmsInfo(state: EmulatorState, cvm: CvmRecord): Record<string, unknown> {
  const kms = state.kmsOf(cvm.kms);
  const onChain = cvm.kms !== "phala";
  return {
    ...kmsInfo(kms),
    dstack_kms_address: kms.contractAddress,
    dstack_app_address: onChain ? `0x${cvm.appId}` : null,
    deployer_address: null,
    rpc_endpoint: onChain ? `https://rpc.${cvm.kms}.${GATEWAY_DOMAIN}` : null,
    encrypted_env_pubkey: envPubkey(state, cvm),
  };
}

function envPubkey(state: EmulatorState, cvm: CvmRecord): string | null {
  return state.apps.get(cvm.appId)?.publicKey ?? null;
}

function uptime(cvm: CvmRecord): string | null {
  if (cvm.bootedAt === null) return null;
  return `${Math.floor((Date.now() - cvm.bootedAt) / 1000)}s`;
}

/** CVMInfo v2026-01-21 / v2026-05-22 (the official SDK's zod schemas); `detail` adds `compose_file`. */
export function cvmInfo(state: EmulatorState, cvm: CvmRecord, detail: boolean): Record<string, unknown> {
  const info: Record<string, unknown> = {
    id: cvm.id,
    name: cvm.name,
    app_id: cvm.appId,
    vm_uuid: cvm.vmUuid,
    instance_id: cvm.instanceId,
    resource: {
      instance_type: cvm.instanceType,
      ...RESOURCE,
      gpus: 0,
      compute_billing_price: "0",
      billing_period: "hourly",
    },
    node_info: {
      object_type: "node",
      id: NODE.id,
      name: NODE.name,
      region: NODE.region,
      device_id: cvm.deviceId,
      ppid: null,
      status: "online",
      version: "0.5.7",
    },
    os: { name: IMAGE, version: "0.5.7", is_dev: false, os_image_hash: OS_IMAGE_HASH },
    kms_type: cvm.kms,
    kms_info: cvmKmsInfo(state, cvm),
    encrypted_env_pubkey: envPubkey(state, cvm),
    status: cvm.status,
    in_progress: cvm.inProgress,
    progress: cvm.progress,
    boot_error: cvm.bootError,
    compose_hash: cvm.composeHash,
    docker_compose_hash: null,
    pre_launch_script_hash: null,
    gateway: { base_domain: GATEWAY_DOMAIN, cname: null },
    logs: { serial: null, stdout: null, stderr: null, container_log_base: null },
    services: [],
    endpoints: [
      {
        app: `https://${cvm.appId}.${GATEWAY_DOMAIN}`,
        instance: `https://${cvm.instanceId}.${GATEWAY_DOMAIN}`,
      },
    ],
    public_logs: cvm.compose["public_logs"] ?? true,
    public_sysinfo: cvm.compose["public_sysinfo"] ?? true,
    public_tcbinfo: cvm.compose["public_tcbinfo"] ?? true,
    gateway_enabled: cvm.compose["gateway_enabled"] ?? true,
    secure_time: cvm.compose["secure_time"] ?? false,
    listed: false,
    storage_fs: cvm.compose["storage_fs"] ?? "zfs",
    workspace: { object_type: "workspace", id: "wks_emulator", name: "emulator", slug: "emulator" },
    creator: { object_type: "user", id: "usr_emulator", username: "emulator" },
    created_at: cvm.createdAt,
    deleted_at: null,
    project_type: null,
  };
  if (detail) info["compose_file"] = cvm.compose;
  return info;
}

/** CvmDetail v2025-10-28 (the official SDK's zod schemas): integer id and the flat resource keys. */
export function cvmDetailLegacy(state: EmulatorState, cvm: CvmRecord): Record<string, unknown> {
  return {
    id: cvm.dbId,
    name: cvm.name,
    status: cvm.status,
    in_progress: cvm.inProgress,
    teepod_id: NODE.id,
    teepod: { id: NODE.id, name: NODE.name, region_identifier: NODE.region },
    app_id: cvm.appId,
    vm_uuid: cvm.vmUuid,
    instance_id: cvm.instanceId,
    vcpu: RESOURCE.vcpu,
    memory: RESOURCE.memory_in_gb * 1024,
    disk_size: RESOURCE.disk_in_gb,
    base_image: IMAGE,
    encrypted_env_pubkey: envPubkey(state, cvm),
    kms_info: kmsInfo(state.kmsOf(cvm.kms)),
    public_urls: [{ app: `https://${cvm.appId}.${GATEWAY_DOMAIN}`, instance: "" }],
    gateway_domain: GATEWAY_DOMAIN,
    instance_type: cvm.instanceType,
    compose_hash: cvm.composeHash,
    boot_error: cvm.bootError,
  };
}

/** CvmInfo v2025-10-28 (list item of that version: `hosted` VM info plus flat fields). */
export function cvmInfoLegacy(state: EmulatorState, cvm: CvmRecord): Record<string, unknown> {
  const appUrl = `https://${cvm.appId}.${GATEWAY_DOMAIN}`;
  return {
    hosted: {
      id: cvm.vmUuid,
      name: cvm.name,
      status: cvm.status,
      uptime: uptime(cvm) ?? "",
      app_url: appUrl,
      app_id: cvm.appId,
      instance_id: cvm.instanceId,
      exited_at: cvm.exitedAt,
      boot_progress: bootProgress(cvm),
      boot_error: cvm.bootError,
      shutdown_progress: shutdownProgress(cvm),
      image_version: "0.5.7",
    },
    name: cvm.name,
    managed_user: { id: 1, username: "emulator" },
    node: { id: NODE.id, name: NODE.name, region_identifier: NODE.region },
    listed: false,
    status: cvm.status,
    in_progress: cvm.inProgress,
    dapp_dashboard_url: null,
    syslog_endpoint: null,
    allow_upgrade: false,
    project_id: null,
    project_type: null,
    billing_period: "hourly",
    kms_info: kmsInfo(state.kmsOf(cvm.kms)),
    vcpu: RESOURCE.vcpu,
    memory: RESOURCE.memory_in_gb * 1024,
    disk_size: RESOURCE.disk_in_gb,
    gateway_domain: GATEWAY_DOMAIN,
    public_urls: [{ app: appUrl, instance: `https://${cvm.instanceId}.${GATEWAY_DOMAIN}` }],
  };
}

/** `GET /cvms/{id}` (detail) or a list item, in the shape of the given version. */
export function cvmForVersion(
  state: EmulatorState,
  cvm: CvmRecord,
  version: ApiVersion,
  detail: boolean,
): Record<string, unknown> {
  if (version === "2025-10-28") return detail ? cvmDetailLegacy(state, cvm) : cvmInfoLegacy(state, cvm);
  return cvmInfo(state, cvm, detail);
}

function bootProgress(cvm: CvmRecord): string | null {
  return cvm.inProgress && cvm.progress?.target === "running" ? "booting" : null;
}

function shutdownProgress(cvm: CvmRecord): string | null {
  return cvm.inProgress && cvm.progress?.target === "stopped" ? "shutting down" : null;
}

/** Drops null-valued keys (for schemas whose fields are optional but not nullable). */
function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
}

/** VM (the official SDK's zod schemas): returned by commit, start, stop, restart. String id only from 2026-05-22. */
export function vm(state: EmulatorState, cvm: CvmRecord, version: ApiVersion): Record<string, unknown> {
  return {
    id: version === "2026-05-22" ? cvm.id : cvm.dbId,
    name: cvm.name,
    status: cvm.status,
    teepod_id: NODE.id,
    teepod: { id: NODE.id, name: NODE.name, region_identifier: NODE.region },
    // VMV20260121: numeric user_id; VMV20260522: string.
    user_id: version === "2026-05-22" ? "usr_emulator" : 1,
    app_id: cvm.appId,
    vm_uuid: cvm.vmUuid,
    instance_id: cvm.instanceId,
    app_url: `https://${cvm.appId}.${GATEWAY_DOMAIN}`,
    base_image: IMAGE,
    vcpu: RESOURCE.vcpu,
    memory: RESOURCE.memory_in_gb * 1024,
    disk_size: RESOURCE.disk_in_gb,
    manifest_version: 2,
    version: "0.5.7",
    runner: cvm.compose["runner"] ?? "docker-compose",
    docker_compose_file: cvm.compose["docker_compose_file"] ?? null,
    features: cvm.compose["features"] ?? null,
    created_at: cvm.createdAt,
    encrypted_env_pubkey: envPubkey(state, cvm),
    app_auth_contract_address: cvm.kms === "phala" ? null : `0x${cvm.appId}`,
    deployer_address: null,
  };
}

/**
 * `GET /cvms/{id}/state` body (`GET /cvms/{id}/state`). The SDK's CvmStateSchema has optional, non-nullable
 * strings, so empty fields are omitted rather than null. `in_progress` and `progress` are
 * extra keys so watchers can tell a settled state from a transient one.
 */
export function cvmState(cvm: CvmRecord, version: ApiVersion): Record<string, unknown> {
  return withoutNulls({
    id: version === "2025-10-28" ? null : cvm.id,
    instance_id: cvm.instanceId,
    name: cvm.name,
    status: cvm.status,
    in_progress: cvm.inProgress,
    progress: cvm.progress,
    uptime: uptime(cvm),
    exited_at: cvm.exitedAt,
    boot_progress: bootProgress(cvm),
    boot_error: cvm.bootError,
    shutdown_progress: shutdownProgress(cvm),
  });
}

/** CvmStatus of `POST /status/batch` (`GET /cvms/{id}/state`). */
export function cvmStatus(cvm: CvmRecord): Record<string, unknown> {
  const op: OperationRecord | undefined = cvm.operations[cvm.operations.length - 1];
  return {
    vm_uuid: cvm.vmUuid,
    status: cvm.status,
    uptime: uptime(cvm),
    in_progress: cvm.inProgress,
    boot_progress: bootProgress(cvm),
    boot_error: cvm.bootError,
    shutdown_progress: shutdownProgress(cvm),
    // Current SDK schema: an `operation` object; the older flat keys are kept as well (`GET /cvms/{id}/state`).
    operation:
      cvm.inProgress && op
        ? {
            type: op.operation_type,
            phase: cvm.status,
            started_at: op.started_at,
            correlation_id: op.correlation_id,
          }
        : null,
    events: op ? op.events : [],
    operation_type: cvm.inProgress && op ? op.operation_type : null,
    operation_started_at: cvm.inProgress && op ? op.started_at : null,
    correlation_id: cvm.progress?.correlation_id ?? null,
  };
}

/** The admin view of an app. */
export function appView(state: EmulatorState, app: AppRecord): Record<string, unknown> {
  const kms = state.kmsOf(app.kms);
  return {
    app_id: app.appId,
    encrypted_env_pubkey: app.publicKey,
    k256_pubkey: kms.k256Pubkey,
    kms_id: kms.id,
    kms_slug: kms.slug,
  };
}

/** `GET /auth/me`: a fixed emulator user (the emulator has one user and one workspace). */
export function currentUser(version: ApiVersion): Record<string, unknown> {
  if (version === "2025-10-28") {
    return {
      username: "emulator",
      email: "emulator@localhost",
      credits: 0,
      granted_credits: 0,
      role: "user",
      avatar: "",
      flag_reset_password: false,
      team_name: "emulator",
      team_tier: "free",
      trial_ended_at: null,
    };
  }
  return {
    user: {
      username: "emulator",
      email: "emulator@localhost",
      role: "user",
      avatar: "",
      email_verified: true,
      totp_enabled: false,
      has_backup_codes: false,
      flag_has_password: true,
    },
    workspace: {
      id: "wks_emulator",
      name: "emulator",
      slug: "emulator",
      tier: "free",
      role: "owner",
      avatar: null,
    },
    credits: { balance: 0, granted_balance: 0, is_post_paid: false, outstanding_amount: null },
    features: [],
  };
}
