/**
 * What the CvmSecrets dynamic stub loads (`pulumi-cvm-secrets/impl/cvm-secrets`): the provider's
 * methods (cvm-secrets/index.ts) with its internal properties stored as `__<name>`, out of the
 * CLI's diff display (runtime/internal-keys.ts).
 */
import * as methods from "../cvm-secrets/index";
import { INTERNAL_KEYS } from "../cvm-secrets/properties";
import { withInternalKeysStored } from "../runtime/internal-keys";

export const { check, diff, create, update, remove, read } = withInternalKeysStored(methods, INTERNAL_KEYS);
