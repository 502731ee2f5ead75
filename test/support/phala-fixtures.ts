/**
 * Answers of the Phala Cloud API for client tests against scripted servers: a CVM record
 * (CVMInfoDetail, `X-Phala-Version` 2026-05-22) with the fields the client reads.
 */

/** A running, idle CVM record; `over` replaces fields. */
export function cvmRecord(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "cvm_abc",
    name: "api-1",
    status: "running",
    in_progress: false,
    resource: {},
    gateway: {},
    app_id: "ab".repeat(20),
    kms_type: "phala",
    kms_info: { encrypted_env_pubkey: "CD".repeat(32), chain_id: null },
    compose_hash: "ee".repeat(32),
    compose_file: { docker_compose_file: "services: {}", allowed_envs: ["A"] },
    ...over,
  };
}
