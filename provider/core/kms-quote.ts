/**
 * The binding of a KMS's bootstrap quote to its keys (pure): when `kmsInfo().quote` of a
 * `DstackKms` contract holds a raw TDX quote, its report_data must be
 *
 *   keccak256("dstack-kms-genereted-keys-v1:" + hex(caPubkey) + ";" + hex(k256Pubkey) + ";") ‖ 32 zero bytes
 *
 * (lowercase hex without 0x; the upstream typo "genereted" is part of the string) — dstack
 * `kms/src/onboard_service.rs` (`attest_keys`) and `pad64` in
 * `kms/src/main_service/upgrade_authority.rs`, identical in v0.5.11 and master.
 *
 * Only what that check needs is parsed, from the TDX v4 quote layout (Intel "TDX DCAP Quote
 * Generation Library and Quote Verification Library" API reference, appendix "Version 4 Quote
 * Format"; the same offsets as dcap-qvl's `Header` and `TDReport10`): a 48-byte header
 * (version u16 LE = 4, attestation key type u16, TEE type u32 = 0x81 for TDX), a 584-byte TD
 * report body whose last 64 bytes (body offset 520) are report_data, then the u32 length of the
 * signature data, which must fit in the quote.
 *
 * NOT done here: DCAP verification of the quote (its signature chain to Intel's root, TCB
 * status, QE identity). That needs PCCS collateral fetched online and valid for about 30 days,
 * and, to prove anything, a measurement policy (MRTD, RTMR0-3 of an audited KMS image and
 * compose) that no source publishes; without both, any TDX owner can produce a genuine quote
 * binding keys of their choice. So `bound` means "the quote the contract owner stored names
 * these keys", not "a genuine KMS made them". A versioned dstack attestation (first byte 0x00,
 * or a msgpack map) is not a raw quote and gives `none`.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { encodeHex } from "./hex";

/** Header of a quote (bytes). */
export const QUOTE_HEADER_BYTES = 48;
/** The TD report body of a v4 TDX quote (TD 1.0; bytes). */
export const TD_REPORT_BODY_BYTES = 584;
/** Offset of report_data in the TD report body. */
export const REPORT_DATA_OFFSET_IN_BODY = 520;
/** TEE type of TDX in the header. */
export const TEE_TYPE_TDX = 0x81;
/** The prefix dstack's KMS hashes with its keys (typo included, as upstream). */
export const KMS_KEYS_PREFIX = "dstack-kms-genereted-keys-v1:";

/** What the binding check found. */
export type QuoteBinding =
  | { kind: "bound"; reportData: string }
  | { kind: "not-bound"; expected: string; actual: string; message: string }
  | { kind: "none"; message: string }
  | { kind: "malformed"; message: string };

/** The report_data a KMS with these keys puts in its bootstrap quote (64 bytes). */
export function expectedReportData(caPubkey: Uint8Array, k256Pubkey: Uint8Array): Uint8Array {
  const text = `${KMS_KEYS_PREFIX}${encodeHex(caPubkey)};${encodeHex(k256Pubkey)};`;
  const out = new Uint8Array(64);
  out.set(keccak_256(new TextEncoder().encode(text)), 0);
  return out;
}

/**
 * report_data of a raw v4 TDX quote, or why there is none: `none` for an empty value or
 * anything that is not a raw quote of version 3 to 5 (a versioned attestation; v3 and v5 quotes
 * are not read), `malformed` for a v4 quote that is not TDX or is cut short.
 */
export function quoteReportData(
  quote: Uint8Array,
): { ok: true; reportData: Uint8Array } | { ok: false; kind: "none" | "malformed"; message: string } {
  if (quote.length === 0) return { ok: false, kind: "none", message: "the contract holds no quote" };
  if (quote.length < 2) return { ok: false, kind: "none", message: "the quote is not a raw TDX quote" };
  const view = new DataView(quote.buffer, quote.byteOffset, quote.byteLength);
  const version = view.getUint16(0, true);
  if (version < 3 || version > 5) {
    return {
      ok: false,
      kind: "none",
      message: "the quote is not a raw TDX quote (a versioned attestation?)",
    };
  }
  if (version !== 4) {
    return {
      ok: false,
      kind: "none",
      message: `a version ${version} quote is not read (only v4 TDX quotes)`,
    };
  }
  const bodyEnd = QUOTE_HEADER_BYTES + TD_REPORT_BODY_BYTES;
  if (quote.length < bodyEnd + 4) {
    return { ok: false, kind: "malformed", message: `the v4 quote is cut short (${quote.length} bytes)` };
  }
  const teeType = view.getUint32(4, true);
  if (teeType !== TEE_TYPE_TDX) {
    return {
      ok: false,
      kind: "malformed",
      message: `the v4 quote is not a TDX quote (TEE type 0x${teeType.toString(16)})`,
    };
  }
  const signatureLength = view.getUint32(bodyEnd, true);
  if (quote.length < bodyEnd + 4 + signatureLength) {
    return { ok: false, kind: "malformed", message: "the v4 quote's signature data runs past its end" };
  }
  const start = QUOTE_HEADER_BYTES + REPORT_DATA_OFFSET_IN_BODY;
  return { ok: true, reportData: quote.slice(start, start + 64) };
}

/** Whether `quote` binds `caPubkey` and `k256Pubkey` by the dstack KMS formula (module header). */
export function kmsQuoteBinding(
  quote: Uint8Array,
  caPubkey: Uint8Array,
  k256Pubkey: Uint8Array,
): QuoteBinding {
  const parsed = quoteReportData(quote);
  if (!parsed.ok) return { kind: parsed.kind, message: parsed.message };
  const expected = encodeHex(expectedReportData(caPubkey, k256Pubkey));
  const actual = encodeHex(parsed.reportData);
  if (expected === actual) return { kind: "bound", reportData: actual };
  return {
    kind: "not-bound",
    expected,
    actual,
    message:
      "the quote's report_data does not bind kmsInfo().caPubkey and k256Pubkey (dstack KMS bootstrap formula)",
  };
}
