/**
 * `Provider`: an explicit instance of the `cvm-secrets` resource provider plugin, with its own
 * Phala Cloud workspace (API key and URL) and default registry credential. Resources created
 * with `{ provider }` use it; the others use the default provider, configured from the stack's
 * `cvm-secrets:*` config (docs/installation-configuration.md).
 */
import * as pulumi from "@pulumi/pulumi";
import { withPackageSource } from "../plugin/package-source";

/** The provider's configuration: the same settings as the `cvm-secrets:*` stack config keys. */
export interface ProviderArgs {
  /**
   * Phala Cloud API key of the workspace this provider manages. Secret. Defaults to the
   * PHALA_CLOUD_API_KEY environment variable.
   */
  apiKey?: pulumi.Input<string>;
  /**
   * Phala Cloud API base URL. Defaults to PHALA_CLOUD_API_PREFIX, else
   * `https://cloud-api.phala.com/api/v1`.
   */
  apiUrl?: pulumi.Input<string>;
  /**
   * Host of the default registry credential, merged into the env of every `CvmSecrets` that
   * has no `registry` (with `defaultRegistryUsername` and `defaultRegistryPassword`).
   */
  defaultRegistry?: pulumi.Input<string>;
  /** Username of the default registry credential. */
  defaultRegistryUsername?: pulumi.Input<string>;
  /** Password or token of the default registry credential. Secret. */
  defaultRegistryPassword?: pulumi.Input<string>;
  /**
   * JSON-RPC URLs by chain id, as JSON (`{"8453":"https://…"}`): for an on-chain KMS app on a
   * chain named here, the KMS signer is read from the KMS contract on that chain, not taken
   * from the API. Defaults to the `CVM_SECRETS_RPC_URL_<chainId>` environment variables. An
   * RPC URL may hold an API key: Secret.
   */
  rpcUrls?: pulumi.Input<string>;
  /**
   * KMS contract addresses to trust by chain id, as JSON (`{"8453":"0x…"}`). Defaults to
   * Phala's documented contracts on Ethereum (1) and Base (8453).
   */
  kmsContracts?: pulumi.Input<string>;
}

/** The type token of the provider's package. */
export const PACKAGE = "cvm-secrets";

/** An explicit `cvm-secrets` provider: one Phala Cloud workspace. */
export class Provider extends pulumi.ProviderResource {
  constructor(name: string, args: ProviderArgs = {}, opts?: pulumi.ResourceOptions) {
    const secret = (value: pulumi.Input<string> | undefined) =>
      value === undefined ? undefined : pulumi.secret(value);
    super(
      PACKAGE,
      name,
      {
        apiKey: secret(args.apiKey),
        apiUrl: args.apiUrl,
        defaultRegistry: args.defaultRegistry,
        defaultRegistryUsername: args.defaultRegistryUsername,
        defaultRegistryPassword: secret(args.defaultRegistryPassword),
        rpcUrls: secret(args.rpcUrls),
        kmsContracts: args.kmsContracts,
      },
      withPackageSource(opts),
    );
  }
}
