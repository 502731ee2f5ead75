/**
 * Wire schemas for the Phala Cloud responses the client reads (the official SDK's zod schemas). Parsed,
 * never cast: a response that does not match fails with the call and the field path, not with a
 * confusing `undefined` three steps later. Objects the official SDK treats as loose stay loose;
 * the strict ones (`/kms/{kms}/pubkey/{app_id}`) are strict here too.
 */
import { z } from "zod";

const hex = z.string().regex(/^(0x)?[0-9a-fA-F]*$/);

/** `kms_info` of a CVM: a superset of CvmKmsInfo and KmsInfo (the official SDK's zod schemas). */
export const CvmKmsInfoSchema = z.looseObject({
  id: z.string().nullish(),
  slug: z.string().nullish(),
  chain_id: z.number().nullish(),
  encrypted_env_pubkey: hex.nullish(),
  k256_pubkey: hex.nullish(),
});

/** The app-compose object (`compose_file`), as far as this package reads it. */
export const AppComposeSchema = z.looseObject({
  docker_compose_file: z.string().nullish(),
  pre_launch_script: z.string().nullish(),
  allowed_envs: z.array(z.string()).nullish(),
});

/** `GET /cvms/{id}` with `X-Phala-Version: 2026-05-22` (CVMInfo; required keys per the SDK). */
export const CvmInfoSchema = z.looseObject({
  id: z.union([z.string(), z.number()]),
  name: z.string(),
  status: z.string(),
  resource: z.looseObject({}),
  gateway: z.looseObject({}),
  app_id: z.string().nullish(),
  vm_uuid: z.string().nullish(),
  in_progress: z.boolean().nullish(),
  kms_type: z.string().nullish(),
  kms_info: CvmKmsInfoSchema.nullish(),
  encrypted_env_pubkey: hex.nullish(),
  compose_hash: z.string().nullish(),
  compose_file: AppComposeSchema.nullish(),
  boot_error: z.string().nullish(),
});
export type CvmInfoWire = z.infer<typeof CvmInfoSchema>;

/** `GET /kms/{kms}/pubkey/{app_id}`: strict in the SDK (the Phala Cloud OpenAPI document). */
export const KmsPubkeySchema = z.strictObject({ public_key: z.string(), signature: z.string() });

/** `PATCH /cvms/{id}/envs` → 202: the SDK requires all four keys (`PATCH /cvms/{id}/envs`). */
export const PatchEnvsAcceptedSchema = z.looseObject({
  status: z.string(),
  message: z.string().nullable(),
  correlation_id: z.string().nullable(),
  allowed_envs_changed: z.boolean(),
});

/** `GET /cvms/{id}/state` and the `data:` of its SSE events (`GET /cvms/{id}/state`). */
export const CvmStateSchema = z.looseObject({
  status: z.string(),
  in_progress: z.boolean().nullish(),
  boot_error: z.string().nullish(),
});

/** A structured error body (`ERR-MM-NNN`), top level or under `detail` (Phala Cloud error codes). */
export const StructuredErrorSchema = z.looseObject({
  error_code: z.string(),
  message: z.string().nullish(),
  request_id: z.string().nullish(),
  details: z.array(z.looseObject({ field: z.string().nullish(), value: z.unknown() })).nullish(),
});
