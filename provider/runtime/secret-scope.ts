/**
 * The secret CVM ids (secret-ids.ts) of the provider call in progress, for the code that writes
 * messages: one dynamic-provider process serves several resources at once, so the ids live in
 * an `AsyncLocalStorage` scope opened by each provider method (cvm-secrets.ts), not in a global.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { CvmIdentity, SecretIds } from "./secret-ids";

const scope = new AsyncLocalStorage<SecretIds>();

/** Runs `fn` with `ids` as the secret ids of every message it causes. */
export function withSecretIds<T>(ids: SecretIds, fn: () => Promise<T>): Promise<T> {
  return scope.run(ids, fn);
}

/** A message with the secret CVM ids of the current call named by position. */
export function redactIds(message: string): string {
  return scope.getStore()?.redact(message) ?? message;
}

/** Records what the API said about a CVM asked for as `asked` (its other ids become secret too). */
export function learnCvm(asked: string, info: CvmIdentity): void {
  scope.getStore()?.learn(asked, info);
}
