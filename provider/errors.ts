/**
 * The one error type of this package. Every failure a user can see carries a stable `code`
 * (safe to match on in scripts and tests) and a message that names the input and the rule,
 * never a secret value.
 */

/** Stable error codes. Add new ones at the end; never reuse or rename one. */
export const ErrorCodes = {
  /** An input failed validation (a key name, a size, a missing field). */
  INVALID_INPUT: "CVMS_INVALID_INPUT",
  /** A public key is not 32 bytes of hex, or is a low-order X25519 point. */
  INVALID_PUBLIC_KEY: "CVMS_INVALID_PUBLIC_KEY",
  /** The KMS signature over an env-encryption key did not verify against the trusted signer. */
  UNTRUSTED_KEY: "CVMS_UNTRUSTED_KEY",
  /** The app's encryption key differs from the one pinned in state. */
  KEY_CHANGED: "CVMS_KEY_CHANGED",
  /** An HTTP call to the Phala Cloud API failed. */
  API_ERROR: "CVMS_API_ERROR",
  /** The API answered 465: a compose hash must be registered on-chain first. */
  HASH_REGISTRATION_REQUIRED: "CVMS_HASH_REGISTRATION_REQUIRED",
  /** A CVM did not become ready during a rollout. */
  ROLLOUT_FAILED: "CVMS_ROLLOUT_FAILED",
  /** A registry check failed. */
  REGISTRY_CHECK_FAILED: "CVMS_REGISTRY_CHECK_FAILED",
  /** The local toolchain or configuration is missing something. */
  CONFIGURATION: "CVMS_CONFIGURATION",
  /** The API reports another app for a CVM than the one pinned in state: nothing is sent. */
  APP_CHANGED: "CVMS_APP_CHANGED",
  /**
   * A JSON-RPC call to a chain (the on-chain KMS anchor) failed, timed out, was too large, or
   * answered something malformed: the signer could not be read, so nothing is sent.
   */
  CHAIN_ERROR: "CVMS_CHAIN_ERROR",
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Details attached to an error. Values here must never be secrets. */
export type ErrorDetails = Readonly<
  Record<string, string | number | boolean | readonly string[] | undefined>
>;

/**
 * The brand every {@link CvmSecretsError} carries. `Symbol.for` gives the same symbol to every
 * copy of this package in one process (a program's and the plugin tarball's own node_modules can
 * both hold one), where `instanceof` sees only its own copy's class; undici brands its errors the
 * same way (`Symbol.for('undici.error.UND_ERR')`, lib/core/errors.js).
 */
const BRAND = Symbol.for("pulumi-cvm-secrets.error");

export class CvmSecretsError extends Error {
  override readonly name = "CvmSecretsError";
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message);
    this.code = code;
    this.details = details;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * True when `err` is a {@link CvmSecretsError} of any copy of this package (by its brand, not
 * `instanceof`), optionally with the given code. Match on `code`: it is stable.
 */
export function isCvmSecretsError(err: unknown, code?: ErrorCode): err is CvmSecretsError {
  if (typeof err !== "object" || err === null || (err as { [BRAND]?: unknown })[BRAND] !== true) return false;
  return code === undefined || (err as CvmSecretsError).code === code;
}
