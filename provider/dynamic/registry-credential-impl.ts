/**
 * What the RegistryCredential dynamic stub loads (`pulumi-cvm-secrets/impl/registry-credential`):
 * the provider's methods (registry-credential/index.ts) with its internal properties stored as
 * `__<name>`, out of the CLI's diff display (runtime/internal-keys.ts).
 */
import * as methods from "../registry-credential/index";
import { INTERNAL_KEYS } from "../registry-credential/properties";
import { withInternalKeysStored } from "../runtime/internal-keys";

export const { check, diff, create, update, remove, read } = withInternalKeysStored(methods, INTERNAL_KEYS);
