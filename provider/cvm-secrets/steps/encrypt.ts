/**
 * Step 5 of an apply: encrypt the env once per app (the key is per app, `GET /kms/{kms}/pubkey/{app_id}`),
 * and the empty env used to clear a CVM. Keys in sorted order, so equal envs give equal plaintext.
 * Every blob carries the resource's owner tag (core/envelope-facts.ts `taggedBy`) when its URN is
 * known: v2, made with its owner key, when it has one.
 */
import { type Owner, taggedBy } from "../../core/envelope-facts";
import { lazy } from "../../runtime/lazy";

export interface AppBlobs {
  /** Per app id: the env, encrypted to the app's key. */
  env: Map<string, string>;
  /** Per app id: the empty env, encrypted to the app's key. */
  cleared: Map<string, string>;
}

export function encryptPerApp(
  env: Readonly<Record<string, string>>,
  envKeys: readonly string[],
  keyByApp: ReadonlyMap<string, string>,
  owner: Owner | undefined,
): AppBlobs {
  const tagged = taggedBy(owner);
  const sorted = Object.fromEntries(envKeys.map((k) => [k, env[k]!]));
  const blobs: AppBlobs = { env: new Map(), cleared: new Map() };
  for (const [appId, key] of keyByApp) {
    blobs.env.set(appId, lazy.envelope().encryptEnv(sorted, key, tagged));
    blobs.cleared.set(appId, lazy.envelope().encryptEnv({}, key, tagged));
  }
  return blobs;
}
