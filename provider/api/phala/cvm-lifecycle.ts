/**
 * The schemas of the CVM routes the provider does not call but the emulator serves, so that
 * its answers are held to the document too (test/emulator/documented-shapes.test.ts): the CVM
 * lists (2026 CVMInfo pages, 2025-10-28 HostedCvm pages), create and power (`VM`), the status
 * batch (`CvmStatus`) and provisioning (SDK `ProvisionCvm`).
 */
import { z } from "zod";
import { cvmSchemas } from "./cvms";
import { perMode, sharedSchemas } from "./schemas";

/** The schemas of the CVM list, create, power, status and provision routes. */
export const cvmLifecycleSchemas = perMode(
  ({ mode, model, str, int, bool, opt, hashid, dateTime, anyObject }) => {
    const { KmsInfo } = sharedSchemas(mode);
    const { CvmInfo, CvmNode, CvmNetworkUrls } = cvmSchemas(mode);

    const PaginatedCvmInfos = model(
      { items: z.array(CvmInfo), total: int, page: int, page_size: int, pages: int },
      ["items", "total", "page", "page_size", "pages"],
    );

    // ---- 2025-10-28 lists ----------------------------------------------------------------------

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

    return { PaginatedCvmInfos, HostedCvm, PaginatedHostedCvms, Vm, CvmStatus, StatusBatch, Provision };
  },
);
