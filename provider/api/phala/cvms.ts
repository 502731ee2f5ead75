/**
 * The CVM reads the provider makes — `GET /cvms/{id}`, its compose file and state — with their
 * response schemas (CVMInfoDetail and the 2025-10-28 CvmBasicInfo, CvmState, AppComposeV2) and
 * the mapping of a CVM record to what the provider needs ({@link CvmInfo}). The env push is in
 * cvm-envs.ts.
 */
import { z } from "zod";
import { bareHex, cvmPathId, normalUuid } from "./ids";
import { perMode, sharedSchemas } from "./schemas";
import { safeJson, type Transport } from "./transport";

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

/** The schemas of the CVM records and of the calls of this module. */
export const cvmSchemas = perMode(
  ({ mode, exact, model, str, int, num, bool, opt, hashid, dateTime, anyObject }) => {
    const { KmsInfo, WorkspaceRef, UserRef } = sharedSchemas(mode);
    const KmsType = z.enum(["phala", "ethereum", "base", "legacy"]);
    const BillingPeriod = z.enum(["skip", "hourly", "monthly"]);
    const TeepodStatus = z.enum(["ONLINE", "OFFLINE", "MAINTENANCE"]);

    // ---- CVMs, 2026 versions -------------------------------------------------------------------

    /** CVMKmsInfo: exactly six nullable fields (no slug, id or k256_pubkey). */
    const CvmKmsInfo = model({
      chain_id: opt(int),
      dstack_kms_address: opt(str),
      dstack_app_address: opt(str),
      deployer_address: opt(str),
      rpc_endpoint: opt(str),
      encrypted_env_pubkey: opt(str),
    });
    const CvmResourceInfo = model({
      instance_type: opt(str),
      vcpu: opt(int),
      memory_in_gb: opt(num),
      disk_in_gb: opt(int),
      gpus: opt(int),
      compute_billing_price: opt(str),
      billing_period: opt(BillingPeriod),
    });
    const NodeRef = model({
      object_type: z.literal("node"),
      id: opt(int),
      node_id: opt(int),
      name: opt(str),
      region: opt(str),
      device_id: opt(str),
      ppid: opt(str),
      status: opt(TeepodStatus),
      version: opt(str),
    });
    const CvmOsInfo = model({
      name: opt(str),
      version: opt(str),
      is_dev: opt(bool),
      os_image_hash: opt(str),
    });
    /** CVMProgressInfo: a non-empty `target` means an operation is still running. */
    const CvmProgressInfo = model({ target: opt(str), started_at: opt(dateTime), correlation_id: opt(str) });
    const CvmGatewayInfo = model({ base_domain: opt(str), cname: opt(str) });
    const CvmLogUrls = model({
      serial: opt(str),
      stdout: opt(str),
      stderr: opt(str),
      container_log_base: opt(str),
    });
    const CvmNetworkUrls = model({ app: str, instance: str }, ["app", "instance"]);
    const cvmInfoShape = {
      id: hashid("cvm"),
      name: str,
      app_id: opt(str),
      vm_uuid: opt(str),
      instance_id: opt(str),
      resource: CvmResourceInfo,
      node_info: opt(NodeRef),
      os: opt(CvmOsInfo),
      kms_type: opt(KmsType),
      kms_info: opt(CvmKmsInfo),
      status: str,
      in_progress: bool,
      progress: opt(CvmProgressInfo),
      compose_hash: opt(str),
      docker_compose_hash: opt(str),
      pre_launch_script_hash: opt(str),
      gateway: CvmGatewayInfo,
      logs: CvmLogUrls,
      services: z.array(anyObject),
      endpoints: opt(z.array(CvmNetworkUrls)),
      public_logs: bool,
      public_sysinfo: bool,
      public_tcbinfo: bool,
      gateway_enabled: bool,
      secure_time: bool,
      storage_fs: str,
      workspace: opt(WorkspaceRef),
      creator: opt(UserRef),
      created_at: opt(dateTime),
      deleted_at: opt(dateTime),
      listed: bool,
      project_type: opt(str),
    };
    const cvmInfoRequired = ["id", "name", "resource", "status", "gateway"] as const;
    /** CVMInfo (v20260121 schemas): list items of `GET /cvms`, `/cvms/paginated`, `/apps/{id}/cvms`. */
    const CvmInfo = model(cvmInfoShape, cvmInfoRequired);
    /** CVMInfoDetail: `GET /cvms/{id}`. `compose_file` is an object, a JSON string or null. */
    const CvmInfoDetail = model(
      { ...cvmInfoShape, compose_file: z.union([anyObject, str]).nullable() },
      cvmInfoRequired,
    );

    // ---- CVMs, 2025-10-28 ----------------------------------------------------------------------

    const CvmNode = model({ id: int, name: str, region_identifier: opt(str) }, ["id", "name"]);
    /** CvmBasicInfo (cvms.management): `GET /cvms/{id}` in 2025-10-28, with KMSInfo and the top-level key. */
    const CvmBasicInfo = model(
      {
        id: int,
        teepod_id: opt(int),
        teepod: opt(CvmNode),
        name: str,
        status: str,
        in_progress: bool,
        app_id: str,
        vm_uuid: opt(str),
        instance_id: opt(str),
        vcpu: int,
        memory: int,
        disk_size: int,
        base_image: opt(str),
        encrypted_env_pubkey: opt(str),
        listed: bool,
        project_id: opt(str),
        project_type: opt(str),
        instance_type: opt(str),
        public_sysinfo: opt(bool),
        public_logs: opt(bool),
        dapp_dashboard_url: opt(str),
        syslog_endpoint: opt(str),
        kms_info: opt(KmsInfo),
        contract_address: opt(str),
        deployer_address: opt(str),
        scheduled_delete_at: opt(dateTime),
        public_urls: opt(z.array(CvmNetworkUrls)),
        gateway_domain: opt(str),
      },
      ["id", "name", "status", "app_id", "vcpu", "memory", "disk_size"],
    );

    // ---- bodies the document leaves untyped: shapes of the official SDK ------------------------

    /**
     * `GET /cvms/{id}/state` and the `data:` of its `state` events (SDK CvmStateSchema: optional
     * strings, absent rather than null). `boot_error` lives here, not on the CVM.
     */
    const CvmState = exact
      ? z.strictObject({
          id: str.optional(),
          instance_id: str.optional(),
          name: str,
          status: str,
          uptime: str.optional(),
          exited_at: str.optional(),
          boot_progress: str.optional(),
          boot_error: str.optional(),
          shutdown_progress: str.optional(),
        })
      : z.looseObject({ name: str.optional(), status: str, boot_error: str.nullish() });
    /** AppComposeV2 (the `compose_file` object); dstack fields it does not list are allowed. */
    const AppCompose = z.looseObject({
      name: str.optional(),
      allowed_envs: z.array(str).optional(),
      docker_compose_file: str.nullish(),
      pre_launch_script: str.nullish(),
      kms_enabled: bool.optional(),
      manifest_version: int.optional(),
      runner: str.optional(),
    });

    return {
      CvmKmsInfo,
      CvmNetworkUrls,
      CvmNode,
      CvmInfo,
      CvmInfoDetail,
      CvmBasicInfo,
      CvmState,
      AppCompose,
    };
  },
);

const Wire = cvmSchemas("tolerant");

/**
 * `GET /cvms/{id}` in either model: CvmBasicInfo (2025-10-28; an integer `id`) or CVMInfoDetail
 * (2026; a `cvm_…` id). Picked by the id so a mismatch names the fields of the right model.
 */
export function cvmDetailSchemaFor(body: unknown): typeof Wire.CvmInfoDetail | typeof Wire.CvmBasicInfo {
  const id = body !== null && typeof body === "object" ? (body as { id?: unknown }).id : undefined;
  return typeof id === "number" ? Wire.CvmBasicInfo : Wire.CvmInfoDetail;
}
/** A CVMInfoDetail as the client reads it. */
export type CvmDetailWire = z.infer<typeof Wire.CvmInfoDetail>;
/** A 2025-10-28 CvmBasicInfo as the client reads it. */
export type CvmBasicWire = z.infer<typeof Wire.CvmBasicInfo>;

/** `GET /cvms/{id}`. */
export async function getCvm(t: Transport, cvm: string): Promise<CvmInfo> {
  const raw = await t.call("GET /cvms/{id}", "GET", `/cvms/${cvmPathId(cvm)}`, cvmDetailSchemaFor, {
    subject: `CVM ${cvm}`,
  });
  return toCvmInfo(raw);
}

/** `GET /cvms/{id}/compose_file`. */
export function getComposeFile(t: Transport, cvm: string): Promise<Record<string, unknown>> {
  return t.call(
    "GET /cvms/{id}/compose_file",
    "GET",
    `/cvms/${cvmPathId(cvm)}/compose_file`,
    Wire.AppCompose,
    {
      subject: `CVM ${cvm}`,
    },
  );
}

/** `GET /cvms/{id}/state`: the status and, after a failed boot, `boot_error`. */
export async function getState(t: Transport, cvm: string): Promise<{ status: string; bootError?: string }> {
  const raw = await t.call("GET /cvms/{id}/state", "GET", `/cvms/${cvmPathId(cvm)}/state`, Wire.CvmState, {
    subject: `CVM ${cvm}`,
  });
  return { status: raw.status, bootError: raw.boot_error ?? undefined };
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
