/**
 * How the API spells identifiers: the `{cvm_id}` and `{app_id}` path segments (the official
 * SDK's `CvmIdSchema`, openapi "Hex app identifier"), VM UUIDs and hex values as compared.
 */

/**
 * A `{cvm_id}` path segment as the official SDK builds it (its `CvmIdSchema`):
 * 40 hex digits → `app_<hex>`, a UUID → dashes removed, anything else verbatim.
 */
export function cvmPathId(cvm: string): string {
  const id = cvm.trim();
  if (/^(0x)?[0-9a-fA-F]{40}$/.test(id)) return `app_${id.replace(/^0x/, "").toLowerCase()}`;
  if (/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(id))
    return id.replace(/-/g, "");
  return encodeURIComponent(id);
}

/** An `{app_id}` path segment: 40 lowercase hex digits, no prefix (openapi: "Hex app identifier"). */
export function appPathId(appId: string): string {
  return encodeURIComponent(appId.replace(/^(app_|0x)/, "").toLowerCase());
}

/** A UUID with dashes, lowercase (revisions and CVMs may spell it with or without dashes). */
export function normalUuid(uuid: string): string {
  const hex = uuid.replace(/-/g, "").toLowerCase();
  return hex.length === 32
    ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    : uuid.toLowerCase();
}

/** Lowercase hex without 0x. */
export function bareHex(value: string): string {
  return value.replace(/^0x/i, "").toLowerCase();
}
