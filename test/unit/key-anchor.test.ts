/**
 * core/key-anchor.ts: the pin on a chain anchor (every case of the decision), the signer
 * fingerprint keyChangedError's formula gives, and the quote record.
 */
import { createHash } from "node:crypto";
import { anchorPin, type KeyAnchor, quoteOf, signerFingerprint } from "../../provider/core/key-anchor";

const APP = "app_0123";
const fp = (hex: string): string => createHash("sha256").update(hex).digest("hex").slice(0, 16);
const SIGNER_A = `02${"11".repeat(32)}`;
const SIGNER_B = `03${"22".repeat(32)}`;
const CONTRACT = "ab".repeat(20);
const HASH_A = "a1".repeat(32);
const HASH_B = "b2".repeat(32);
const chain = (over: Partial<KeyAnchor> = {}): KeyAnchor => ({
  anchor: "chain",
  chainId: 8453,
  contract: CONTRACT,
  block: 100,
  signer: fp(SIGNER_A),
  quote: "bound",
  ...over,
});

describe("signerFingerprint", () => {
  test("is sha-256 of the lowercase hex without 0x, first 16 hex digits (as keyChangedError prints keys)", () => {
    expect(signerFingerprint(SIGNER_A)).toBe(fp(SIGNER_A));
    expect(signerFingerprint(`0x${SIGNER_A.toUpperCase()}`)).toBe(fp(SIGNER_A));
    expect(signerFingerprint(SIGNER_A)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("quoteOf", () => {
  test("bound, not-bound (malformed too), none", () => {
    expect(quoteOf({ kind: "bound", reportData: "00" })).toBe("bound");
    expect(quoteOf({ kind: "not-bound", expected: "a", actual: "b", message: "m" })).toBe("not-bound");
    expect(quoteOf({ kind: "malformed", message: "m" })).toBe("not-bound");
    expect(quoteOf({ kind: "none", message: "m" })).toBe("none");
  });
});

describe("anchorPin", () => {
  const ok = { ok: true };
  test.each<[string, KeyAnchor | undefined, KeyAnchor]>([
    ["no pin (a state of an earlier version)", undefined, chain()],
    ["no pin, then an API anchor", undefined, { anchor: "api", signer: fp(SIGNER_B), quote: "none" }],
    [
      "an api pin does not bind the signer",
      { anchor: "api", signer: fp(SIGNER_A), quote: "none" },
      chain({ signer: fp(SIGNER_B) }),
    ],
    [
      "an unsigned pin does not bind",
      { anchor: "unsigned", quote: "none" },
      { anchor: "unsigned", quote: "none" },
    ],
    ["same chain, contract and signer at a later block", chain(), chain({ block: 250, quote: "none" })],
    [
      "kms.trustedSigner naming the pinned signer",
      chain(),
      { anchor: "trustedSigner", signer: fp(SIGNER_A), quote: "none" },
    ],
    ["the same block with the same hash", chain({ blockHash: HASH_A }), chain({ blockHash: HASH_A })],
    ["a later block (another hash)", chain({ blockHash: HASH_A }), chain({ block: 101, blockHash: HASH_B })],
    ["a pin recorded without the hash", chain(), chain({ blockHash: HASH_B })],
  ])("goes on: %s", (_name, pinned, live) => {
    expect(anchorPin(APP, pinned, live, false)).toEqual(ok);
  });

  test.each<[string, KeyAnchor, RegExp]>([
    ["another signer on chain", chain({ signer: fp(SIGNER_B), block: 300 }), /KMS signer on chain changed/],
    ["another chain", chain({ chainId: 1 }), /KMS signer on chain changed/],
    ["another contract", chain({ contract: "cd".repeat(20) }), /KMS signer on chain changed/],
    [
      "the API's signer (RPC URL removed)",
      { anchor: "api", signer: fp(SIGNER_A), quote: "none" },
      /Restore the RPC URL for chain 8453/,
    ],
    ["no signature check", { anchor: "unsigned", quote: "none" }, /no signature check at all/],
    [
      "kms.trustedSigner naming another signer",
      { anchor: "trustedSigner", signer: fp(SIGNER_B), quote: "none" },
      /kms.trustedSigner/,
    ],
  ])("refuses a chain pin against %s, unless allowKeyChange", (_name, live, message) => {
    const decision = anchorPin(APP, chain(), live, false);
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.message).toMatch(message);
    expect(decision.message).toContain(`app ${APP}`);
    expect(decision.message).toContain(`signer ${fp(SIGNER_A)}`);
    expect(decision.message).toContain("at block 100");
    expect(decision.message).toContain("allowKeyChange");
    expect(decision.message).toContain("nothing was sent");
    expect(decision.details).toEqual({ appId: APP, pinned: fp(SIGNER_A), live: live.signer ?? "missing" });
    expect(anchorPin(APP, chain(), live, true)).toEqual(ok);
  });

  test("a changed signer's message names both fingerprints and the new block", () => {
    const decision = anchorPin(APP, chain(), chain({ signer: fp(SIGNER_B), block: 300 }), false);
    expect(decision.ok || decision.message).toContain(
      `now signer ${fp(SIGNER_B)} on chain 8453, contract ${CONTRACT}, at block 300`,
    );
  });

  test("the pinned block read again with another hash: another chain history, refused unless allowKeyChange", () => {
    const pinned = chain({ blockHash: HASH_A });
    const live = chain({ blockHash: HASH_B });
    const decision = anchorPin(APP, pinned, live, false);
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.message).toContain(`finalized block 100 has hash ${HASH_B}`);
    expect(decision.message).toContain(`pinned at that block with hash ${HASH_A}`);
    expect(decision.message).toContain("nothing was sent");
    expect(decision.details).toEqual({ appId: APP, pinned: HASH_A, live: HASH_B });
    expect(anchorPin(APP, pinned, live, true)).toEqual(ok);
  });
});
