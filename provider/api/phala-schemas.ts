/**
 * Zod schemas of the Phala Cloud API responses, written from Phala's OpenAPI document ("Phala
 * Cloud API", components/schemas; names below are the document's) and, where the document leaves
 * a body untyped (`{}`), from the official SDK's schemas (npm `@phala/cloud`).
 *
 * One definition, two strictness modes:
 * - `exact`: what the documented server sends — every property the model declares is present
 *   (a FastAPI response model serializes all of its fields, null or default included) and no
 *   other key. The emulator's responses are tested against these, so it can never be more
 *   generous than the API.
 * - `tolerant`: what this package's client accepts — the document's required keys must be
 *   there with their types; other declared keys may be missing; extra keys are allowed (a
 *   newer server may add fields, and the KMS pubkey answer may carry `timestamp` /
 *   `signature_v1`).
 *
 * Enumerations stay exact in both modes: a value the document does not list is not guessed at.
 */
import { z } from "zod";

/** How strictly a schema reads. */
export type SchemaMode = "exact" | "tolerant";

/** The API versions the schemas describe (`X-Phala-Version`). */
export type PhalaApiVersion = "2025-10-28" | "2026-01-21" | "2026-05-22";

/** The parsed type: the document's required keys, the others possibly absent. */
type Relaxed<S extends z.ZodRawShape, R extends keyof S> = { [K in R]: z.output<S[K]> } & {
  [K in Exclude<keyof S, R>]?: z.output<S[K]>;
};

/** Builds every schema in one mode. */
export function phalaSchemas(mode: SchemaMode) {
  const exact = mode === "exact";
  /** An object model: `required` = the document's `required` list. */
  function model<S extends z.ZodRawShape, R extends keyof S & string = never>(
    shape: S,
    required: readonly R[] = [],
  ): z.ZodType<Relaxed<S, R>> {
    if (exact) return z.strictObject(shape) as unknown as z.ZodType<Relaxed<S, R>>;
    const relaxed: Record<string, z.ZodType> = {};
    for (const [key, value] of Object.entries(shape)) {
      relaxed[key] = (required as readonly string[]).includes(key)
        ? (value as z.ZodType)
        : (value as z.ZodType).optional();
    }
    return z.looseObject(relaxed) as unknown as z.ZodType<Relaxed<S, R>>;
  }
  const str = z.string();
  const int = z.number().int();
  const num = z.number();
  const bool = z.boolean();
  const opt = <T extends z.ZodType>(t: T) => t.nullable();
  /** `format: hashid` with its prefix, e.g. `cvm_…`. */
  const hashid = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_.+`));
  /** `format: date-time` (ISO 8601). */
  const dateTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "not an ISO 8601 date-time");
  /** `additionalProperties: true` objects. */
  const anyObject = z.record(z.string(), z.unknown());

  const KmsType = z.enum(["phala", "ethereum", "base", "legacy"]);
  const BillingPeriod = z.enum(["skip", "hourly", "monthly"]);
  const TeepodStatus = z.enum(["ONLINE", "OFFLINE", "MAINTENANCE"]);

  /** KMSInfo: `GET /kms/{kms_id}`, `GET /kms` items, `kms_info` of the 2025-10-28 shapes. */
  const KmsInfo = model(
    {
      id: hashid("kms"),
      slug: opt(str),
      url: str,
      version: str,
      chain_id: opt(int),
      kms_contract_address: opt(str),
      gateway_app_id: opt(str),
    },
    ["id", "url", "version"],
  );
  const KmsListResponse = model(
    { items: z.array(KmsInfo), total: int, page: int, page_size: int, pages: int },
    ["items", "total", "page", "page_size", "pages"],
  );

  /** KmsInspectResponse: `GET /kms/{kms_id}/info`; the signer is `rpc.bootstrap_info.k256_pubkey`. */
  const BootstrapInfoOut = model(
    { k256_pubkey: str, ca_pubkey: str, quote_length: int, eventlog_length: int },
    ["k256_pubkey", "ca_pubkey", "quote_length", "eventlog_length"],
  );
  const KmsRpcInfo = model(
    {
      version: str,
      is_dev: bool,
      chain_id: opt(int),
      kms_contract_address: opt(str),
      gateway_app_id: opt(str),
      bootstrap_info: BootstrapInfoOut,
      version_synced: bool,
    },
    ["version", "is_dev", "bootstrap_info", "version_synced"],
  );
  const GuestAgentInfo = model(
    {
      device_id: str,
      mr_aggregated: opt(str),
      os_image_hash: opt(str),
      instance_id: opt(str),
      app_id: opt(str),
      mr_key_provider: opt(str),
      compose_hash: opt(str),
    },
    ["device_id"],
  );
  const TeepodImageInfo = model({ name: str, version: str, is_dev: bool }, ["name", "version", "is_dev"]);
  const TeepodInfo = model(
    {
      id: int,
      name: str,
      teepod_version_db: opt(str),
      teepod_version_real: opt(str),
      kms_url: opt(str),
      kms_urls: z.array(str),
      available_os_images: z.array(TeepodImageInfo),
      error: opt(str),
    },
    ["id", "name"],
  );
  const OnChainKmsInfo = model(
    { k256_pubkey: str, ca_pubkey: str, quote_length: int, eventlog_length: int },
    ["k256_pubkey", "ca_pubkey", "quote_length", "eventlog_length"],
  );
  const OnChainVerification = model({
    k256_pubkey_match: opt(bool),
    ca_pubkey_match: opt(bool),
    gateway_app_id_match: opt(bool),
    device_id_allowed: opt(bool),
    os_image_allowed: opt(bool),
    mr_aggregated_allowed: opt(bool),
  });
  const OnChainInfo = model({
    kms_info: opt(OnChainKmsInfo),
    gateway_app_id: opt(str),
    owner: opt(str),
    verification: OnChainVerification,
    error: opt(str),
  });
  const KmsInspectResponse = model(
    {
      id: str,
      slug: opt(str),
      endpoint: str,
      kms_type: str,
      db_version: str,
      rpc: opt(KmsRpcInfo),
      rpc_error: opt(str),
      guest_agent: opt(GuestAgentInfo),
      guest_agent_error: opt(str),
      teepods: z.array(TeepodInfo),
      on_chain: opt(OnChainInfo),
    },
    ["id", "slug", "endpoint", "kms_type", "db_version"],
  );

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
  const CvmOsInfo = model({ name: opt(str), version: opt(str), is_dev: opt(bool), os_image_hash: opt(str) });
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
  const WorkspaceRef = model(
    {
      object_type: z.literal("workspace"),
      id: hashid("wks"),
      name: str,
      slug: opt(str),
      avatar_url: opt(str),
    },
    ["id", "name"],
  );
  const UserRef = model({
    object_type: z.literal("user"),
    id: opt(hashid("usr")),
    username: opt(str),
    avatar_url: opt(str),
  });
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
  const PaginatedCvmInfos = model(
    { items: z.array(CvmInfo), total: int, page: int, page_size: int, pages: int },
    ["items", "total", "page", "page_size", "pages"],
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
  const GuestEvent = model({ event: str, body: str, timestamp: int }, ["event", "body"]);
  /** VmInfo; `configuration` (VmConfiguration) is read as any object here. */
  const VmInfo = model(
    {
      id: str,
      name: str,
      status: str,
      uptime: str,
      app_url: opt(str),
      app_id: str,
      instance_id: opt(str),
      configuration: opt(anyObject),
      exited_at: opt(str),
      boot_progress: opt(str),
      boot_error: opt(str),
      shutdown_progress: opt(str),
      image_version: opt(str),
      events: z.array(GuestEvent),
    },
    ["id", "name", "status", "uptime", "app_id"],
  );
  const ManagedUser = model({ id: int, username: str }, ["id", "username"]);
  /** HostedCvm: list items in 2025-10-28. */
  const HostedCvm = model(
    {
      hosted: VmInfo,
      name: str,
      managed_user: opt(ManagedUser),
      node: opt(CvmNode),
      listed: bool,
      status: str,
      in_progress: bool,
      dapp_dashboard_url: opt(str),
      syslog_endpoint: opt(str),
      allow_upgrade: bool,
      project_id: opt(hashid("prj")),
      project_type: opt(str),
      billing_period: opt(str),
      kms_info: opt(KmsInfo),
      contract_address: opt(str),
      deployer_address: opt(str),
      vcpu: opt(int),
      memory: opt(int),
      disk_size: opt(int),
      gateway_domain: opt(str),
      public_urls: z.array(CvmNetworkUrls),
    },
    ["hosted", "name", "status", "public_urls"],
  );
  const PaginatedHostedCvms = model(
    { items: z.array(HostedCvm), total: int, page: int, page_size: int, pages: int },
    ["items", "total", "page", "page_size", "pages"],
  );

  // ---- writes and status ---------------------------------------------------------------------

  const TeepodMeta = model({ id: int, name: str }, ["id", "name"]);
  /** VM: `POST /cvms`, `/start`, `/stop`, `/shutdown`, `/restart`. */
  const Vm = model(
    {
      id: int,
      name: str,
      status: str,
      teepod_id: int,
      teepod: opt(TeepodMeta),
      user_id: opt(int),
      app_id: str,
      vm_uuid: opt(str),
      instance_id: opt(str),
      app_url: opt(str),
      base_image: opt(str),
      vcpu: int,
      memory: int,
      disk_size: int,
      manifest_version: opt(int),
      version: opt(str),
      runner: opt(str),
      docker_compose_file: opt(str),
      features: opt(z.array(str)),
      created_at: dateTime,
      encrypted_env_pubkey: opt(str),
    },
    ["id", "name", "status", "teepod_id", "app_id", "vcpu", "memory", "disk_size", "created_at"],
  );
  /** CvmStatus: values of `POST /status/batch`. */
  const CvmStatus = model(
    {
      vm_uuid: str,
      status: str,
      uptime: opt(str),
      in_progress: bool,
      boot_progress: opt(str),
      boot_error: opt(str),
      shutdown_progress: opt(str),
      events: z.array(GuestEvent),
      operation_type: opt(str),
      operation_started_at: opt(dateTime),
      correlation_id: opt(str),
    },
    ["vm_uuid", "status"],
  );
  const StatusBatch = z.record(z.string(), CvmStatus);

  // ---- apps ----------------------------------------------------------------------------------

  const ProfileGetResponse = model({
    display_name: opt(str),
    avatar_url: opt(str),
    description: opt(str),
    custom_domain: opt(str),
  });
  const MachineInfo = model({ vcpu: int, memory: int, disk_size: int, gpu_count: int }, [
    "vcpu",
    "memory",
    "disk_size",
    "gpu_count",
  ]);
  /** CvmBasicInfo (apps.v20251028): the CVMs of an app in 2025-10-28. */
  const AppCvmBasicInfo = model(
    {
      vm_uuid: opt(str),
      app_id: str,
      name: str,
      status: str,
      vcpu: int,
      memory: int,
      disk_size: int,
      teepod_id: int,
      teepod_name: str,
      region_identifier: opt(str),
      kms_type: opt(str),
      instance_type: opt(str),
      listed: opt(bool),
      base_image: opt(str),
      kms_slug: opt(str),
      kms_id: opt(str),
      instance_id: opt(str),
      machine_info: opt(MachineInfo),
      updated_at: opt(dateTime),
    },
    [
      "vm_uuid",
      "app_id",
      "status",
      "vcpu",
      "memory",
      "disk_size",
      "teepod_id",
      "teepod_name",
      "region_identifier",
      "kms_type",
      "instance_type",
    ],
  );
  const appShape = {
    id: hashid("prj"),
    name: str,
    app_id: str,
    app_provision_type: opt(str),
    app_icon_url: opt(str),
    created_at: str,
    kms_type: str,
    profile: opt(ProfileGetResponse),
    cvm_count: int,
  };
  const appRequired = ["id", "name", "app_id", "created_at", "kms_type"] as const;
  const DstackAppMinimalResponse = model(
    {
      id: z.null(),
      app_id: str,
      name: z.null(),
      app_provision_type: z.null(),
      app_icon_url: z.null(),
      created_at: z.null(),
      kms_type: z.null(),
      profile: z.null(),
      current_cvm: z.null(),
      cvms: z.null(),
      cvm_count: z.null(),
    },
    ["app_id"],
  );
  const listOf = (app: z.ZodType) =>
    model(
      {
        dstack_apps: z.array(z.union([app, DstackAppMinimalResponse])),
        page: int,
        page_size: int,
        total: int,
        total_pages: int,
      },
      ["dstack_apps", "page", "page_size", "total", "total_pages"],
    );
  /** DstackAppListResponse (apps.v20251028): `GET /apps` in 2025-10-28. */
  const AppListV20251028 = listOf(
    model(
      {
        ...appShape,
        current_cvm: opt(AppCvmBasicInfo),
        cvms: z.array(AppCvmBasicInfo),
        team_slug: opt(str),
        team_name: opt(str),
      },
      appRequired,
    ),
  );
  /** DstackAppListResponse (apps.v20260121): `GET /apps` in the 2026 versions. */
  const AppListV20260121 = listOf(
    model({ ...appShape, current_cvm: opt(CvmInfo), cvms: z.array(CvmInfo) }, appRequired),
  );

  // ---- bodies the document leaves untyped: shapes of the official SDK ------------------------

  /** `GET /kms/{kms_id}/pubkey/{app_id}` (SDK: `{public_key, signature}`; more keys tolerated). */
  const KmsPubkey = model({ public_key: str, signature: str }, ["public_key", "signature"]);
  /** `PATCH /cvms/{id}/envs` → 202 (SDK: all four keys). */
  const PatchEnvsAccepted = model(
    { status: str, message: opt(str), correlation_id: opt(str), allowed_envs_changed: bool },
    ["status", "message", "correlation_id", "allowed_envs_changed"],
  );
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
  const SseComplete = model({ status: str, elapsed: num, target: str }, ["status"]);
  const SseTimeout = model({ error: str, elapsed: num, target: str }, ["error"]);
  const SseError = model({ error: str, elapsed: num, message: str }, ["error"]);
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
  /** `POST /cvms/provision` (SDK ProvisionCvm). */
  const Provision = z.looseObject({
    app_id: str.nullable(),
    app_env_encrypt_pubkey: str.nullable(),
    compose_hash: str,
    fmspc: str.nullable(),
    device_id: str.nullable(),
    os_image_hash: str.nullable(),
    instance_type: str.nullable(),
    node_id: int.nullable(),
    kms_id: str.nullable(),
    kms_info: KmsInfo.nullable(),
  });
  /** `GET /kms/phala/next_app_id` (SDK NextAppIds). */
  const NextAppIds = model({ app_ids: z.array(model({ app_id: str, nonce: int }, ["app_id", "nonce"])) }, [
    "app_ids",
  ]);

  // ---- app revisions and CVM operations ----------------------------------------------------

  /** CvmRef. */
  const CvmRef = model({ object_type: z.literal("cvm"), vm_uuid: str, app_id: opt(str), name: opt(str) }, [
    "vm_uuid",
  ]);
  const revisionShape = {
    revision_id: str,
    app_id: str,
    vm_uuid: str,
    compose_hash: str,
    created_at: str,
    trace_id: opt(str),
    operation_type: str,
    triggered_by: opt(UserRef),
    cvm: opt(CvmRef),
    workspace: opt(WorkspaceRef),
  };
  const revisionRequired = [
    "revision_id",
    "app_id",
    "vm_uuid",
    "compose_hash",
    "created_at",
    "trace_id",
    "operation_type",
  ] as const;
  /** AppRevisionResponse: an item of `GET /apps/{app_id}/revisions`. */
  const AppRevision = model(revisionShape, revisionRequired);
  /** AppRevisionsResponse. */
  const AppRevisions = model(
    { revisions: z.array(AppRevision), total: int, page: int, page_size: int, total_pages: int },
    ["revisions", "total", "page", "page_size", "total_pages"],
  );
  /** AppRevisionDetailResponse: `GET /apps/{app_id}/revisions/{revision_id}`. */
  const AppRevisionDetail = model(
    {
      ...revisionShape,
      compose_file: z.union([anyObject, str, z.null()]),
      encrypted_env: str,
      user_config: str,
    },
    [...revisionRequired, "compose_file", "encrypted_env", "user_config"],
  );
  /** OperationEventDetail. */
  const OperationEvent = model({ event_type: str, timestamp: dateTime, state: str }, [
    "event_type",
    "timestamp",
    "state",
  ]);
  /** CvmOperationResponse. */
  const CvmOperation = model(
    {
      correlation_id: str,
      operation_type: str,
      target_state: str,
      triggered_by: int,
      triggered_by_username: opt(str),
      triggered_by_email: opt(str),
      started_at: dateTime,
      completed_at: opt(dateTime),
      duration_ms: opt(int),
      status: str,
      error_message: opt(str),
      sub_operations: z.array(str),
      events: z.array(OperationEvent),
      instance_name: str,
      compose_hash: opt(str),
    },
    [
      "correlation_id",
      "operation_type",
      "target_state",
      "triggered_by",
      "started_at",
      "status",
      "sub_operations",
      "events",
      "instance_name",
    ],
  );
  /** PaginatedCvmOperationsResponse. */
  const CvmOperations = model({ items: z.array(CvmOperation), next_cursor: opt(str), total: int }, [
    "items",
    "total",
  ]);
  /**
   * `GET /cvms/{id}/operation-status`: the document gives no schema (`{}`, "idle if none in
   * progress"); read loosely, the fields of InProgressOperation where present.
   */
  const OperationStatus = z.looseObject({
    status: str.nullish(),
    operation_type: str.nullish(),
    correlation_id: str.nullish(),
  });

  // ---- errors --------------------------------------------------------------------------------

  const ValidationErrorItem = z.looseObject({
    loc: z.array(z.union([str, int])),
    msg: str,
    type: str,
  });
  /** HTTPValidationError (422). */
  const HttpValidationError = model({ detail: z.array(ValidationErrorItem) });
  /** A structured error body (`ERR-MM-NNN`), top level or under `detail`. */
  const StructuredError = z.looseObject({
    error_code: str,
    message: str.nullish(),
    request_id: str.nullish(),
    details: z.array(z.looseObject({ field: str.nullish(), value: z.unknown() })).nullish(),
  });

  return {
    KmsInfo,
    KmsListResponse,
    KmsInspectResponse,
    CvmKmsInfo,
    CvmInfo,
    CvmInfoDetail,
    PaginatedCvmInfos,
    CvmBasicInfo,
    HostedCvm,
    PaginatedHostedCvms,
    Vm,
    CvmStatus,
    StatusBatch,
    AppListV20251028,
    AppListV20260121,
    KmsPubkey,
    PatchEnvsAccepted,
    CvmState,
    SseComplete,
    SseTimeout,
    SseError,
    AppCompose,
    Provision,
    NextAppIds,
    HttpValidationError,
    StructuredError,
    AppRevision,
    AppRevisions,
    AppRevisionDetail,
    CvmOperation,
    CvmOperations,
    OperationStatus,
  };
}

/** The schemas in the mode the client reads with. */
export const Wire = phalaSchemas("tolerant");

/**
 * `GET /cvms/{id}` in either model: CvmBasicInfo (2025-10-28; an integer `id`) or CVMInfoDetail
 * (2026; a `cvm_…` id). Picked by the id so a mismatch names the fields of the right model.
 */
export function cvmDetailSchemaFor(body: unknown): typeof Wire.CvmInfoDetail | typeof Wire.CvmBasicInfo {
  const id = body !== null && typeof body === "object" ? (body as { id?: unknown }).id : undefined;
  return typeof id === "number" ? Wire.CvmBasicInfo : Wire.CvmInfoDetail;
}
export type CvmDetailWire = z.infer<typeof Wire.CvmInfoDetail>;
export type CvmBasicWire = z.infer<typeof Wire.CvmBasicInfo>;
