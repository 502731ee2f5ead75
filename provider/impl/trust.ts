/**
 * Step 3 of an apply: the key each app's env is encrypted to. For on-chain KMS apps (or with
 * `kms.trustedSigner`) the key must carry a valid signature by the KMS signer; for every app the
 * first key seen is pinned in state and a silent change is refused.
 */
import { createHash } from "node:crypto";
import type { CvmInfo, PhalaClient } from "../api/phala-client";
import { CvmSecretsError, ErrorCodes } from "../errors";
import type { CvmSecretsInputs, CvmSecretsOutputs } from "./cvm-secrets-state";
import { lazy } from "./lazy";

/**
 * Verifies (on-chain KMS) and pins the key of every app among `infos`; records app ids and keys
 * in `outs`. Returns the key per app id. Throws before any write on an untrusted or changed key.
 */
export async function pinKeys(
  client: PhalaClient,
  infos: ReadonlyMap<string, CvmInfo>,
  old: CvmSecretsOutputs,
  inputs: CvmSecretsInputs,
  outs: CvmSecretsOutputs,
): Promise<Map<string, string>> {
  const keyByApp = new Map<string, string>();
  for (const [cvm, info] of infos) {
    outs.appIds[cvm] = info.appId;
    if (keyByApp.has(info.appId)) continue;
    const live = await trustedKey(client, info, inputs);
    const pinned = old.encryptionPublicKeys?.[info.appId];
    if (pinned && pinned !== live && !inputs.kms?.allowKeyChange) {
      throw keyChangedError(info.appId, pinned, live);
    }
    keyByApp.set(info.appId, live);
    outs.encryptionPublicKeys[info.appId] = live;
  }
  return keyByApp;
}

/** The app's encryption key, verified against the KMS signer for on-chain KMS apps. */
export async function trustedKey(
  client: PhalaClient,
  info: CvmInfo,
  inputs: CvmSecretsInputs,
): Promise<string> {
  const key = info.encryptionPublicKey;
  if (!key) {
    throw new CvmSecretsError(
      ErrorCodes.API_ERROR,
      `the API reports no env-encryption key for the app of ${info.name}: is KMS enabled for it?`,
    );
  }
  if (!info.kms.onChain && !inputs.kms?.trustedSigner) return key;
  const signer = inputs.kms?.trustedSigner ?? info.kms.k256Pubkey;
  if (!signer) {
    throw new CvmSecretsError(
      ErrorCodes.UNTRUSTED_KEY,
      `app ${info.appId}: the KMS signer is unknown (no kms_info.k256_pubkey); set kms.trustedSigner`,
    );
  }
  const signed = await client.getKmsPubkey(info.kms.slug ?? info.kms.id ?? "", info.appId);
  const verdict = lazy.kms().verifyKeySignature({
    appId: info.appId,
    publicKey: signed.publicKey,
    signature: signed.signature,
    trustedSigner: signer,
  });
  if (!verdict.ok) {
    throw new CvmSecretsError(
      ErrorCodes.UNTRUSTED_KEY,
      `app ${info.appId}: the env-encryption key is not signed by the trusted KMS signer (${verdict.reason}: ${verdict.message}); nothing was sent`,
      { appId: info.appId, reason: verdict.reason },
    );
  }
  if (signed.publicKey.replace(/^0x/i, "").toLowerCase() !== key.toLowerCase()) {
    throw new CvmSecretsError(
      ErrorCodes.UNTRUSTED_KEY,
      `app ${info.appId}: the CVM's encryption key differs from the KMS-signed key; nothing was sent`,
      { appId: info.appId },
    );
  }
  return key;
}

function keyChangedError(appId: string, pinned: string, live: string): CvmSecretsError {
  const fp = (k: string): string => createHash("sha256").update(k).digest("hex").slice(0, 16);
  return new CvmSecretsError(
    ErrorCodes.KEY_CHANGED,
    `app ${appId}: the env-encryption key on the server changed (pinned ${fp(pinned)}, now ${fp(live)}); nothing was sent. ` +
      "If the app was re-keyed on purpose, set kms: { allowKeyChange: true } for one `pulumi up`; otherwise treat the API as untrusted.",
    { appId, pinned: fp(pinned), live: fp(live) },
  );
}
