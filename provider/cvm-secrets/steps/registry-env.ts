/**
 * The registry variables a CvmSecrets merges into the env the CVM sees: its own `registry`
 * input, else the stack-wide default pull credential (`cvm-secrets:defaultRegistry*`).
 */

import { lazy } from "../../runtime/lazy";
import { settings } from "../../runtime/settings";
import type { CvmSecretsInputs } from "../state";

/** A check failure: the input's path and the rule it breaks (never its value). */
export type Failure = { property: string; reason: string };

/** The env the CVM sees: the user's env plus the registry variables (or the stack default). */
export function effectiveEnv(inputs: Pick<CvmSecretsInputs, "env" | "registryEnv">): Record<string, string> {
  const registry = inputs.registryEnv ?? stackDefaultRegistry()?.env;
  return { ...(inputs.env ?? {}), ...(registry ?? {}) };
}

/** The stack-wide default credential's variables, normalised; undefined if unset or invalid. */
export function stackDefaultRegistry(): { registry: string; env: Record<string, string> } | undefined {
  const fallback = settings().defaultRegistry;
  if (!fallback) return undefined;
  const result = lazy.registry().defaultRegistryEnv(fallback);
  // An invalid default is reported by check with the config key and the rule; never used.
  return result.ok ? { registry: result.registry, env: result.env } : undefined;
}

/** Failures of the stack-wide default credential, for `check`. */
export function stackDefaultFailures(): Failure[] {
  const fallback = settings().defaultRegistry;
  if (!fallback) return [];
  const result = lazy.registry().defaultRegistryEnv(fallback);
  return result.ok ? [] : result.failures;
}
