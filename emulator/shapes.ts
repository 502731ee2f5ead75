/**
 * Response builders in exactly the documented shapes (Phala's OpenAPI document, model names in
 * the comments; bodies it leaves untyped follow the official SDK). `X-Phala-Version` picks the
 * model: 2025-10-28 answers `GET /cvms/{id}` with CvmBasicInfo (full KMSInfo, top-level
 * `encrypted_env_pubkey`), the 2026 versions with CVMInfoDetail (six-field CVMKmsInfo, `kms_type`
 * at top level, no `boot_error`: that is in CvmState, `GET /cvms/{id}/state`). Every declared
 * key is present, no other key is: test/emulator/documented-shapes.test.ts holds each answer
 * against the schemas of provider/api/phala/ (each API area beside its calls) in `exact` mode.
 */
import type {
  AppRecord,
  CvmRecord,
  EmulatorState,
  KmsRecord,
  OperationRecord,
  RevisionRecord,
} from "./state";

/**
 * API versions (`X-Phala-Version`). `2026-06-23` (the official SDK's unreleased default) changes
 * only the KMS routes `GET /kms` and `GET /kms/{slug}` to the contract-centric model
 * ({@link kmsContractInfo}); every other route answers as in `2026-05-22`.
 */
export type ApiVersion = "2025-10-28" | "2026-01-21" | "2026-05-22" | "2026-06-23";
/** Versions the emulator answers to. */
export const API_VERSIONS: readonly ApiVersion[] = ["2025-10-28", "2026-01-21", "2026-05-22", "2026-06-23"];
/** Whether the version serves the contract-centric KMS routes (from `2026-06-23`). */
export function contractCentricKms(version: ApiVersion): boolean {
  return version === "2026-06-23";
}
/** Used when no `X-Phala-Version` is sent. */
export const DEFAULT_VERSION: ApiVersion = "2026-05-22";

const GATEWAY_DOMAIN = "dstack-emulator.localhost";
const IMAGE = "dstack-0.5.7";
const OS_IMAGE_HASH = "0".repeat(64);

/** Fixed node the emulator pretends to run on. */
export const NODE = { id: 3, name: "emulator-node", region: "LOCAL-1" } as const;

/** Fixed resources of `tdx.small`. */
const RESOURCE = { vcpu: 1, memory_in_gb: 2, disk_in_gb: 20 } as const;

const onChain = (cvm: CvmRecord): boolean => cvm.kms !== "phala";

/** KMSInfo: exactly its seven keys (no `k256_pubkey`: the signer is only in `/kms/{id}/info`). */
export function kmsInfo(kms: KmsRecord): Record<string, unknown> {
  return {
    id: kms.id,
    slug: kms.slug,
    url: kmsUrl(kms),
    version: "v0.5.7",
    chain_id: kms.chainId,
    kms_contract_address: kms.contractAddress,
    gateway_app_id: null,
  };
}

/** The contract-centric id of a KMS (`kc_…`, "a kc_ hashed id also resolves"). */
export function kmsContractId(kms: KmsRecord): string {
  return `kc_${kms.id.replace(/^kms_/, "")}`;
}

const KMS_LABELS: Record<KmsRecord["type"], string> = { phala: "Phala", ethereum: "Ethereum", base: "Base" };

/**
 * KmsContractInfo (`2026-06-23`, `GET /kms` items and `GET /kms/{slug}`): exactly
 * `id, slug, label, contract_address, chain_id, k256_pubkey, ca_pubkey, node_count`; the slug is
 * the KMS type (`base`, as the SDK's test mock), `contract_address` is `"phala"` with `chain_id`
 * 0 for the off-chain KMS. Source: the official SDK's `types/kms_contract.ts` (the OpenAPI
 * document has no 2026-06-23 shapes). The emulator runs one node per contract.
 */
export function kmsContractInfo(kms: KmsRecord): Record<string, unknown> {
  return {
    id: kmsContractId(kms),
    slug: kms.type,
    label: KMS_LABELS[kms.type],
    contract_address: kms.contractAddress ?? "phala",
    chain_id: kms.chainId ?? 0,
    k256_pubkey: kms.k256Pubkey,
    ca_pubkey: kms.caPubkey,
    node_count: 1,
  };
}

function kmsUrl(kms: KmsRecord): string {
  return `https://${kms.slug}.${GATEWAY_DOMAIN}`;
}

/** KmsInspectResponse (`GET /kms/{kms_id}/info`): the signer is `rpc.bootstrap_info.k256_pubkey`. */
export function kmsInspect(kms: KmsRecord): Record<string, unknown> {
  const bootstrap = {
    k256_pubkey: kms.k256Pubkey,
    ca_pubkey: kms.caPubkey,
    quote_length: 0,
    eventlog_length: 0,
  };
  const chain = kms.chainId !== null;
  return {
    id: kms.id,
    slug: kms.slug,
    endpoint: kmsUrl(kms),
    kms_type: kms.type,
    db_version: "v0.5.7",
    rpc: {
      version: "v0.5.7",
      is_dev: false,
      chain_id: kms.chainId,
      kms_contract_address: kms.contractAddress,
      gateway_app_id: null,
      bootstrap_info: bootstrap,
      version_synced: true,
    },
    rpc_error: null,
    guest_agent: null,
    guest_agent_error: "the emulator has no KMS guest agent",
    teepods: [],
    on_chain: chain
      ? {
          kms_info: { ...bootstrap },
          gateway_app_id: null,
          owner: null,
          verification: {
            k256_pubkey_match: true,
            ca_pubkey_match: true,
            gateway_app_id_match: null,
            device_id_allowed: null,
            os_image_allowed: null,
            mr_aggregated_allowed: null,
          },
          error: null,
        }
      : null,
  };
}

/** The app's X25519 key as the API reports it: null for on-chain KMS (read it from `/kms/.../pubkey`). */
function reportedPubkey(state: EmulatorState, cvm: CvmRecord): string | null {
  if (onChain(cvm)) return null;
  return state.apps.get(cvm.appId)?.publicKey ?? null;
}

/** CVMKmsInfo: exactly six nullable fields. */
export function cvmKmsInfo(state: EmulatorState, cvm: CvmRecord): Record<string, unknown> {
  const kms = state.kmsOf(cvm.kms);
  const chain = onChain(cvm);
  return {
    chain_id: kms.chainId,
    dstack_kms_address: kms.contractAddress,
    dstack_app_address: chain ? `0x${cvm.appId}` : null,
    deployer_address: null,
    rpc_endpoint: chain ? `https://rpc.${cvm.kms}.${GATEWAY_DOMAIN}` : null,
    encrypted_env_pubkey: reportedPubkey(state, cvm),
  };
}

function uptime(cvm: CvmRecord): string | null {
  if (cvm.bootedAt === null) return null;
  return `${Math.floor((Date.now() - cvm.bootedAt) / 1000)}s`;
}

function flag(cvm: CvmRecord, key: string, fallback: boolean): boolean {
  const value = cvm.compose[key];
  return typeof value === "boolean" ? value : fallback;
}

/** `compose_file` of CVMInfoDetail in the CVM's chosen form (object, JSON string, null). */
function composeFileOf(cvm: CvmRecord): Record<string, unknown> | string | null {
  const format = cvm.composeFormat ?? "object";
  if (format === "null") return null;
  return format === "string" ? JSON.stringify(cvm.compose) : { ...cvm.compose };
}

/** CVMInfo (v20260121 schemas); `detail` = CVMInfoDetail (adds `compose_file`). */
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
      node_id: NODE.id,
      name: NODE.name,
      region: NODE.region,
      device_id: cvm.deviceId,
      ppid: null,
      status: "ONLINE",
      version: "0.5.7",
    },
    os: { name: IMAGE, version: "0.5.7", is_dev: false, os_image_hash: OS_IMAGE_HASH },
    kms_type: cvm.kms,
    kms_info: cvmKmsInfo(state, cvm),
    status: cvm.status,
    in_progress: cvm.inProgress,
    progress: cvm.progress ? { ...cvm.progress } : null,
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
    public_logs: flag(cvm, "public_logs", true),
    public_sysinfo: flag(cvm, "public_sysinfo", true),
    public_tcbinfo: flag(cvm, "public_tcbinfo", true),
    gateway_enabled: flag(cvm, "gateway_enabled", true),
    secure_time: flag(cvm, "secure_time", false),
    storage_fs: typeof cvm.compose["storage_fs"] === "string" ? cvm.compose["storage_fs"] : "zfs",
    workspace: {
      object_type: "workspace",
      id: "wks_emulator",
      name: "emulator",
      slug: "emulator",
      avatar_url: null,
    },
    creator: { object_type: "user", id: "usr_emulator", username: "emulator", avatar_url: null },
    created_at: cvm.createdAt,
    deleted_at: null,
    listed: false,
    project_type: null,
  };
  if (detail) info["compose_file"] = composeFileOf(cvm);
  return info;
}

function publicUrls(cvm: CvmRecord): Array<{ app: string; instance: string }> {
  return [
    {
      app: `https://${cvm.appId}.${GATEWAY_DOMAIN}`,
      instance: `https://${cvm.instanceId}.${GATEWAY_DOMAIN}`,
    },
  ];
}

/** CvmBasicInfo (cvms.management): `GET /cvms/{id}` in 2025-10-28. No `boot_error`, no compose. */
export function cvmBasicInfo(state: EmulatorState, cvm: CvmRecord): Record<string, unknown> {
  return {
    id: cvm.dbId,
    teepod_id: NODE.id,
    teepod: { id: NODE.id, name: NODE.name, region_identifier: NODE.region },
    name: cvm.name,
    status: cvm.status,
    in_progress: cvm.inProgress,
    app_id: cvm.appId,
    vm_uuid: cvm.vmUuid,
    instance_id: cvm.instanceId,
    vcpu: RESOURCE.vcpu,
    memory: RESOURCE.memory_in_gb * 1024,
    disk_size: RESOURCE.disk_in_gb,
    base_image: IMAGE,
    encrypted_env_pubkey: reportedPubkey(state, cvm),
    listed: false,
    project_id: null,
    project_type: null,
    instance_type: cvm.instanceType,
    public_sysinfo: flag(cvm, "public_sysinfo", true),
    public_logs: flag(cvm, "public_logs", true),
    dapp_dashboard_url: null,
    syslog_endpoint: null,
    kms_info: kmsInfo(state.kmsOf(cvm.kms)),
    contract_address: onChain(cvm) ? `0x${cvm.appId}` : null,
    deployer_address: null,
    scheduled_delete_at: null,
    public_urls: publicUrls(cvm),
    gateway_domain: GATEWAY_DOMAIN,
  };
}

/** HostedCvm: list items in 2025-10-28 (VmInfo under `hosted`, where `boot_error` is). */
export function hostedCvm(state: EmulatorState, cvm: CvmRecord): Record<string, unknown> {
  return {
    hosted: {
      id: cvm.vmUuid,
      name: cvm.name,
      status: cvm.status,
      uptime: uptime(cvm) ?? "",
      app_url: `https://${cvm.appId}.${GATEWAY_DOMAIN}`,
      app_id: cvm.appId,
      instance_id: cvm.instanceId,
      configuration: null,
      exited_at: cvm.exitedAt,
      boot_progress: bootProgress(cvm),
      boot_error: cvm.bootError,
      shutdown_progress: shutdownProgress(cvm),
      image_version: "0.5.7",
      events: [],
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
    contract_address: onChain(cvm) ? `0x${cvm.appId}` : null,
    deployer_address: null,
    vcpu: RESOURCE.vcpu,
    memory: RESOURCE.memory_in_gb * 1024,
    disk_size: RESOURCE.disk_in_gb,
    gateway_domain: GATEWAY_DOMAIN,
    public_urls: publicUrls(cvm),
  };
}

/** `GET /cvms/{id}` (detail) or a list item, in the model of the given version. */
export function cvmForVersion(
  state: EmulatorState,
  cvm: CvmRecord,
  version: ApiVersion,
  detail: boolean,
): Record<string, unknown> {
  if (version === "2025-10-28") return detail ? cvmBasicInfo(state, cvm) : hostedCvm(state, cvm);
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

/** VM: returned by commit, start, stop, shutdown, restart (integer id and user_id, as documented). */
export function vm(state: EmulatorState, cvm: CvmRecord): Record<string, unknown> {
  const docker = cvm.compose["docker_compose_file"];
  const features = cvm.compose["features"];
  return {
    id: cvm.dbId,
    name: cvm.name,
    status: cvm.status,
    teepod_id: NODE.id,
    teepod: { id: NODE.id, name: NODE.name },
    user_id: 1,
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
    runner: typeof cvm.compose["runner"] === "string" ? cvm.compose["runner"] : "docker-compose",
    docker_compose_file: typeof docker === "string" ? docker : null,
    features: Array.isArray(features) ? features : null,
    created_at: cvm.createdAt,
    encrypted_env_pubkey: reportedPubkey(state, cvm),
  };
}

/**
 * `GET /cvms/{id}/state` body and the `data:` of `event: state` (the SDK's CvmStateSchema:
 * optional, non-nullable strings, so empty fields are omitted rather than null). `boot_error`
 * of a failed boot is reported here.
 */
export function cvmState(cvm: CvmRecord, version: ApiVersion): Record<string, unknown> {
  return withoutNulls({
    id: version === "2025-10-28" ? null : cvm.id,
    instance_id: cvm.instanceId,
    name: cvm.name,
    status: cvm.status,
    uptime: uptime(cvm),
    exited_at: cvm.exitedAt,
    boot_progress: bootProgress(cvm),
    boot_error: cvm.bootError,
    shutdown_progress: shutdownProgress(cvm),
  });
}

/** CvmStatus of `POST /status/batch` (its eleven documented keys; no guest events are emulated). */
export function cvmStatus(cvm: CvmRecord): Record<string, unknown> {
  const op = cvm.inProgress ? cvm.operations[cvm.operations.length - 1] : undefined;
  return {
    vm_uuid: cvm.vmUuid,
    status: cvm.status,
    uptime: uptime(cvm),
    in_progress: cvm.inProgress,
    boot_progress: bootProgress(cvm),
    boot_error: cvm.bootError,
    shutdown_progress: shutdownProgress(cvm),
    events: [],
    operation_type: op ? op.operation_type : null,
    operation_started_at: op ? op.started_at : null,
    correlation_id: cvm.progress?.correlation_id ?? null,
  };
}

/** CvmBasicInfo (apps.v20251028): a CVM inside a 2025-10-28 app. */
function appCvmLegacy(state: EmulatorState, cvm: CvmRecord): Record<string, unknown> {
  const kms = state.kmsOf(cvm.kms);
  return {
    vm_uuid: cvm.vmUuid,
    app_id: cvm.appId,
    name: cvm.name,
    status: cvm.status,
    vcpu: RESOURCE.vcpu,
    memory: RESOURCE.memory_in_gb * 1024,
    disk_size: RESOURCE.disk_in_gb,
    teepod_id: NODE.id,
    teepod_name: NODE.name,
    region_identifier: NODE.region,
    kms_type: cvm.kms,
    instance_type: cvm.instanceType,
    listed: false,
    base_image: IMAGE,
    kms_slug: kms.slug,
    kms_id: kms.id,
    instance_id: cvm.instanceId,
    machine_info: {
      vcpu: RESOURCE.vcpu,
      memory: RESOURCE.memory_in_gb * 1024,
      disk_size: RESOURCE.disk_in_gb,
      gpu_count: 0,
    },
    updated_at: cvm.createdAt,
  };
}

/** DstackAppFullResponse of the version: an app and its CVMs (replicas). */
export function appForVersion(
  state: EmulatorState,
  app: AppRecord,
  cvms: readonly CvmRecord[],
  version: ApiVersion,
): Record<string, unknown> {
  const item = (cvm: CvmRecord) =>
    version === "2025-10-28" ? appCvmLegacy(state, cvm) : cvmInfo(state, cvm, false);
  const first = cvms[0];
  const body: Record<string, unknown> = {
    id: `prj_${app.appId.slice(0, 12)}`,
    name: typeof first?.compose["name"] === "string" ? first.compose["name"] : app.appId,
    app_id: app.appId,
    app_provision_type: null,
    app_icon_url: null,
    created_at: first?.createdAt ?? new Date(0).toISOString(),
    kms_type: app.kms,
    profile: null,
    current_cvm: first ? item(first) : null,
    cvms: cvms.map(item),
    cvm_count: cvms.length,
  };
  if (version === "2025-10-28") {
    body["team_slug"] = "emulator";
    body["team_name"] = "emulator";
  }
  return body;
}

/** The admin view of an app (`/_emulator`, not a Phala API shape). */
export function appView(state: EmulatorState, app: AppRecord): Record<string, unknown> {
  const kms = state.kmsOf(app.kms);
  return {
    app_id: app.appId,
    encrypted_env_pubkey: app.publicKey,
    k256_pubkey: kms.k256Pubkey,
    kms_id: kms.id,
    kms_slug: kms.slug,
    kms_type: kms.type,
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

/** The emulator's one user, as `UserRef` (openapi). */
const USER_REF = { object_type: "user", id: "usr_emulator", username: "emulator", avatar_url: null };
/** The emulator's one workspace, as `WorkspaceRef` (openapi). */
const WORKSPACE_REF = {
  object_type: "workspace",
  id: "wks_emulator",
  name: "emulator",
  slug: "emulator",
  avatar_url: null,
};

/** `AppRevisionResponse` (openapi): an item of `GET /apps/{app_id}/revisions`. */
export function revisionSummary(r: RevisionRecord): Record<string, unknown> {
  return {
    revision_id: r.revisionId,
    app_id: r.appId,
    vm_uuid: r.vmUuid,
    compose_hash: r.composeHash,
    created_at: r.createdAt,
    trace_id: r.traceId,
    operation_type: r.operationType,
    triggered_by: USER_REF,
    cvm: { object_type: "cvm", vm_uuid: r.vmUuid, app_id: r.appId, name: r.cvmName },
    workspace: WORKSPACE_REF,
  };
}

/**
 * `AppRevisionDetailResponse` (openapi): the summary plus `compose_file` (a dict, or the JSON
 * text with `raw_compose_file=true`), `encrypted_env` and `user_config` (a JSON string; the
 * emulator keeps no user config, so `"{}"`).
 */
export function revisionDetail(r: RevisionRecord, rawCompose: boolean): Record<string, unknown> {
  return {
    ...revisionSummary(r),
    compose_file: rawCompose ? JSON.stringify(r.compose) : r.compose,
    encrypted_env: r.encryptedEnv,
    user_config: "{}",
  };
}

/** `CvmOperationResponse` (openapi): an item of `GET /cvms/{id}/operations`. */
export function operationView(op: OperationRecord): Record<string, unknown> {
  return {
    correlation_id: op.correlation_id,
    operation_type: op.operation_type,
    target_state: op.target_state,
    triggered_by: 1,
    triggered_by_username: "emulator",
    triggered_by_email: null,
    started_at: op.started_at,
    completed_at: op.completed_at,
    duration_ms: op.completed_at === null ? null : Date.parse(op.completed_at) - Date.parse(op.started_at),
    status: op.status,
    error_message: op.error_message,
    sub_operations: op.sub_operations.map(String),
    events: op.events.map((e) => ({ ...e })),
    instance_name: op.instance_name,
    compose_hash: op.compose_hash,
  };
}

/**
 * `GET /cvms/{id}/operation-status`: the document gives no schema ("idle if none in progress").
 * The emulator answers `{status: "idle"}`, or the fields of `InProgressOperation` (openapi).
 */
export function operationStatus(cvm: CvmRecord): Record<string, unknown> {
  const op = cvm.operations[cvm.operations.length - 1];
  if (!cvm.inProgress || !op) return { status: "idle", cvm_id: cvm.id, vm_uuid: cvm.vmUuid };
  return {
    cvm_id: cvm.id,
    vm_uuid: cvm.vmUuid,
    name: cvm.name,
    status: cvm.status,
    operation_type: op.operation_type,
    correlation_id: op.correlation_id,
    started_at: op.started_at,
    worker_acked_at: op.started_at,
    duration_seconds: Math.floor((Date.now() - Date.parse(op.started_at)) / 1000),
    memory_mb: 0,
    instance_type: cvm.instanceType,
  };
}
