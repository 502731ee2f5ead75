/**
 * The chain as the anchor of an on-chain KMS app's signer (used by steps/trust.ts, after
 * `kms.trustedSigner` and before the API's word): when an RPC URL is configured for the CVM's
 * chain (`kms.rpcUrl`, `cvm-secrets:rpcUrls`, `CVM_SECRETS_RPC_URL_<chainId>`), the signer is
 * `kmsInfo().k256Pubkey` of the trusted `DstackKms` contract at the finalized block, after the
 * checks of core/chain-anchor.ts; any failed check or unreadable chain refuses before any write.
 * Without an RPC URL for its chain, the caller keeps the API's signer, and this step warns once
 * per process and app that the signer came from the API.
 */
import type { KmsContractReading } from "../../api/chain";
import type { CvmInfo } from "../../api/phala";
import type { AnchorTarget, ChainAnchorVerdict, CvmKmsFacts } from "../../core/chain-anchor";
import type { KeyAnchor } from "../../core/key-anchor";
import { CvmSecretsError, ErrorCodes } from "../../errors";
import { chainSettings } from "../../runtime/chain-settings";
import { providerLog } from "../../runtime/engine-log";
import { lazy } from "../../runtime/lazy";

/** What the chain anchor reads of the resource's inputs. */
export interface ChainAnchorOptions {
  kms?: { trustedSigner?: string; rpcUrl?: string; contract?: string };
}

const warned = new Set<string>();

/** The API's facts about a CVM's KMS, as core/chain-anchor.ts takes them. */
export function kmsFacts(info: CvmInfo): CvmKmsFacts {
  return {
    appId: info.appId,
    onChain: info.kms.onChain,
    chainId: info.kms.chainId,
    contract: info.kms.contractAddress,
  };
}

/**
 * Where the anchor reads for this CVM (core/chain-anchor.ts `chainAnchorTarget` over the stack's
 * settings and the resource's `kms.rpcUrl`/`kms.contract`). Throws `CVMS_CONFIGURATION` on
 * malformed settings.
 */
export function anchorTarget(info: CvmInfo, options: ChainAnchorOptions): AnchorTarget {
  return lazy.chainAnchor().chainAnchorTarget(kmsFacts(info), {
    ...chainSettings(),
    rpcUrl: options.kms?.rpcUrl,
    contract: options.kms?.contract,
  });
}

/** What the chain answered for the app, and the verdict on it. */
export interface AnchorReading {
  reading: KmsContractReading;
  verdict: ChainAnchorVerdict;
}

/**
 * Reads the trusted contract for the app at the finalized block and decides on the answer.
 * Throws `CVMS_CHAIN_ERROR` when the chain cannot be read.
 */
export async function readAnchor(
  info: CvmInfo,
  target: Extract<AnchorTarget, { kind: "chain" }>,
): Promise<AnchorReading> {
  const chain = lazy.chain();
  const reading = await chain.readKmsContract(
    chain.jsonRpc({ url: target.rpcUrl }),
    target.contract,
    info.appId,
  );
  const verdict = lazy.chainAnchor().chainAnchorVerdict(kmsFacts(info), target, {
    chainId: reading.chainId,
    k256Pubkey: reading.kmsInfo.k256Pubkey,
    registered: reading.registered,
    block: reading.block,
  });
  return { reading, verdict };
}

/** A signer read from the chain, and the anchor record of a key checked against it. */
export interface ChainSigned {
  /** Compressed hex. */
  signer: string;
  anchor: KeyAnchor;
}

/**
 * The app's KMS signer (compressed hex) read from the chain, with its anchor (chain, contract,
 * block and its hash, signer fingerprint, and whether `kmsInfo().quote` binds the keys), or
 * undefined when the anchor does not apply (not an on-chain app, or no RPC URL for its chain). Throws
 * `CVMS_UNTRUSTED_KEY` on a failed check, `CVMS_CHAIN_ERROR` when the chain cannot be read,
 * `CVMS_CONFIGURATION` on malformed settings — each before anything is sent.
 */
export async function chainSigner(
  info: CvmInfo,
  options: ChainAnchorOptions,
): Promise<ChainSigned | undefined> {
  const target = anchorTarget(info, options);
  if (target.kind === "none") {
    if (target.reason === "no-rpc" && !warned.has(info.appId)) {
      warned.add(info.appId);
      providerLog().warn(
        `app ${info.appId}: its KMS signer comes from the Phala Cloud API, which also serves the key; ` +
          `set cvm-secrets:rpcUrls for chain ${info.kms.chainId ?? "?"} (or kms.rpcUrl) to read it from the KMS contract on chain`,
      );
    }
    return undefined;
  }
  if (target.kind === "refuse") {
    throw new CvmSecretsError(ErrorCodes.UNTRUSTED_KEY, `${target.message}; nothing was sent`, {
      appId: info.appId,
      check: target.check,
    });
  }
  const { reading, verdict } = await readAnchor(info, target);
  if (!verdict.ok) {
    throw new CvmSecretsError(ErrorCodes.UNTRUSTED_KEY, `${verdict.message}; nothing was sent`, {
      appId: info.appId,
      check: verdict.check,
      expected: verdict.expected,
      actual: verdict.actual,
    });
  }
  const { quote, caPubkey, k256Pubkey } = reading.kmsInfo;
  const { quoteOf, signerFingerprint } = lazy.keyAnchor();
  return {
    signer: verdict.signer,
    anchor: {
      anchor: "chain",
      chainId: verdict.chainId,
      contract: verdict.contract,
      block: verdict.block.number,
      blockHash: verdict.block.hash.replace(/^0x/, ""),
      signer: signerFingerprint(verdict.signer),
      quote: quoteOf(lazy.kmsQuote().kmsQuoteBinding(quote, caPubkey, k256Pubkey)),
    },
  };
}
