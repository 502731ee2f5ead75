import fc from "fast-check";
import {
  carryFingerprints,
  compareFingerprints,
  envDigest,
  legacyFingerprint,
  nextFingerprint,
  nextGeneration,
} from "../../provider/core/fingerprint";

const SALT = "aa".repeat(32);

describe("fingerprints", () => {
  test("a token depends on resource, key and previous token only — never on a value", () => {
    const first = carryFingerprints("api", { PIN: "1234" });
    expect(first.PIN).toMatch(/^fp-[0-9a-f]{16}$/);
    // Any other value gives the same first token: nothing to test a guess against.
    fc.assert(fc.property(fc.string(), (v) => carryFingerprints("api", { PIN: v }).PIN === first.PIN));
    expect(first.PIN).toBe(nextFingerprint("api", "PIN", undefined, 1));
    expect(nextFingerprint("web", "PIN", undefined)).not.toBe(first.PIN);
    expect(nextFingerprint("api", "OTHER", undefined)).not.toBe(first.PIN);
  });

  test("unchanged keeps the token; changed or added gets the next one; preview and apply agree", () => {
    const before = carryFingerprints("api", { A: "1", B: "2" });
    const after = carryFingerprints(
      "api",
      { A: "1", B: "3", C: "4" },
      { env: { A: "1", B: "2" }, fingerprints: before },
    );
    expect(after.A).toBe(before.A);
    expect(after.B).toBe(nextFingerprint("api", "B", before.B, 1));
    expect(after.B).not.toBe(before.B);
    expect(after.C).toBe(nextFingerprint("api", "C", undefined, 1));
    // Deterministic: the same olds and news give the same tokens (check runs at preview and at up).
    expect(
      carryFingerprints("api", { A: "1", B: "3", C: "4" }, { env: { A: "1", B: "2" }, fingerprints: before }),
    ).toEqual(after);
    expect(compareFingerprints(before, after)).toEqual({ added: ["C"], changed: ["B"], removed: [] });
  });

  test("changing a value back still moves the token (the CVM must get the value again)", () => {
    const t0 = carryFingerprints("api", { A: "x" });
    const t1 = carryFingerprints("api", { A: "y" }, { env: { A: "x" }, fingerprints: t0 });
    const t2 = carryFingerprints("api", { A: "x" }, { env: { A: "y" }, fingerprints: t1 });
    expect(new Set([t0.A, t1.A, t2.A]).size).toBe(3);
  });

  test("upgrade from the HMAC design: unchanged values keep their old tokens, without plaintext too", () => {
    const old = { A: legacyFingerprint("A", "1", SALT), REG: legacyFingerprint("REG", "r", SALT) };
    // A's old plaintext is in the old inputs; REG (a stack default) only matches under the old salt.
    const next = carryFingerprints(
      "api",
      { A: "1", REG: "r" },
      { env: { A: "1" }, fingerprints: old, legacySalt: SALT },
    );
    expect(next).toEqual(old);
    const changed = carryFingerprints(
      "api",
      { A: "2", REG: "s" },
      { env: { A: "1" }, fingerprints: old, legacySalt: SALT },
    );
    expect(changed.A).toBe(nextFingerprint("api", "A", old.A, 1));
    expect(changed.REG).toBe(nextFingerprint("api", "REG", old.REG, 1));
  });

  test("without old plaintext or salt a key counts as changed (never silently kept)", () => {
    const t0 = carryFingerprints("api", { A: "1" });
    expect(carryFingerprints("api", { A: "1" }, { fingerprints: t0 }).A).not.toBe(t0.A);
  });

  test("digest is order-insensitive and changes with any token", () => {
    expect(envDigest({ A: "fp-1", B: "fp-2" })).toBe(envDigest({ B: "fp-2", A: "fp-1" }));
    expect(envDigest({ A: "fp-1", B: "fp-3" })).not.toBe(envDigest({ A: "fp-1", B: "fp-2" }));
  });

  test("the legacy HMAC's key/value boundary is unambiguous", () => {
    expect(legacyFingerprint("AB", "C", SALT)).not.toBe(legacyFingerprint("A", "BC", SALT));
  });

  test("a key removed and added back never gets its old token again; the generation counts changes", () => {
    const g0 = { fingerprints: {}, generation: undefined };
    const first = carryFingerprints("api", { A: "1", K: "k1" }, g0);
    const gen1 = nextGeneration(g0, first);
    expect(gen1).toBe(1);
    const removed = carryFingerprints(
      "api",
      { A: "1" },
      { env: { A: "1", K: "k1" }, fingerprints: first, generation: gen1 },
    );
    expect(removed).toEqual({ A: first.A });
    const gen2 = nextGeneration({ fingerprints: first, generation: gen1 }, removed);
    expect(gen2).toBe(2);
    const readded = carryFingerprints(
      "api",
      { A: "1", K: "k2" },
      { env: { A: "1" }, fingerprints: removed, generation: gen2 },
    );
    expect(readded.A).toBe(first.A);
    expect(readded.K).not.toBe(first.K);
    // Nothing changed: the generation stays.
    expect(nextGeneration({ fingerprints: readded, generation: 3 }, { ...readded })).toBe(3);
    // A malformed generation counts as 0.
    expect(nextGeneration({ fingerprints: {}, generation: "7" }, { A: "fp-x" })).toBe(1);
  });
});
