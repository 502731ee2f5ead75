/**
 * The warning for a credential setting (`cvm-secrets:apiKey`, …) stored in clear, given by the
 * TypeScript classes — the dynamic ones and the ones bound to the plugin — once per program run,
 * naming the key and never its value. The program knows for sure: the language host passes it the
 * keys set with `--secret` (from the stack file, `--config-file` or an ESC environment alike),
 * while a provider sees every value alike (the dynamic provider reads plain stack config; the
 * plugin's `CheckConfig` gets every value plain, before the engine knows it accepts secrets, and
 * its `Configure` gets `apiKey` marked secret by the schema either way). For the other languages
 * the plugin reads the stack's config file itself (provider/plugin/plain-stack-config.ts) and
 * stays silent for a nodejs program, so a run warns once.
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
