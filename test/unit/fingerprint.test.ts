import fc from "fast-check";
import { compareFingerprints, envDigest, fingerprint, fingerprintEnv } from "../../provider/core/fingerprint";

const SALT_A = "aa".repeat(32);
const SALT_B = "bb".repeat(32);

describe("fingerprints", () => {
  test("keyed: the same value gives unrelated fingerprints under different salts and keys", () => {
    expect(fingerprint("K", "v", SALT_A)).not.toBe(fingerprint("K", "v", SALT_B));
    expect(fingerprint("K", "v", SALT_A)).not.toBe(fingerprint("L", "v", SALT_A));
    expect(fingerprint("K", "v", SALT_A)).toMatch(/^fp-[0-9a-f]{16}$/);
  });

  test("the key/value boundary is unambiguous", () => {
    expect(fingerprint("AB", "C", SALT_A)).not.toBe(fingerprint("A", "BC", SALT_A));
  });

  test("never contains the value", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 4 }),
        (v) => !fingerprint("K", v, SALT_A).includes(v) || v.length < 4,
      ),
    );
  });

  test("digest is order-insensitive and changes with any value", () => {
    const a = fingerprintEnv({ A: "1", B: "2" }, SALT_A);
    const b = fingerprintEnv({ B: "2", A: "1" }, SALT_A);
    expect(envDigest(a)).toBe(envDigest(b));
    expect(envDigest(fingerprintEnv({ A: "1", B: "3" }, SALT_A))).not.toBe(envDigest(a));
  });

  test("compareFingerprints lists added, changed, removed", () => {
    const before = fingerprintEnv({ A: "1", B: "2", C: "3" }, SALT_A);
    const after = fingerprintEnv({ A: "1", B: "x", D: "4" }, SALT_A);
    expect(compareFingerprints(before, after)).toEqual({ added: ["D"], changed: ["B"], removed: ["C"] });
  });
});
