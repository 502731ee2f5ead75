/**
 * `Provider`: an explicit instance of the `cvm-secrets` resource provider plugin, with its own
 * Phala Cloud workspace (API key and URL) and default registry credential. Resources created
 * with `{ provider }` use it; the others use the default provider, configured from the stack's
 * `cvm-secrets:*` config (README: Configuration).
 */
import * as pulumi from "@pulumi/pulumi";

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
      },
      opts,
    );
  }
}
