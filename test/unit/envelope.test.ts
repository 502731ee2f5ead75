import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { ENVELOPE_OVERHEAD, encryptEnv, envPlaintext, toEnvPairs } from "../../provider/core/envelope";
import { CvmSecretsError, ErrorCodes } from "../../provider/errors";
import { guestDecrypt, nodeEncrypt, x25519Public } from "../support/node-envelope";

// The dstack simulator's public test key (Dstack-TEE/dstack, sdk/simulator/appkeys.json) and fixed
// "random" inputs; the vectors follow the envelope of docs/encrypted-env-spec.md there (the
// algorithm of @phala/dstack-sdk's encryptEnvVars, sdk/js/src/encrypt-env-vars.ts), cross-checked
// by decrypting with Node's own X25519 and AES-GCM.
const RECIPIENT_SECRET = Buffer.from(
  "4f3cf0a19a0444674c8e51222afd395b8df9fad2ba3cd7956f640a4b3c046db6",
  "hex",
);
const RECIPIENT_PUBLIC = "4b03687002c7e0f6e8eaabea3edc108de72a06d2c2b64a3e14c34883645c7127";
const EPHEMERAL = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const IV = Buffer.from("a0a1a2a3a4a5a6a7a8a9aaab", "hex");
const fixedRandom = (n: number): Uint8Array => (n === 32 ? EPHEMERAL : IV);

const VECTORS: Array<[unknown, string]> = [
  [
    { FOO: "bar" },
    "07a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7ca0a1a2a3a4a5a6a7a8a9aaab06db47d022e357d00c93662ece1cab1f48f6344e68746b4da87504a43c4e94c24fd068e72c51f45fbfe4c928119090baaf668e8f23",
  ],
  [
    {},
    "07a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7ca0a1a2a3a4a5a6a7a8a9aaab06db47d022e357d02acc0e8186fb247c00f0fab1f6091117527b",
  ],
  [
    [
      ["API_KEY", "s3cr3t"],
      ["DSTACK_DOCKER_USERNAME", "alice"],
    ],
    "07a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7ca0a1a2a3a4a5a6a7a8a9aaab06db47d022e357d00c93662ece1cab1f4fe932330f13440ee82217e76a19938107d0668932cd5ac45045a39037a7a68f5818ac5600c5155b8418f35089631841ae695416b548c92113dbe93227b5185a9e06cf6555dfee54548168af9eaa82e4696fc693690443c6f4cf23bb46",
  ],
];

function expectCode(fn: () => unknown, code: string): CvmSecretsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CvmSecretsError);
    expect((err as CvmSecretsError).code).toBe(code);
    return err as CvmSecretsError;
  }
  throw new Error("expected an error");
}

describe("encryptEnv: the simulator-key vectors", () => {
  test.each(VECTORS)("vector %#", (env, expected) => {
    expect(encryptEnv(env as Record<string, string>, RECIPIENT_PUBLIC, { randomBytes: fixedRandom })).toBe(
      expected,
    );
  });

  test("each vector decrypts with the simulator's secret key (node:crypto)", () => {
    for (const [env, blob] of VECTORS) {
      const pairs = toEnvPairs(env as Record<string, string>);
      expect(guestDecrypt(blob, RECIPIENT_SECRET)).toEqual({ env: pairs });
    }
  });

  test("0x prefix and upper case on the key are accepted", () => {
    const [env, expected] = VECTORS[0]!;
    const key = `0X${RECIPIENT_PUBLIC.toUpperCase()}`;
    expect(encryptEnv(env as Record<string, string>, key, { randomBytes: fixedRandom })).toBe(expected);
  });

  test("{key, value} objects are accepted and keep their order", () => {
    const pairs = [
      { key: "API_KEY", value: "s3cr3t" },
      { key: "DSTACK_DOCKER_USERNAME", value: "alice" },
    ];
    expect(encryptEnv(pairs, RECIPIENT_PUBLIC, { randomBytes: fixedRandom })).toBe(VECTORS[2]![1]);
  });

  test("output is lowercase hex of length 2 * (60 + plaintext)", () => {
    const hex = encryptEnv({ A: "1" }, RECIPIENT_PUBLIC);
    expect(hex).toMatch(/^[0-9a-f]+$/);
    expect(hex.length).toBe(2 * (ENVELOPE_OVERHEAD + envPlaintext([{ key: "A", value: "1" }]).length));
    expect(hex.length).toBe(186); // 93 bytes, as @phala/dstack-sdk 0.5.8 encryptEnvVars produces
  });

  test("two encryptions of the same env differ (fresh ephemeral key and IV)", () => {
    expect(encryptEnv({ A: "1" }, RECIPIENT_PUBLIC)).not.toBe(encryptEnv({ A: "1" }, RECIPIENT_PUBLIC));
  });
});

describe("cross-check with node:crypto (independent implementation)", () => {
  test("node:crypto decrypts what encryptEnv produces, with a fresh recipient", () => {
    const secret = randomBytes(32);
    const pub = x25519Public(secret).toString("hex");
    const env = { DATABASE_URL: "postgres://u:p@h/db", EMPTY: "", UNICODE: "ключ 🔑" };
    expect(guestDecrypt(encryptEnv(env, pub), secret)).toEqual({
      env: Object.entries(env).map(([key, value]) => ({ key, value })),
    });
  });

  test("node:crypto encryption with the same randomness is byte-identical", () => {
    const env = { A: "1", B: "two" };
    const plaintext = envPlaintext(toEnvPairs(env));
    const ephemeral = randomBytes(32);
    const iv = randomBytes(12);
    const random = (n: number): Uint8Array => (n === 32 ? ephemeral : iv);
    const recipient = Buffer.from(RECIPIENT_PUBLIC, "hex");
    expect(encryptEnv(env, RECIPIENT_PUBLIC, { randomBytes: random })).toBe(
      nodeEncrypt(plaintext, recipient, ephemeral, iv),
    );
  });

  test("property: any env round-trips through the independent decryptor", () => {
    const secret = randomBytes(32);
    const pub = x25519Public(secret).toString("hex");
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,30}$/);
    fc.assert(
      fc.property(
        fc.dictionary(key, fc.string({ unit: "grapheme", maxLength: 64 }), { maxKeys: 20 }),
        (env) => {
          const decrypted = guestDecrypt(encryptEnv(env, pub), secret);
          expect(Object.fromEntries(decrypted.env.map((p) => [p.key, p.value]))).toEqual({ ...env });
        },
      ),
      { numRuns: 200 },
    );
  });

  test("a tampered ciphertext or tag is rejected by the decryptor", () => {
    const secret = randomBytes(32);
    const pub = x25519Public(secret).toString("hex");
    const hex = encryptEnv({ SECRET: "value" }, pub);
    const flip = (at: number): string => {
      const bytes = Buffer.from(hex, "hex");
      bytes[at] = (bytes[at] ?? 0) ^ 0x01;
      return bytes.toString("hex");
    };
    expect(() => guestDecrypt(flip(50), secret)).toThrow(); // ciphertext body
    expect(() => guestDecrypt(flip(hex.length / 2 - 1), secret)).toThrow(); // tag
    expect(() => guestDecrypt(flip(40), secret)).toThrow(); // IV
    expect(() => guestDecrypt(hex, randomBytes(32))).toThrow(); // wrong recipient
  });
});

describe("encryptEnv refuses bad input, naming the rule and never the value", () => {
  test.each([
    ["too short", "abcd"],
    ["too long", `${RECIPIENT_PUBLIC}00`],
    ["odd length", RECIPIENT_PUBLIC.slice(1)],
    ["not hex", `${RECIPIENT_PUBLIC.slice(0, 62)}zz`],
    ["base64", Buffer.from(RECIPIENT_PUBLIC, "hex").toString("base64")],
    ["empty", ""],
  ])("public key: %s", (_name, key) => {
    const err = expectCode(() => encryptEnv({ A: "1" }, key), ErrorCodes.INVALID_PUBLIC_KEY);
    expect(err.message).toMatch(/32 bytes/);
  });

  // Low-order points of Curve25519 (every clamped scalar maps them to zero): 0, 1, the order-8
  // points, and non-canonical encodings of them (p-1, p, p+1 reduce to low-order points).
  test.each([
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  ])("low-order public key %s gives an all-zero shared secret and is refused", (key) => {
    const err = expectCode(() => encryptEnv({ A: "1" }, key), ErrorCodes.INVALID_PUBLIC_KEY);
    expect(err.message).toMatch(/low-order/);
  });

  test("non-string values are refused, naming the key only", () => {
    const err = expectCode(
      () => encryptEnv({ PORT: 8080 } as unknown as Record<string, string>, RECIPIENT_PUBLIC),
      ErrorCodes.INVALID_INPUT,
    );
    expect(err.message).toContain('"PORT"');
    expect(err.message).not.toContain("8080");
  });

  test("duplicate keys in a list are refused, naming the key only", () => {
    const err = expectCode(
      () =>
        encryptEnv(
          [
            ["TOKEN", "first-secret"],
            ["TOKEN", "second-secret"],
          ],
          RECIPIENT_PUBLIC,
        ),
      ErrorCodes.INVALID_INPUT,
    );
    expect(err.message).toContain('"TOKEN"');
    expect(err.message).not.toMatch(/first-secret|second-secret/);
  });

  test("malformed list items are refused", () => {
    expectCode(
      () => encryptEnv([["ONLY_KEY"]] as unknown as Array<[string, string]>, RECIPIENT_PUBLIC),
      ErrorCodes.INVALID_INPUT,
    );
  });
});
