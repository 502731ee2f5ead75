/**
 * The dynamic classes' warning for a credential setting (`cvm-secrets:apiKey`, …) stored in
 * clear. The dynamic provider reads stack config without knowing which values were set with
 * `--secret`; the program does (the language host passes the secret keys with the config), so the
 * warning is given here, once per program run, naming the key and never its value. (The plugin
 * warns from its `CheckConfig`, where a plain value arrives without the secret marker.)
 */
import * as pulumi from "@pulumi/pulumi";
import { plainSettingWarning, SECRET_SETTINGS } from "../runtime/settings";

/** The SDK's config reads; `isConfigSecret` is exported by `@pulumi/pulumi/runtime` but not typed. */
interface ConfigReads {
  getConfig(key: string): string | undefined;
  isConfigSecret?: (key: string) => boolean;
}

let warned = false;

/** Warns once per run for each credential setting set without `--secret`. */
export function warnPlainCredentials(runtime: ConfigReads = pulumi.runtime as unknown as ConfigReads): void {
  if (warned) return;
  warned = true;
  for (const key of plainCredentialSettings(runtime)) void pulumi.log.warn(plainSettingWarning(key));
}

/**
 * The credential settings that have a value and are not secret. Without the SDK's
 * `isConfigSecret` nothing can be told, and nothing is reported.
 */
export function plainCredentialSettings(runtime: ConfigReads): Array<(typeof SECRET_SETTINGS)[number]> {
  const isSecret = runtime.isConfigSecret;
  if (typeof isSecret !== "function") return [];
  return SECRET_SETTINGS.filter((key) => {
    const value = runtime.getConfig(`cvm-secrets:${key}`);
    return value !== undefined && value !== "" && !isSecret(`cvm-secrets:${key}`);
  });
}
