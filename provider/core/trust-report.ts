/**
 * The report of `cvm-secrets trust` (pure): the chain of trust of one CVM's env-encryption key —
 * what the API resolved, where the chain anchor read and the signer came from — and each check
 * with its status: `ok`, `failed`, or `not-checked` and why. Rendered as text lines or JSON; the
 * command fails when any check that ran failed. It holds public values only (ids, addresses,
 * public keys, an RPC URL's origin), never a secret.
 */

/** The checks, in the order they are reported. */
export const TRUST_CHECKS = [
  "chain-id",
  "contract",
  "kms-signer",
  "registered",
  "key-signature",
  "quote-binding",
] as const;

/** One check's name. */
export type TrustCheckName = (typeof TRUST_CHECKS)[number];

/** One check of the report. */
export interface TrustCheck {
  check: TrustCheckName;
  status: "ok" | "failed" | "not-checked";
  /** What was found, what failed, or why the check did not run. */
  detail: string;
}

/** Where the signer the key's signature is checked against came from. */
export type SignerSource = "trusted-signer" | "chain" | "api";

/** The chain of trust of one CVM. */
export interface TrustReport {
  cvm: { id: string; name: string };
  app: string;
  kms: { onChain: boolean; type?: string; id?: string; slug?: string };
  /** Where the chain anchor reads: chain id, RPC origin, contract, and each one's source. */
  chain?: { id: number; rpc: string; rpcFrom: string; contract: string; contractFrom: string };
  /** The signer (compressed hex) when known, and its source; `block` for a chain signer. */
  signer?: { source: SignerSource; value?: string; block?: number };
  checks: TrustCheck[];
}

/** Whether every check that ran passed. */
export function trustPassed(report: TrustReport): boolean {
  return report.checks.every((c) => c.status !== "failed");
}

/** The report as JSON (with `ok`), one document. */
export function renderTrustJson(report: TrustReport): string {
  return `${JSON.stringify({ ok: trustPassed(report), ...report }, null, 2)}\n`;
}

const STATUS_TEXT = { ok: "ok", failed: "FAILED", "not-checked": "not checked" } as const;

/** The report as text: the facts, then one line per check, then the result. */
export function renderTrustText(report: TrustReport): string {
  const { cvm, kms, chain, signer } = report;
  const kmsNames = [kms.type ?? "unknown type", kms.id && `id ${kms.id}`, kms.slug && `slug ${kms.slug}`];
  const lines = [
    `chain of trust of CVM ${cvm.id} (${cvm.name})`,
    `  app      ${report.app}`,
    `  KMS      ${kmsNames.filter(Boolean).join(", ")} (${kms.onChain ? "on-chain" : "off-chain"})`,
  ];
  if (chain) {
    lines.push(
      `  chain    ${chain.id} via ${chain.rpc} (${chain.rpcFrom})`,
      `  contract ${chain.contract} (${chain.contractFrom})`,
    );
  }
  lines.push(`  signer   ${signerText(signer)}`);
  const width = Math.max(...TRUST_CHECKS.map((c) => c.length));
  for (const c of report.checks) {
    lines.push(`${STATUS_TEXT[c.status].padEnd(11)}  ${c.check.padEnd(width)}  ${c.detail}`);
  }
  const failed = report.checks.filter((c) => c.status === "failed").length;
  const skipped = report.checks.filter((c) => c.status === "not-checked").length;
  lines.push(
    failed > 0
      ? `FAILED: ${failed} of ${report.checks.length - skipped} checks that ran failed`
      : `ok: ${report.checks.length - skipped} checks passed, ${skipped} not checked`,
  );
  return `${lines.join("\n")}\n`;
}

function signerText(signer: TrustReport["signer"]): string {
  if (!signer) return "none trusted (see the checks)";
  const value = signer.value ? `${signer.value} ` : "";
  if (signer.source === "trusted-signer") return `${value}from --trusted-signer`;
  if (signer.source === "chain") return `${value}from the chain (kmsInfo() at block ${signer.block})`;
  return "from the Phala Cloud API (GET /kms/{kms_id}/info), which also serves the key";
}
