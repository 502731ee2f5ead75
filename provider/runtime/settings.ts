/**
 * Process-wide provider settings. `configure` receives the whole stack config (Pulumi
 * dynamic providers: `ResourceProvider.configure`); environment variables are the fallback. Read only inside provider methods, never at
 * module scope of anything that is serialized.
 */
import type * as pulumi from "@pulumi/pulumi";

/** Default API base, as in the official SDK (Phala-Network/phala-cloud, the JS SDK's default base URL). */
export const DEFAULT_API_URL = "https://cloud-api.phala.com/api/v1";

export interface ProviderSettings {
  /** Phala Cloud API key (`cvm-secrets:apiKey`, else `PHALA_CLOUD_API_KEY`). */
  apiKey?: string;
  /** API base URL (`cvm-secrets:apiUrl`, else `PHALA_CLOUD_API_PREFIX`, else the public API). */
  apiUrl: string;
  /** Stack-wide default registry credential (`cvm-secrets:defaultRegistry*`), if configured. */
  defaultRegistry?: { registry: string; username: string; password: string };
  /**
   * `cvm-secrets:rpcUrls` as configured: JSON, chain id → JSON-RPC URL (read and checked by
   * runtime/chain-settings.ts, which adds the `CVM_SECRETS_RPC_URL_<chainId>` fallback).
   */
  rpcUrls?: string;
  /** `cvm-secrets:kmsContracts` as configured: JSON, chain id → KMS contract address. */
  kmsContracts?: string;
}

/**
 * The settings that hold a credential (an RPC URL may carry an API key in its path or query):
 * stack config must keep them encrypted (`pulumi config set --secret`). The one list of them, for
 * the plugin's schema and config and for the warnings of the TypeScript classes and the plugin alike.
 */
export const SECRET_SETTINGS = ["apiKey", "defaultRegistryPassword", "rpcUrls"] as const;

/** The warning for a credential setting that is stored in clear. Names the key, never the value. */
export function plainSettingWarning(key: (typeof SECRET_SETTINGS)[number]): string {
  return (
    `cvm-secrets:${key} is not a secret: it is stored in clear (in Pulumi.<stack>.yaml when set by ` +
    `\`pulumi config set\` without --secret). Store it encrypted: \`pulumi config set --secret cvm-secrets:${key} <value>\` ` +
    "(for an explicit provider, pass the value as a secret, e.g. with `config.requireSecret`)"
  );
}

let configured: Partial<ProviderSettings> = {};

/** Called by the provider stub's `configure`. */
export function configure(req: pulumi.dynamic.ConfigureRequest): void {
  const get = (key: string): string | undefined => {
    const value = req.config.get(`cvm-secrets:${key}`);
    return value === undefined || value === "" ? undefined : value;
  };
  const registry = get("defaultRegistry");
  const username = get("defaultRegistryUsername");
  const password = get("defaultRegistryPassword");
  configured = {
    apiKey: get("apiKey"),
    apiUrl: get("apiUrl"),
    defaultRegistry: registry && username && password ? { registry, username, password } : undefined,
    rpcUrls: get("rpcUrls"),
    kmsContracts: get("kmsContracts"),
  };
}

/** The settings in force: stack config first, then the environment. */
export function settings(): ProviderSettings {
  return {
    apiKey: configured.apiKey ?? nonEmpty(process.env.PHALA_CLOUD_API_KEY),
    apiUrl: configured.apiUrl ?? nonEmpty(process.env.PHALA_CLOUD_API_PREFIX) ?? DEFAULT_API_URL,
    defaultRegistry: configured.defaultRegistry,
    rpcUrls: configured.rpcUrls,
    kmsContracts: configured.kmsContracts,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** For tests: forget what `configure` set. */
export function resetSettings(): void {
  configured = {};
}
