/** Identifier generators and parsers (the official SDK's `CvmIdSchema`). */
import { randomBytes, randomUUID } from "node:crypto";

const BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** A hashid-like `<prefix>_<base62>` id (`cvm_…`, `kms_…`, `wks_…`, `usr_…`). */
export function hashId(prefix: string, length = 10): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const b of bytes) out += BASE62[b % 62];
  return `${prefix}_${out}`;
}

/** `n` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

/** A UUID v4 with dashes (the `vm_uuid` form). */
export function newUuid(): string {
  return randomUUID();
}

/** A request id for `X-Request-Id` and structured errors. */
export function requestId(): string {
  return `req_${randomHex(12)}`;
}

/** A random `phak_…` API key. */
export function newApiKey(): string {
  return `phak_${randomBytes(24).toString("base64url")}`;
}

/**
 * Normalises an app id given as `<40hex>`, `0x<40hex>` or `app_<40hex>` to 40 lowercase hex
 * digits; undefined if it is none of those.
 */
export function normalizeAppId(text: string): string | undefined {
  let body = text.trim();
  if (body.startsWith("app_")) body = body.slice(4);
  else if (body.startsWith("0x") || body.startsWith("0X")) body = body.slice(2);
  return /^[0-9a-fA-F]{40}$/.test(body) ? body.toLowerCase() : undefined;
}

/** UUID with or without dashes → dashed lowercase form; undefined otherwise. */
export function normalizeUuid(text: string): string | undefined {
  const hex = text.replace(/-/g, "").toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return undefined;
  if (
    text.includes("-") &&
    !/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(text)
  ) {
    return undefined;
  }
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** SDK `isValidHostname`: 5–63 chars, starts with a letter, letters/digits/hyphens, no `--`. */
export function isValidCvmName(name: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9-]{4,62}$/.test(name) && !name.includes("--");
}
