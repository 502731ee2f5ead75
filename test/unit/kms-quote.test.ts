/** The KMS quote's report_data binding (provider/core/kms-quote.ts) over synthetic quotes. */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { expectedReportData, kmsQuoteBinding, quoteReportData } from "../../provider/core/kms-quote";
import { buildQuote } from "../support/tdx-quote";

const CA = Uint8Array.from({ length: 91 }, (_, i) => (i * 7 + 3) & 0xff);
const SIGNER = Uint8Array.from([0x03, ...Array.from({ length: 32 }, (_, i) => (i * 13 + 1) & 0xff)]);
const OTHER_SIGNER = Uint8Array.from([0x02, ...SIGNER.slice(1)]);
const OTHER_CA = Uint8Array.from(CA, (b, i) => (i === 90 ? b ^ 1 : b));

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

test("the formula: keccak256 of the prefixed lowercase hex of both keys, then 32 zero bytes", () => {
  const text = `dstack-kms-genereted-keys-v1:${hex(CA)};${hex(SIGNER)};`;
  const expected = new Uint8Array(64);
  expected.set(keccak_256(Buffer.from(text, "ascii")));
  expect(hex(expectedReportData(CA, SIGNER))).toBe(hex(expected));
});

test("a quote binding the signer and the CA key is bound, report_data read at offset 568", () => {
  const reportData = expectedReportData(CA, SIGNER);
  const quote = buildQuote({ reportData });
  expect(hex(quote.slice(568, 632))).toBe(hex(reportData));
  expect(kmsQuoteBinding(quote, CA, SIGNER)).toEqual({ kind: "bound", reportData: hex(reportData) });
});

test("another signer, another CA key, or a non-zero second half: not bound", () => {
  const quote = buildQuote({ reportData: expectedReportData(CA, SIGNER) });
  for (const [ca, signer] of [
    [CA, OTHER_SIGNER],
    [OTHER_CA, SIGNER],
  ] as const) {
    const verdict = kmsQuoteBinding(quote, ca, signer);
    expect(verdict.kind).toBe("not-bound");
    expect(verdict).toMatchObject({
      expected: hex(expectedReportData(ca, signer)),
      actual: hex(expectedReportData(CA, SIGNER)),
    });
  }
  const padded = expectedReportData(CA, SIGNER);
  padded[63] = 1;
  expect(kmsQuoteBinding(buildQuote({ reportData: padded }), CA, SIGNER).kind).toBe("not-bound");
});

test("truncated, non-TDX or with signature data past the end: malformed", () => {
  const whole = buildQuote({ reportData: expectedReportData(CA, SIGNER) });
  for (const cut of [4, 100, 600, 632, 635]) {
    expect(kmsQuoteBinding(whole.slice(0, cut), CA, SIGNER)).toEqual({
      kind: "malformed",
      message: `the v4 quote is cut short (${cut} bytes)`,
    });
  }
  expect(kmsQuoteBinding(whole.slice(0, whole.length - 1), CA, SIGNER).kind).toBe("malformed");
  expect(kmsQuoteBinding(buildQuote({ signatureLength: 1 << 20 }), CA, SIGNER).kind).toBe("malformed");
  expect(kmsQuoteBinding(buildQuote({ teeType: 0 }), CA, SIGNER)).toEqual({
    kind: "malformed",
    message: "the v4 quote is not a TDX quote (TEE type 0x0)",
  });
});

test("no quote, another version, or a versioned attestation: none", () => {
  const reportData = expectedReportData(CA, SIGNER);
  expect(kmsQuoteBinding(new Uint8Array(0), CA, SIGNER)).toEqual({
    kind: "none",
    message: "the contract holds no quote",
  });
  for (const version of [3, 5]) {
    expect(kmsQuoteBinding(buildQuote({ version, reportData }), CA, SIGNER)).toEqual({
      kind: "none",
      message: `a version ${version} quote is not read (only v4 TDX quotes)`,
    });
  }
  // SCALE V0 (first byte 0x00) and msgpack map (0x8N) versioned attestations.
  for (const first of [0x00, 0x84]) {
    const attestation = Uint8Array.from([first, 0, ...buildQuote({ reportData })]);
    expect(kmsQuoteBinding(attestation, CA, SIGNER).kind).toBe("none");
  }
  expect(quoteReportData(Uint8Array.from([4])).ok).toBe(false);
});
