/**
 * The hints a failed Phala Cloud API call ends with: what to check for a status, named after
 * where the caller got the setting — the provider's stack settings (`cvm-secrets:apiKey`,
 * `cvms`, `pulumi up`) or the `cvm-secrets` command's environment variables and flags — and the
 * API URL as a message may show it.
 */

/** What the hints of a failed call name. */
export interface HintSources {
  /** Where the API key comes from. */
  apiKey: string;
  /** Where the API URL comes from. */
  apiUrl: string;
  /** Where the CVM was named. */
  cvm: string;
  /** What to run again. */
  rerun: string;
}

/** The provider's settings: the default {@link HintSources}. */
export const SETTINGS_SOURCES: HintSources = {
  apiKey: "cvm-secrets:apiKey or PHALA_CLOUD_API_KEY",
  apiUrl: "cvm-secrets:apiUrl",
  cvm: "`cvms`",
  rerun: "`pulumi up`",
};

/** The hint after a final non-2xx answer (`code`: the structured `ERR-…` code), or "". */
export function statusHint(
  status: number,
  code: string | undefined,
  attempts: number,
  sources: HintSources,
): string {
  if (status === 401 || status === 403) return ` Check the API key (${sources.apiKey}).`;
  if (status === 404)
    return ` Check the CVM id in ${sources.cvm} (cvm_…, app_<hex>, a UUID or the CVM name).`;
  if (status === 409 && code === "ERR-03-010") {
    return " The id matches several CVMs (replicas of one app): name each CVM by its cvm_… id or its VM UUID.";
  }
  if (status === 409) {
    return ` Another operation kept the CVM busy through ${attempts} attempts; run ${sources.rerun} again when it is idle.`;
  }
  if (status === 429) return ` Rate limited; run ${sources.rerun} again later.`;
  return "";
}

/** The API base as a message shows it: scheme, host, port and path; no user info or query. */
export function shownUrl(base: string): string {
  const url = URL.parse(base);
  return url ? `${url.origin}${url.pathname}` : "the configured API URL (not a valid URL)";
}
