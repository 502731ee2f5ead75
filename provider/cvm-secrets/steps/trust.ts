/**
 * Step 3 of an apply: the key each app's env is encrypted to. For on-chain KMS apps (or with
 * `kms.trustedSigner`) the key must carry a valid signature by the KMS signer; for every app the
 * first key seen is pinned in state and a silent change is refused.
 */
import { createHash } from "node:crypto";
import type { CvmInfo, KmsListing, PhalaClient } from "../../api/phala";
import type { KeyAnchor } from "../../core/key-anchor";
import { CvmSecretsError, ErrorCodes } from "../../errors";
import { lazy } from "../../runtime/lazy";
import { resolvedId } from "../forms";
import { byResolvedId } from "../migrate";
import type { CvmSecretsInputs, CvmSecretsOutputs } from "../state";
import { chainSigner } from "./chain-anchor";

/** The keys {@link pinKeys} settled on, and what each was checked against, per app id. */
export interface PinnedKeys {
  keyByApp: Map<string, string>;
  anchorByApp: Map<string, KeyAnchor>;
}

/**
 * Verifies (on-chain KMS) and pins the key of every app among `infos`. Returns the key per app
 * id and its anchor (state records both, and each CVM's app id: apply/settle.ts). A key anchored
 * on chain in state pins the chain, contract and signer too (core/key-anchor.ts `anchorPin`). Throws before any write on an untrusted or changed key,
 * and on a CVM the API now places in another app than the one pinned for it (an API that lies
 * about `app_id` would otherwise get the env encrypted to a key of its choosing).
 *
 * Every pin is keyed and checked by resolved `cvm_…` id, whatever form `cvms` names the CVM in
 * (name, VM UUID, `app_<hex>`, `cvm_…`): `infos` is keyed by resolved id, `ids` maps each typed
 * form to it, and the app pins of a state written before ids were resolved (keyed by the typed
 * form) are re-keyed the same way (migrate.ts `byResolvedId`).
 */
export async function pinKeys(
  client: PhalaClient,
  infos: ReadonlyMap<string, CvmInfo>,
  old: CvmSecretsOutputs,
  inputs: CvmSecretsInputs,
  ids: Readonly<Record<string, string>> | undefined = inputs.cvmIds,
): Promise<PinnedKeys> {
  const keyByApp = new Map<string, string>();
  const anchorByApp = new Map<string, KeyAnchor>();
  const allowKeyChange = inputs.kms?.allowKeyChange === true;
  const map = { ...old.cvmIds, ...ids };
  const targets = new Set(inputs.cvms.map((form) => resolvedId(form, map)));
  const pinnedApps = byResolvedId(old.appIds, map);
  for (const [cvm, info] of infos) {
    // A CVM leaving `cvms` only gets an empty env: it may be cleared whatever the API says.
    const pinnedApp = targets.has(cvm) ? pinnedApps[cvm] : undefined;
    if (pinnedApp && pinnedApp !== info.appId) throw appChangedError(cvm, pinnedApp, info.appId);
  }
  for (const info of infos.values()) {
    if (keyByApp.has(info.appId)) continue;
    const { key: live, anchor } = await anchoredKey(client, info, inputs);
    const pin = lazy.keyAnchor().anchorPin(info.appId, old.keyAnchors?.[info.appId], anchor, allowKeyChange);
    if (!pin.ok) throw new CvmSecretsError(ErrorCodes.KEY_CHANGED, pin.message, pin.details);
    const pinned = old.encryptionPublicKeys?.[info.appId];
    if (pinned && pinned !== live && !allowKeyChange) {
      throw keyChangedError(info.appId, pinned, live);
    }
    keyByApp.set(info.appId, live);
    anchorByApp.set(info.appId, anchor);
  }
  return { keyByApp, anchorByApp };
}

/** What {@link trustedKey} needs of the inputs. */
export interface TrustOptions {
  kms?: { trustedSigner?: string };
}

/**
 * The app's env-encryption key (lowercase hex).
 *
 * - Phala KMS without `kms.trustedSigner`: the key the API reports for the CVM.
 * - On-chain KMS, or any KMS with `kms.trustedSigner`: the key from
 *   `GET /kms/{kms_type}/pubkey/{app_id}` (as the `phala` CLI fetches it), whose secp256k1
 *   signature must recover to the signer. The signer is `kms.trustedSigner`, else the one the API
 *   documents for the KMS (`GET /kms/{kms_id}/info` → `rpc.bootstrap_info.k256_pubkey`) — which
 *   proves only that the key and the signer come from the same API. A key the CVM reports must
 *   equal the signed one; when it reports none (usual for on-chain KMS), the signed key is used.
 */
export async function trustedKey(client: PhalaClient, info: CvmInfo, options: TrustOptions): Promise<string> {
  return (await anchoredKey(client, info, options)).key;
}

/**
 * {@link trustedKey}, with what the key was checked against: `unsigned` (the Phala KMS key
 * as the API reports it), `trustedSigner`, `chain` (with chain, contract, block and quote
 * binding) or `api` (the API's documented signer).
 */
export async function anchoredKey(
  client: PhalaClient,
  info: CvmInfo,
  options: TrustOptions,
): Promise<{ key: string; anchor: KeyAnchor }> {
  const reported = info.encryptionPublicKey;
  const trustedSigner = options.kms?.trustedSigner;
  if (!info.kms.onChain && !trustedSigner) {
    if (!reported) {
      throw new CvmSecretsError(
        ErrorCodes.API_ERROR,
        `the API reports no env-encryption key for the app of ${info.name}: is KMS enabled for it?`,
      );
    }
    return { key: reported, anchor: { anchor: "unsigned", quote: "none" } };
  }
  const kms = await locateKms(client, info);
  const { signer, anchor } = await signerOf(client, info, options, kms);
  const signed = await client.getKmsPubkey(kms.ref, info.appId);
  const verdict = lazy.kms().verifyKeySignature({
    appId: info.appId,
    publicKey: signed.publicKey,
    signature: signed.signature,
    trustedSigner: signer,
  });
  if (!verdict.ok) {
    throw new CvmSecretsError(
      ErrorCodes.UNTRUSTED_KEY,
      `app ${info.appId}: the env-encryption key is not signed by the ${trustedSigner ? "trusted" : "KMS"} signer (${verdict.reason}: ${verdict.message}); nothing was sent`,
      { appId: info.appId, reason: verdict.reason },
    );
  }
  const key = signed.publicKey.replace(/^0x/i, "").toLowerCase();
  if (reported && reported !== key) {
    throw new CvmSecretsError(
      ErrorCodes.UNTRUSTED_KEY,
      `app ${info.appId}: the CVM's encryption key differs from the KMS-signed key; nothing was sent`,
      { appId: info.appId },
    );
  }
  return { key, anchor };
}

/** The signer to check the key against, in order: `kms.trustedSigner`, the chain, the API. */
async function signerOf(
  client: PhalaClient,
  info: CvmInfo,
  options: TrustOptions,
  kms: { ref: string; id?: string },
): Promise<{ signer: string; anchor: KeyAnchor }> {
  const { signerFingerprint } = lazy.keyAnchor();
  const signerAnchor = (anchor: "trustedSigner" | "api", signer: string): KeyAnchor => ({
    anchor,
    signer: signerFingerprint(lazy.kms().normalizeSigner(signer) ?? signer),
    quote: "none",
  });
  const trustedSigner = options.kms?.trustedSigner;
  if (trustedSigner) return { signer: trustedSigner, anchor: signerAnchor("trustedSigner", trustedSigner) };
  const onChain = await chainSigner(info, options);
  if (onChain) return onChain;
  const documented = await documentedSigner(client, info, kms);
  return { signer: documented, anchor: signerAnchor("api", documented) };
}

/**
 * The KMS of a CVM: `ref` names it in `/kms/{ref}/pubkey/…` — its `kms_type` (the server maps
 * the type to its KMS), else the slug or id the 2025-10-28 shape carries, else the KMS of
 * `GET /kms` with the CVM's chain id and KMS contract address. `id` is its `kms_…` id, when known.
 */
async function locateKms(client: PhalaClient, info: CvmInfo): Promise<{ ref: string; id?: string }> {
  const type = info.kms.type && info.kms.type !== "legacy" ? info.kms.type : undefined;
  const direct = type ?? info.kms.slug ?? info.kms.id;
  if (direct) return { ref: direct, id: info.kms.id };
  const listed = await findListedKms(client, info);
  return { ref: listed.id, id: listed.id };
}

async function findListedKms(client: PhalaClient, info: CvmInfo): Promise<KmsListing> {
  const { chainId, contractAddress } = info.kms;
  const match = (await client.listKms()).find(
    (k) =>
      contractAddress !== undefined &&
      k.contractAddress === contractAddress &&
      (chainId === undefined || k.chainId === chainId),
  );
  if (!match) {
    throw new CvmSecretsError(
      ErrorCodes.UNTRUSTED_KEY,
      `app ${info.appId}: no KMS in GET /kms matches chain ${chainId ?? "?"} and KMS contract ${contractAddress ?? "?"}; ` +
        "set kms.trustedSigner to the KMS signer's public key; nothing was sent",
      { appId: info.appId },
    );
  }
  return match;
}

/** The signer the API documents for the KMS (`GET /kms/{kms_id}/info`). */
async function documentedSigner(
  client: PhalaClient,
  info: CvmInfo,
  kms: { ref: string; id?: string },
): Promise<string> {
  const id = kms.id ?? (await findListedKms(client, info)).id;
  const signer = await client.getKmsSigner(id);
  if (!signer) {
    throw new CvmSecretsError(
      ErrorCodes.UNTRUSTED_KEY,
      `app ${info.appId}: the API reports no signer for KMS ${id} (GET /kms/{kms_id}/info); set kms.trustedSigner; nothing was sent`,
      { appId: info.appId },
    );
  }
  return signer;
}

function appChangedError(cvm: string, pinned: string, live: string): CvmSecretsError {
  return new CvmSecretsError(
    ErrorCodes.APP_CHANGED,
    `CVM ${cvm}: the API now reports app ${live}, but this resource pinned app ${pinned} for it; nothing was sent. ` +
      "A CVM does not change its app: treat the API as untrusted. If the CVM was really replaced, remove it from `cvms`, run `pulumi up`, then add it again.",
    { cvm, pinned, live },
  );
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
