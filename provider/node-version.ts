/**
 * Fails fast, with the reason, on a Node.js older than this package runs on. The package's entry
 * points import this module first (CommonJS runs `require`s in order), so an old Node reads
 * "needs Node.js ≥ 22.19" instead of a stack trace from inside a dependency (undici 8, the HTTP
 * client, needs 22.19; `@pulumi/pulumi` needs 22).
 */
import { CvmSecretsError, ErrorCodes } from "./errors";

/** The oldest Node.js this package runs on (undici's `engines`). */
export const MIN_NODE_VERSION = "22.19.0";

/** True when `version` (e.g. `process.versions.node`) is at least {@link MIN_NODE_VERSION}. */
export function isSupportedNode(version: string): boolean {
  const have = version.split(".").map(Number);
  const need = MIN_NODE_VERSION.split(".").map(Number);
  for (let i = 0; i < need.length; i++) {
    const h = have[i] ?? 0;
    if (h !== need[i]) return h > need[i]!;
  }
  return true;
}

/** The message for an unsupported Node.js. */
export function unsupportedNodeMessage(version: string): string {
  return (
    `pulumi-cvm-secrets needs Node.js ≥ 22.19 (this is Node.js ${version}). Pulumi runs the ` +
    "program and its dynamic providers with the `node` on PATH: install Node.js 22.19 or newer " +
    "(e.g. with nvm or fnm), then run again."
  );
}

/**
 * Throws a {@link CvmSecretsError} (`CVMS_CONFIGURATION`) on an unsupported Node.js. The error
 * also carries `__pulumiRunError: true`, the mark of `@pulumi/pulumi`'s `RunError`
 * (`RunError.isInstance`, sdk/nodejs/errors.ts): Pulumi's program runner prints such an error as
 * its message alone, not as "failed with an unhandled exception" and a stack trace.
 */
export function assertSupportedNode(version: string = process.versions.node): void {
  if (!isSupportedNode(version)) {
    const error = new CvmSecretsError(ErrorCodes.CONFIGURATION, unsupportedNodeMessage(version), {
      node: version,
    });
    Object.defineProperty(error, "__pulumiRunError", { value: true });
    throw error;
  }
}

assertSupportedNode();
