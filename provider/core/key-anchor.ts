/**
 * What an app's env-encryption key was checked against (pure), recorded per app in the
 * `keyAnchors` output, and the pin on it: once a key was anchored on chain, a later run must
 * read the same chain, contract and signer (and, at the pinned block, the same block hash), or is
 * refused before any write unless `kms.allowKeyChange` (issue 19). Fingerprints are those
 * keyChangedError prints: the first 16 hex digits of sha-256 of the value's canonical hex
 * (core/chain-anchor.ts `fingerprint`).
 */
import { fingerprint } from "./chain-anchor";
import type { QuoteBinding } from "./kms-quote";

/**
 * How a key was anchored: `trustedSigner` (signature checked against `kms.trustedSigner`),
 * `chain` (against `kmsInfo().k256Pubkey` of the trusted KMS contract), `api` (against the
 * signer the Phala Cloud API documents, which also serves the key), `unsigned` (no signature
 * checked at all: a Phala KMS key as the API reports it).
 */
export type AnchorKind = "trustedSigner" | "chain" | "api" | "unsigned";

/** One app's key anchor (public values only). */
export interface KeyAnchor {
  anchor: AnchorKind;
  /** The chain the signer was read from (`chain` only). */
  chainId?: number;
  /** The KMS contract (lowercase hex, no 0x; `chain` only). */
  contract?: string;
  /** The block the signer was read at (`chain` only). */
  block?: number;
  /**
   * That block's hash (lowercase hex, no 0x; `chain` only; absent in anchors recorded before it
   * was kept). The block is a finalized one, which no reorganisation replaces, so the pair stays
   * true and anyone can check it against another node or an explorer.
   */
  blockHash?: string;
  /** Fingerprint of the signer's compressed hex; absent for `unsigned`. */
  signer?: string;
  /** Whether the KMS contract's quote binds its keys (core/kms-quote.ts); `none` off chain. */
  quote: "bound" | "not-bound" | "none";
}

/** The fingerprint of a signer (compressed hex, as the KMS signature check uses it). */
export function signerFingerprint(signerHex: string): string {
  return fingerprint(signerHex.replace(/^0x/i, "").toLowerCase());
}

/** {@link KeyAnchor}'s `quote` from the binding check (malformed counts as not bound). */
export function quoteOf(binding: QuoteBinding): KeyAnchor["quote"] {
  if (binding.kind === "bound") return "bound";
  return binding.kind === "none" ? "none" : "not-bound";
}

/** The pin's decision: go on, or refuse with the message and its details. */
export type AnchorPinDecision =
  | { ok: true }
  | { ok: false; message: string; details: { appId: string; pinned: string; live: string } };

/**
 * Whether `live` keeps the chain anchor `pinned` in state for `appId`. Only a `chain` pin binds:
 * the live anchor must be the same chain, contract and signer (a `trustedSigner` naming the same
 * signer keeps it too); a different one, or a signer no longer read from the chain (`api`,
 * `unsigned`), is refused unless `allowKeyChange`. No pin (state of an earlier version, or a
 * non-chain anchor) never refuses here: the key pin still holds (steps/trust.ts).
 */
export function anchorPin(
  appId: string,
  pinned: KeyAnchor | undefined,
  live: KeyAnchor,
  allowKeyChange: boolean,
): AnchorPinDecision {
  if (pinned?.anchor !== "chain" || allowKeyChange) return { ok: true };
  const was = describe(pinned);
  const override = "set kms: { allowKeyChange: true } for one `pulumi up`";
  if (live.anchor !== "chain" && !(live.anchor === "trustedSigner" && live.signer === pinned.signer)) {
    return {
      ok: false,
      message:
        `app ${appId}: its KMS signer was pinned from the chain (${was}), but this run checked the key against ${source(live)}; nothing was sent. ` +
        `Restore the RPC URL for chain ${pinned.chainId ?? "?"} (cvm-secrets:rpcUrls or kms.rpcUrl), or, if the change is intended, ${override}.`,
      details: { appId, pinned: pinned.signer ?? "missing", live: live.signer ?? "missing" },
    };
  }
  if (live.anchor === "trustedSigner") return { ok: true };
  if (forkedAtPinnedBlock(pinned, live)) {
    return {
      ok: false,
      message:
        `app ${appId}: the RPC's finalized block ${live.block} has hash ${live.blockHash}, but the signer was pinned at that block with hash ${pinned.blockHash}; ` +
        "a finalized block is never replaced, so this RPC serves another chain history; nothing was sent. " +
        `Check the RPC URL for chain ${pinned.chainId ?? "?"}; if the chain itself was reset on purpose, ${override}.`,
      details: { appId, pinned: pinned.blockHash ?? "missing", live: live.blockHash ?? "missing" },
    };
  }
  if (live.chainId === pinned.chainId && live.contract === pinned.contract && live.signer === pinned.signer) {
    return { ok: true };
  }
  return {
    ok: false,
    message:
      `app ${appId}: the KMS signer on chain changed (pinned ${was}; now ${describe(live)}); nothing was sent. ` +
      `If the KMS was rotated on purpose, ${override}; otherwise treat the chain settings or the contract as untrusted.`,
    details: { appId, pinned: pinned.signer ?? "missing", live: live.signer ?? "missing" },
  };
}

/**
 * Whether `live` was read at the pinned block number of the same chain with another hash. Only an
 * equal number compares: a later run reads a newer finalized block, whose hash the pin cannot
 * know (an older one, from a lagging node behind a load balancer, is not evidence of a fork).
 */
function forkedAtPinnedBlock(pinned: KeyAnchor, live: KeyAnchor): boolean {
  return (
    live.chainId === pinned.chainId &&
    live.block === pinned.block &&
    pinned.blockHash !== undefined &&
    live.blockHash !== undefined &&
    live.blockHash !== pinned.blockHash
  );
}

function describe(a: KeyAnchor): string {
  return `signer ${a.signer ?? "missing"} on chain ${a.chainId ?? "?"}, contract ${a.contract ?? "?"}, at block ${a.block ?? "?"}`;
}

function source(a: KeyAnchor): string {
  if (a.anchor === "api") return "the signer the Phala Cloud API reports (no RPC URL for its chain)";
  if (a.anchor === "unsigned") return "no signature check at all";
  return `kms.trustedSigner ${a.signer ?? "missing"}`;
}
