/**
 * The trust flags `encrypt --cvm` and `trust` share: `--rpc-url` (the CVM's chain, like
 * `kms.rpcUrl`), `--kms-contract` (like `kms.contract`) and `--trusted-signer` (like
 * `kms.trustedSigner`), checked by the same rules as those inputs; a bad value is named by its
 * flag, never echoed (an RPC URL may hold an API key).
 */
import { canonicalAddress } from "../core/chain-anchor";
import { normalizeSigner } from "../core/kms-signature";
import { parseRpcUrl } from "../core/rpc-url";
import { type FlagSpec, UsageError } from "./args";
import type { TrustFlags } from "./trust";

/** The flags, for `parseFlags`. */
export const TRUST_FLAG_SPECS: Record<keyof TrustFlags, FlagSpec> = {
  rpcUrl: { names: ["--rpc-url"], value: "the http(s) URL of a JSON-RPC node of the CVM's chain" },
  contract: { names: ["--kms-contract"], value: "the KMS contract's address (0x + 40 hex digits)" },
  trustedSigner: { names: ["--trusted-signer"], value: "the KMS signer's public key (hex)" },
};

const RULES: Record<keyof TrustFlags, { valid: (v: string) => boolean; rule: string }> = {
  rpcUrl: { valid: (v) => parseRpcUrl(v) !== undefined, rule: "must be an http(s) URL" },
  contract: {
    valid: (v) => /^0x/i.test(v) && canonicalAddress(v) !== undefined,
    rule: "must be a 20-byte address (0x + 40 hex digits)",
  },
  trustedSigner: {
    valid: (v) => normalizeSigner(v) !== undefined,
    rule: "must be a secp256k1 public key in hex (33-byte compressed or 65-byte uncompressed)",
  },
};

/** The trust flags among parsed `flags`, each given at most once and checked. */
export function trustFlags(flags: ReadonlyArray<readonly [string, string]>): TrustFlags {
  const out: TrustFlags = {};
  for (const key of Object.keys(TRUST_FLAG_SPECS) as Array<keyof TrustFlags>) {
    const given = flags.filter(([k]) => k === key);
    const name = TRUST_FLAG_SPECS[key].names[0];
    if (given.length > 1) throw new UsageError(`${name} given twice`);
    const value = given[0]?.[1].trim();
    if (value === undefined) continue;
    if (!RULES[key].valid(value)) throw new UsageError(`${name} ${RULES[key].rule} (the value is not shown)`);
    out[key] = value;
  }
  return out;
}
