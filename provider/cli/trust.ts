/**
 * `cvm-secrets trust --cvm ID`: the chain of trust of one CVM's env-encryption key, checked by
 * the provider's own code — the chain anchor's target and reading (cvm-secrets/steps/chain-anchor.ts
 * over core/chain-anchor.ts and api/chain), the key's signature (cvm-secrets/steps/trust.ts
 * `trustedKey`, given the signer this command settled on) and the KMS quote's binding
 * (core/kms-quote.ts). Each check is reported, never thrown: the report (core/trust-report.ts)
 * says which ran, which failed, and which could not run and why.
 */
import type { CvmInfo, PhalaClient } from "../api/phala";
import { canonicalAddress, fingerprint } from "../core/chain-anchor";
import { kmsQuoteBinding } from "../core/kms-quote";
import { normalizeSigner } from "../core/kms-signature";
import { rpcOrigin } from "../core/rpc-url";
import type { SignerSource, TrustCheck, TrustCheckName, TrustReport } from "../core/trust-report";
import { type AnchorReading, anchorTarget, readAnchor } from "../cvm-secrets/steps/chain-anchor";
import { trustedKey } from "../cvm-secrets/steps/trust";

/** The command's trust flags (each optional). */
export interface TrustFlags {
  /** `--rpc-url`: the JSON-RPC node of the CVM's chain. */
  rpcUrl?: string;
  /** `--kms-contract`: the KMS contract to trust for the CVM's chain. */
  contract?: string;
  /** `--trusted-signer`: the KMS signer the key's signature must recover to. */
  trustedSigner?: string;
}

const CHAIN_CHECKS = ["chain-id", "contract", "kms-signer", "registered"] as const;
const VERDICT_CHECK = {
  "chain-id": "chain-id",
  contract: "contract",
  signer: "kms-signer",
  registered: "registered",
};

/**
 * Checks the chain of trust of `info` and reports it. Throws only on malformed settings
 * (`CVMS_CONFIGURATION`); every failed read or check is a line of the report.
 */
export async function checkTrust(
  client: PhalaClient,
  info: CvmInfo,
  flags: TrustFlags,
): Promise<TrustReport> {
  const checks: TrustCheck[] = [];
  const add = (check: TrustCheckName, status: TrustCheck["status"], detail: string): void => {
    checks.push({ check, status, detail });
  };
  const report: TrustReport = {
    cvm: { id: info.id, name: info.name },
    app: info.appId,
    kms: { onChain: info.kms.onChain, type: info.kms.type, id: info.kms.id, slug: info.kms.slug },
    checks,
  };
  const target = anchorTarget(info, { kms: { rpcUrl: flags.rpcUrl, contract: flags.contract } });
  let anchor: AnchorReading | undefined;
  /** Why the chain gave no signer, when it was meant to. */
  let chainFailure: string | undefined;

  if (target.kind === "none") {
    const chain = info.kms.chainId ?? "?";
    const why =
      target.reason === "not-on-chain"
        ? `the app's KMS (${info.kms.type ?? "unknown type"}) is not on a chain: there is no contract to read`
        : `no RPC URL for chain ${chain}: pass --rpc-url (or set CVM_SECRETS_RPC_URL_${chain})`;
    for (const c of CHAIN_CHECKS) add(c, "not-checked", why);
  } else if (target.kind === "refuse") {
    chainFailure = "the chain anchor could not be set up";
    const failing = target.check === "chain-unknown" ? "chain-id" : "contract";
    for (const c of CHAIN_CHECKS) {
      add(c, c === failing ? "failed" : "not-checked", c === failing ? target.message : chainFailure);
    }
  } else {
    report.chain = {
      id: target.chainId,
      rpc: rpcOrigin(target.rpcUrl),
      rpcFrom: target.rpcFrom === "resource" ? "--rpc-url" : `CVM_SECRETS_RPC_URL_${target.chainId}`,
      contract: target.contract,
      contractFrom: {
        resource: "--kms-contract",
        stack: "cvm-secrets:kmsContracts",
        default: "built-in table of Phala's contracts",
      }[target.contractFrom],
    };
    try {
      anchor = await readAnchor(info, target);
    } catch (err) {
      chainFailure = "the chain could not be read";
      add("chain-id", "failed", `${chainFailure}: ${err instanceof Error ? err.message : String(err)}`);
      for (const c of CHAIN_CHECKS.slice(1)) add(c, "not-checked", chainFailure);
    }
    if (anchor) chainFailure = chainChecks(info, anchor, add);
  }

  const trusted = flags.trustedSigner === undefined ? undefined : normalizeSigner(flags.trustedSigner);
  const chainOk = anchor?.verdict.ok ? anchor.verdict : undefined;
  let signer: { source: SignerSource; value?: string; block?: number } | undefined;
  if (trusted) signer = { source: "trusted-signer", value: trusted };
  else if (chainOk) signer = { source: "chain", value: chainOk.signer, block: chainOk.block.number };
  else if (info.kms.onChain && chainFailure === undefined) signer = { source: "api" };
  report.signer = signer;

  if (!signer) {
    add(
      "key-signature",
      "not-checked",
      chainFailure
        ? `no trusted signer: ${chainFailure}`
        : "a Phala-KMS app's key comes from the API unsigned by any trusted signer; pass --trusted-signer to require a KMS signature",
    );
  } else {
    try {
      const key = await trustedKey(client, info, { kms: { trustedSigner: signer.value } });
      add(
        "key-signature",
        "ok",
        `the app's key (fingerprint ${fingerprint(key)}) is signed by the ${SIGNER_NAME[signer.source]}`,
      );
    } catch (err) {
      // trustedKey calls any signer it is given "trusted": say which one this was.
      const message = err instanceof Error ? err.message : String(err);
      add("key-signature", "failed", `against the ${SIGNER_NAME[signer.source]}: ${message}`);
    }
  }
  add(...quoteCheck(anchor));
  return report;
}

const SIGNER_NAME = {
  "trusted-signer": "trusted signer",
  chain: "chain's KMS signer",
  api: "API's KMS signer",
};

/** The four chain lines from the verdict: ok before the failed check, not checked after it. */
function chainChecks(
  info: CvmInfo,
  { reading, verdict }: AnchorReading,
  add: (check: TrustCheckName, status: TrustCheck["status"], detail: string) => void,
): string | undefined {
  const failing = verdict.ok ? undefined : VERDICT_CHECK[verdict.check];
  const passed: Record<(typeof CHAIN_CHECKS)[number], string> = {
    "chain-id": `the RPC serves chain ${reading.chainId}`,
    contract: `the API's KMS contract ${canonicalAddress(info.kms.contractAddress ?? "") ?? "?"} is the trusted one`,
    "kms-signer": `kmsInfo().k256Pubkey at block ${reading.block.number} is a compressed secp256k1 key`,
    registered: `registeredApps(${info.appId}) is true at block ${reading.block.number}`,
  };
  let seen = false;
  for (const c of CHAIN_CHECKS) {
    if (c === failing) {
      seen = true;
      add(c, "failed", verdict.ok ? "" : verdict.message);
    } else add(c, seen ? "not-checked" : "ok", seen ? "an earlier chain check failed" : passed[c]);
  }
  return failing ? "a chain check failed" : undefined;
}

/** The quote-binding line: read from `kmsInfo()` when the chain was read. */
function quoteCheck(anchor: AnchorReading | undefined): [TrustCheckName, TrustCheck["status"], string] {
  if (!anchor) return ["quote-binding", "not-checked", "the KMS contract was not read"];
  if (!anchor.verdict.ok && anchor.verdict.check === "chain-id") {
    return ["quote-binding", "not-checked", "the RPC serves another chain: its kmsInfo() is not the KMS's"];
  }
  const { quote, caPubkey, k256Pubkey } = anchor.reading.kmsInfo;
  const binding = kmsQuoteBinding(quote, caPubkey, k256Pubkey);
  switch (binding.kind) {
    case "bound":
      return [
        "quote-binding",
        "ok",
        "kmsInfo().quote's report_data binds caPubkey and k256Pubkey (the quote itself is not DCAP-verified)",
      ];
    case "not-bound":
      return [
        "quote-binding",
        "failed",
        `${binding.message} (expected ${binding.expected.slice(0, 16)}…, got ${binding.actual.slice(0, 16)}…)`,
      ];
    case "malformed":
      return ["quote-binding", "failed", `kmsInfo().quote: ${binding.message}`];
    default:
      return [
        "quote-binding",
        "not-checked",
        `${binding.message}; kmsInfo() holds ${quote.length} quote bytes`,
      ];
  }
}
