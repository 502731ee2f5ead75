/**
 * KMS calls — the env-encryption key of an app and its signature (`GET /kms/{kms}/pubkey/{app_id}`),
 * the KMS list (`GET /kms`) and a KMS's signer (`GET /kms/{kms_id}/info`) — with their schemas,
 * and the schema of `GET /kms/phala/next_app_id` that the emulator serves.
 */
import { z } from "zod";
import { readPages } from "./pages";
import { perMode, sharedSchemas } from "./schemas";
import { segment, type Transport } from "./transport";

/** A KMS instance of `GET /kms`. */
export interface KmsListing {
  id: string;
  slug?: string;
  chainId?: number;
  contractAddress?: string;
}

/** The schemas of the KMS routes. */
export const kmsSchemas = perMode(({ mode, model, str, int, bool, opt }) => {
  const { KmsInfo } = sharedSchemas(mode);
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

  // ---- bodies the document leaves untyped: shapes of the official SDK ------------------------

  /** `GET /kms/{kms_id}/pubkey/{app_id}` (SDK: `{public_key, signature}`; more keys tolerated). */
  const KmsPubkey = model({ public_key: str, signature: str }, ["public_key", "signature"]);
  /** `GET /kms/phala/next_app_id` (SDK NextAppIds). */
  const NextAppIds = model({ app_ids: z.array(model({ app_id: str, nonce: int }, ["app_id", "nonce"])) }, [
    "app_ids",
  ]);

  return { KmsListResponse, KmsInspectResponse, KmsPubkey, NextAppIds };
});

const Wire = kmsSchemas("tolerant");

/** `GET /kms/{kms}/pubkey/{app_id}`; `kms` is a KMS id, slug or type. */
export async function getKmsPubkey(
  t: Transport,
  kms: string,
  appId: string,
): Promise<{ publicKey: string; signature: string }> {
  const raw = await t.call(
    "GET /kms/{kms}/pubkey/{app_id}",
    "GET",
    `/kms/${segment(kms, "KMS")}/pubkey/${segment(appId.replace(/^0x/i, ""), "app id")}`,
    Wire.KmsPubkey,
    { subject: `app ${appId}` },
  );
  return { publicKey: raw.public_key, signature: raw.signature };
}

/** Every KMS of `GET /kms` (all pages, at most the transport's `maxPages`; see pages.ts). */
export async function listKms(t: Transport): Promise<KmsListing[]> {
  const pageSize = 100;
  const items = await readPages<z.infer<typeof Wire.KmsListResponse>["items"][number]>({
    route: "GET /kms",
    subject: "the KMS list",
    maxPages: t.bounds.maxPages,
    key: (k) => k.id,
    read: async (page) => {
      const raw = await t.call(
        "GET /kms",
        "GET",
        `/kms?page=${page}&page_size=${pageSize}`,
        Wire.KmsListResponse,
        {
          subject: "the KMS list",
        },
      );
      return { items: raw.items, totalPages: raw.pages };
    },
  });
  return items.map((k) => ({
    id: k.id,
    slug: k.slug ?? undefined,
    chainId: k.chain_id ?? undefined,
    contractAddress: k.kms_contract_address?.toLowerCase() ?? undefined,
  }));
}

/** `GET /kms/{kms_id}/info` → `rpc.bootstrap_info.k256_pubkey`, the KMS signer; undefined if not reported. */
export async function getKmsSigner(t: Transport, kmsId: string): Promise<string | undefined> {
  const raw = await t.call(
    "GET /kms/{kms_id}/info",
    "GET",
    `/kms/${segment(kmsId, "KMS id")}/info`,
    Wire.KmsInspectResponse,
    { subject: `KMS ${kmsId}` },
  );
  return raw.rpc?.bootstrap_info.k256_pubkey ?? raw.on_chain?.kms_info?.k256_pubkey ?? undefined;
}
