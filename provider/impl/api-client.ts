/**
 * The Phala Cloud client as the provider methods use it: credentials from stack config or the
 * environment (settings.ts), and the classification of API errors the methods branch on.
 */
import type { PhalaClient } from "../api/phala-client";
import { CvmSecretsError, ErrorCodes } from "../errors";
import { lazy } from "./lazy";
import { settings } from "./settings";

export function apiClient(): PhalaClient {
  const s = settings();
  if (!s.apiKey) {
    throw new CvmSecretsError(
      ErrorCodes.CONFIGURATION,
      "no Phala Cloud API key: set it with `pulumi config set --secret cvm-secrets:apiKey <key>` " +
        "or the PHALA_CLOUD_API_KEY environment variable",
    );
  }
  return lazy.client().phalaClient({ baseUrl: s.apiUrl, apiKey: s.apiKey });
}

export function isNotFound(err: unknown): boolean {
  return err instanceof CvmSecretsError && err.details.status === 404;
}

/** For `.catch`: a 404 becomes `undefined` (the CVM is gone), anything else is rethrown. */
export function notFoundAsUndefined(err: unknown): undefined {
  if (isNotFound(err)) return undefined;
  throw err;
}

export function isHashRegistration(err: Error): boolean {
  return err instanceof CvmSecretsError && err.code === ErrorCodes.HASH_REGISTRATION_REQUIRED;
}
