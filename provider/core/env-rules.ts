/**
 * The key and size rules an env must pass before anything is encrypted or sent (docs/installation-configuration.md).
 * The limits are the dstack guest's (the dstack guest's limits: dstack-util `parse_env_file.rs`,
 * `system_setup.rs`): a blob the guest would reject fails the boot, so it is refused here, at
 * `check`, during preview. Every failure names the key and the rule, never a value.
 */

/** Key names the guest accepts (the dstack guest's limits). */
export const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_KEY_BYTES = 255;
export const MAX_VALUE_BYTES = 128 * 1024;
export const MAX_ENTRIES = 1024;
export const MAX_TOTAL_BYTES = 1024 * 1024;
/** The `.encrypted-env` file limit; the blob is the plaintext plus 60 bytes (epk, IV, tag). */
export const MAX_BLOB_BYTES = 256 * 1024;
const ENVELOPE_OVERHEAD = 32 + 12 + 16;

/** Exported by the pre-launch script itself; a user value would be overwritten (Phala's default pre-launch script). */
export const RESERVED_KEYS = ["DSTACK_APP_ID", "DSTACK_GATEWAY_DOMAIN", "DSTACK_APP_DOMAIN"] as const;
/** The pre-launch script's registry login variables (Phala's default pre-launch script). */
export const DOCKER_KEYS = [
  "DSTACK_DOCKER_REGISTRY",
  "DSTACK_DOCKER_USERNAME",
  "DSTACK_DOCKER_PASSWORD",
] as const;
export const AWS_KEYS = [
  "DSTACK_AWS_ACCESS_KEY_ID",
  "DSTACK_AWS_SECRET_ACCESS_KEY",
  "DSTACK_AWS_REGION",
  "DSTACK_AWS_ECR_REGISTRY",
  "DSTACK_AWS_SESSION_TOKEN",
] as const;

/** A check failure in the shape Pulumi's `check` returns. */
export interface Failure {
  property: string;
  reason: string;
}

export interface EnvRuleOptions {
  /** True when a `registry` input supplies the registry variables. */
  registry?: boolean;
  /** The registry variables that will be merged into the env (names are checked, not values). */
  registryEnv?: Readonly<Record<string, unknown>>;
  /** The engine's placeholder for values unknown during preview; such values skip value rules. */
  unknown?: string;
}

const utf8 = (s: string): number => Buffer.byteLength(s, "utf8");
const isRegistryKey = (key: string): boolean =>
  key.startsWith("DSTACK_DOCKER_") || key.startsWith("DSTACK_AWS_");

/**
 * The closest name the guest accepts: every other character an underscore, and a leading
 * underscore before a leading digit (`BAD-KEY` → `BAD_KEY`, `2FA.SECRET` → `_2FA_SECRET`);
 * undefined when the name has no letter or digit to keep. Key names are not secret.
 */
export function closestValidKey(key: string): string | undefined {
  if (!/[A-Za-z0-9]/.test(key)) return undefined;
  const replaced = key.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[0-9]/.test(replaced) ? `_${replaced}` : replaced;
}

function renameHint(key: string): string {
  const closest = closestValidKey(key);
  return closest === undefined || utf8(closest) > MAX_KEY_BYTES ? "" : `; rename it, e.g. to ${closest}`;
}

/** Validates an env map (plus the registry variables merged into it). Returns every failure. */
export function validateEnv(env: Readonly<Record<string, unknown>>, options: EnvRuleOptions = {}): Failure[] {
  const failures: Failure[] = [];
  const keys = Object.keys(env);
  for (const key of keys) {
    const property = `env.${displayKey(key)}`;
    if (!KEY_PATTERN.test(key)) {
      failures.push({
        property,
        reason: `key names must match ^[A-Za-z_][A-Za-z0-9_]*$ (the guest refuses to boot otherwise)${renameHint(key)}`,
      });
    } else if (utf8(key) > MAX_KEY_BYTES) {
      failures.push({
        property,
        reason: `key names are limited to ${MAX_KEY_BYTES} bytes; this one is ${utf8(key)}`,
      });
    }
    if ((RESERVED_KEYS as readonly string[]).includes(key)) {
      failures.push({ property, reason: "is set by the pre-launch script at boot; choose another name" });
    }
    if (options.registry && isRegistryKey(key)) {
      failures.push({
        property,
        reason:
          "registry variables come from the `registry` input; remove the hand-set DSTACK_DOCKER_*/DSTACK_AWS_* key",
      });
    }
    const value = env[key];
    if (options.unknown !== undefined && value === options.unknown) continue;
    if (typeof value !== "string") {
      failures.push({
        property,
        reason: "values must be strings (convert numbers and booleans with String())",
      });
    } else if (utf8(value) > MAX_VALUE_BYTES) {
      failures.push({
        property,
        reason: `values are limited to ${MAX_VALUE_BYTES / 1024} KiB (${MAX_VALUE_BYTES} bytes); this one is ${utf8(value)} bytes`,
      });
    }
  }

  const all: Record<string, unknown> = { ...env, ...(options.registryEnv ?? {}) };
  const names = Object.keys(all);
  if (names.length > MAX_ENTRIES) {
    failures.push({
      property: "env",
      reason: `at most ${MAX_ENTRIES} entries (registry variables included); found ${names.length}`,
    });
  }
  if (!options.registry) failures.push(...registryConsistency(names));
  const sizes = envSizes(all);
  if (sizes.total > MAX_TOTAL_BYTES) {
    failures.push({
      property: "env",
      reason: `keys and values together exceed 1 MiB, the guest's limit: they are ${sizes.total} bytes`,
    });
  }
  if (sizes.blob > MAX_BLOB_BYTES) {
    failures.push({
      property: "env",
      reason: `the encrypted env would be ${sizes.blob} bytes; the guest accepts at most ${MAX_BLOB_BYTES} (256 KiB)`,
    });
  }
  return failures;
}

/** Hand-set registry variables: complete, and one registry only (the script logs in to one). */
function registryConsistency(names: readonly string[]): Failure[] {
  const failures: Failure[] = [];
  const has = (k: string): boolean => names.includes(k);
  const docker = names.some((k) => k.startsWith("DSTACK_DOCKER_"));
  const aws = names.some((k) => k.startsWith("DSTACK_AWS_"));
  if (docker && aws) {
    failures.push({
      property: "env",
      reason:
        "DSTACK_DOCKER_* and DSTACK_AWS_* are both set: the pre-launch script logs in to one private registry only",
    });
  }
  if (docker && (!has("DSTACK_DOCKER_USERNAME") || !has("DSTACK_DOCKER_PASSWORD"))) {
    failures.push({
      property: "env",
      reason:
        "DSTACK_DOCKER_USERNAME and DSTACK_DOCKER_PASSWORD must be set together (or use the `registry` input)",
    });
  }
  const awsRequired = AWS_KEYS.filter((k) => k !== "DSTACK_AWS_SESSION_TOKEN");
  if (aws && !awsRequired.every(has)) {
    failures.push({
      property: "env",
      reason: `ECR login needs all of ${awsRequired.join(", ")} (or use the \`registry\` input)`,
    });
  }
  return failures;
}

/** Sizes the guest checks: cumulative key+value bytes, and the encrypted blob length. */
export function envSizes(env: Readonly<Record<string, unknown>>): { total: number; blob: number } {
  let total = 0;
  const entries: Array<{ key: string; value: string }> = [];
  for (const [key, value] of Object.entries(env)) {
    const text = typeof value === "string" ? value : "";
    total += utf8(key) + utf8(text);
    entries.push({ key, value: text });
  }
  return { total, blob: utf8(JSON.stringify({ env: entries })) + ENVELOPE_OVERHEAD };
}

/** A key as it may appear in a message: names are not secret, but cap odd ones. */
function displayKey(key: string): string {
  const printable = key.replace(/[^\x20-\x7e]/g, "?");
  return printable.length > 64 ? `${printable.slice(0, 61)}...` : printable;
}

/**
 * Whether a CVM's allow-list (`allowed_envs`, the names the guest accepts) names exactly the
 * given env keys: an allow-list that is another set changes with the next push.
 */
export function sameSet(a: readonly string[], b: ReadonlySet<string>): boolean {
  return a.length === b.size && a.every((k) => b.has(k));
}
