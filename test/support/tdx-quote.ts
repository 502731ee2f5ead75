/**
 * Synthetic TDX quotes built byte by byte for the quote-binding tests: the v4 layout of the
 * Intel TDX DCAP quote (48-byte header, 584-byte TD report body with report_data at body offset
 * 520, u32 signature-data length, signature data). The signature data is filler: nothing here is
 * a genuine quote, and no third-party quote is vendored.
 */

/** Fields of a synthetic quote; every one has a default. */
export interface QuoteParts {
  version?: number;
  teeType?: number;
  reportData?: Uint8Array;
  signatureData?: Uint8Array;
  /** The signature-data length written in the quote (default: the real one). */
  signatureLength?: number;
}

/** A quote of version `version` (default 4) with `reportData` in its TD report body. */
export function buildQuote(parts: QuoteParts = {}): Uint8Array {
  const signature = parts.signatureData ?? new Uint8Array(64).fill(0x5a);
  const quote = new Uint8Array(48 + 584 + 4 + signature.length);
  const view = new DataView(quote.buffer);
  view.setUint16(0, parts.version ?? 4, true);
  view.setUint16(2, 2, true); // ECDSA-256-with-P-256
  view.setUint32(4, parts.teeType ?? 0x81, true);
  quote.set(new Uint8Array(16).fill(0x93), 12); // QE vendor id (filler)
  // The TD report body: distinct filler, so a wrong offset reads the wrong bytes.
  for (let i = 48; i < 48 + 520; i++) quote[i] = i & 0xff;
  quote.set(parts.reportData ?? new Uint8Array(64), 48 + 520);
  view.setUint32(48 + 584, parts.signatureLength ?? signature.length, true);
  quote.set(signature, 48 + 584 + 4);
  return quote;
}
