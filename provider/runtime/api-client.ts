/**
 * The Phala Cloud client as the provider methods use it: credentials from stack config or the
 * environment (settings.ts), and the classification of API errors the methods branch on.
 */
import type { PhalaApiError, PhalaClient } from "../api/phala";
import { CvmSecretsError, ErrorCodes, isCvmSecretsError } from "../errors";
import { lazy } from "./lazy";
import { learnCvm } from "./secret-scope";
import { settings } from "./settings";

/**
 * The client of one provider call. `deadline`: the call's overall deadline (the resource's
 * `customTimeouts`, passed to the provider plugin only, or the bound of a check's reads), which
 * no API call outlasts; `deadlineName` says which in the message of a call it stops.
 */
export function apiClient(deadline?: number, deadlineName?: string): PhalaClient {
  const s = settings();
  if (!s.apiKey) {
    throw new CvmSecretsError(
      ErrorCodes.CONFIGURATION,
      "no Phala Cloud API key: set it with `pulumi config set --secret cvm-secrets:apiKey <key>` " +
        "or the PHALA_CLOUD_API_KEY environment variable",
    );
  }
  const client = lazy.client().phalaClient({ baseUrl: s.apiUrl, apiKey: s.apiKey, deadline, deadlineName });
  // What the API says a secret CVM id resolves to (its `cvm_…` id, name, app id, VM UUID) is as
  // secret as the id asked for: messages of the current call name it by position.
  const getCvm = client.getCvm.bind(client);
  client.getCvm = async (cvm) => {
    const info = await getCvm(cvm);
    learnCvm(cvm, info);
    return info;
  };
  return client;
}

/**
 * A typed API error of the client ({@link PhalaApiError}). The client module is looked up lazily
 * (check and diff must not load it): an API error exists only once the client was loaded.
 */
function isApiError(err: unknown): err is PhalaApiError {
  return isCvmSecretsError(err, ErrorCodes.API_ERROR) && err instanceof lazy.client().PhalaApiError;
}

/** The API answered 404: the CVM (or app) is not there. */
export function isNotFound(err: unknown): boolean {
  return isApiError(err) && err.status === 404;
}

/** For `.catch`: a 404 becomes `undefined` (the CVM is gone), anything else is rethrown. */
export function notFoundAsUndefined(err: unknown): undefined {
  if (isNotFound(err)) return undefined;
  throw err;
}
