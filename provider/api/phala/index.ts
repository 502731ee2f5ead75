/**
 * The Phala Cloud API client: one transport (transport.ts: undici, zod-parsed answers,
 * `X-API-Key`, `X-Phala-Version`, timeouts, retries, typed {@link PhalaApiError}s) under calls
 * cut by API area — CVMs (cvms.ts, cvm-envs.ts, cvm-ready.ts, cvm-operations.ts), apps (apps.ts), KMS
 * (kms.ts). Errors name the call, the status, the error code and the request id — never a
 * request body, a response value or the key.
 */
import {
  type AppRevision,
  type AppRevisionPage,
  getAppRevision,
  latestRevision,
  listAppRevisions,
} from "./apps";
import { type PatchEnvsAnswer, type PatchEnvsRequest, patchEnvs } from "./cvm-envs";
import { type CvmOperation, listOperations, operationStatus } from "./cvm-operations";
import { waitReady } from "./cvm-ready";
import { type CvmInfo, getComposeFile, getCvm, getState } from "./cvms";
import { getKmsPubkey, getKmsSigner, type KmsListing, listKms } from "./kms";
import { type PhalaClientOptions, transport } from "./transport";

export type { AppRevision, AppRevisionPage } from "./apps";
export { DEFAULT_BOUNDS, type PhalaBounds } from "./bounds";
export type { PatchEnvsAnswer, PatchEnvsRequest } from "./cvm-envs";
export type { CvmOperation } from "./cvm-operations";
export type { CvmInfo } from "./cvms";
export type { HintSources } from "./hints";
export { cvmPathId } from "./ids";
export type { KmsListing } from "./kms";
export type { RegistrationRequired } from "./transport";
export { API_VERSION, PhalaApiError, type PhalaApiErrorFields, type PhalaClientOptions } from "./transport";

/** What the provider calls on Phala Cloud. */
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
 * A client for one API base and key. Calls that build on other calls (the push's lost-answer
 * probe, readiness, the newest revision) go through the client object itself, so a caller that
 * wraps one of its methods (the provider wraps `getCvm`) is seen by them too.
 */
export function phalaClient(options: PhalaClientOptions): PhalaClient {
  const t = transport(options);
  const client: PhalaClient = {
    getCvm: (cvm) => getCvm(t, cvm),
    getComposeFile: (cvm) => getComposeFile(t, cvm),
    getState: (cvm) => getState(t, cvm),
    getKmsPubkey: (kms, appId) => getKmsPubkey(t, kms, appId),
    listKms: () => listKms(t),
    getKmsSigner: (kmsId) => getKmsSigner(t, kmsId),
    patchEnvs: (cvm, body) => patchEnvs(t, client, cvm, body),
    waitReady: (cvm, waitMs) => waitReady(t, client, cvm, waitMs),
    listAppRevisions: (appId, page, pageSize) => listAppRevisions(t, appId, page, pageSize),
    getAppRevision: (appId, revisionId) => getAppRevision(t, appId, revisionId),
    latestRevision: (appId, vmUuid) => latestRevision(client, appId, vmUuid, t.bounds.maxPages),
    listOperations: (cvm, cursor) => listOperations(t, cvm, cursor),
    operationStatus: (cvm) => operationStatus(t, cvm),
  };
  return client;
}
