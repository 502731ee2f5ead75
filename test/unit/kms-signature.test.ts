import { kmsPublicKey, signKey, verifyKeySignature } from "../../provider/core/kms-signature";

// Upstream fixture: repo Dstack-TEE/dstack, sdk/js/src/__tests__/verify-env-encrypt-public-key.test.ts.
const UPSTREAM = {
  appId: "00".repeat(20),
  publicKey: "e33a1832c6562067ff8f844a61e51ad051f1180b66ec2551fb0251735f3ee90a",
  signature:
    "8542c49081fbf4e03f62034f13fbf70630bdf256a53032e38465a27c36fd6bed7a5e7111652004aef37f7fd92fbfc1285212c4ae6a6154203a48f5e16cad2cef00",
  trustedSigner: "0x0217610d74cbd39b6143842c6d8bc310d79da1d82cc9d17f8876376221eda0c38f",
};

// KMS root key = 32 bytes of 0x11; signatures by the scheme of Dstack-TEE/dstack,
// dstack/kms/src/crypto.rs (`sign_message`, `sign_message_with_timestamp`), checked with
// @phala/dstack-sdk 0.5.8's verifyEnvEncryptPublicKey.
const KMS_SECRET = new Uint8Array(32).fill(0x11);
const KMS_PUBLIC = "034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa";
const APP_ID = "ab".repeat(20);
const ENV_KEY = "4b03687002c7e0f6e8eaabea3edc108de72a06d2c2b64a3e14c34883645c7127";
const LEGACY_SIG =
  "152c69a3c386e74d847b1dc3b56e8df4d037686f9328a3790d8f0461944fe8be381f9922a51a04b03bc790f20546e54ff0ade4b7e18b017ccdaf33d821f5044100";
const V1_TS = 1700000000;
const V1_SIG =
  "606985d0c2b6312afc52d77bb040981dea55aa501ed8bf75b4e0e009439ae3a62ab662e1a8b3f22dddd9df2ba5eb63a25431d08c72fd766993eedd05c6da27d300";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, "hex"));

describe("verifyKeySignature", () => {
  test("upstream legacy fixture verifies against its signer", () => {
    expect(verifyKeySignature(UPSTREAM)).toEqual({ ok: true, format: "legacy" });
  });

  test("the trusted signer may be given uncompressed or without 0x", () => {
    expect(
      verifyKeySignature({ ...UPSTREAM, trustedSigner: UPSTREAM.trustedSigner.slice(2).toUpperCase() }).ok,
    ).toBe(true);
  });

  test("research vectors: legacy and v1 (within the window)", () => {
    expect(kmsPublicKey(KMS_SECRET)).toBe(KMS_PUBLIC);
    const base = { appId: APP_ID, publicKey: ENV_KEY, trustedSigner: KMS_PUBLIC };
    expect(verifyKeySignature({ ...base, signature: LEGACY_SIG })).toEqual({ ok: true, format: "legacy" });
    expect(verifyKeySignature({ ...base, signature: V1_SIG, timestamp: V1_TS, now: V1_TS + 10 })).toEqual({
      ok: true,
      format: "v1",
    });
    expect(
      verifyKeySignature({ ...base, signature: V1_SIG, timestamp: BigInt(V1_TS), now: V1_TS - 60 }).ok,
    ).toBe(true);
  });

  test("signKey reproduces the KMS signatures byte for byte (RFC 6979)", () => {
    expect(signKey(KMS_SECRET, hex(APP_ID), hex(ENV_KEY))).toBe(LEGACY_SIG);
    expect(signKey(KMS_SECRET, hex(APP_ID), hex(ENV_KEY), BigInt(V1_TS))).toBe(V1_SIG);
  });

  test("a wrong signer is refused (a wrong message still recovers *some* key)", () => {
    const verdict = verifyKeySignature({
      appId: APP_ID,
      publicKey: ENV_KEY,
      signature: LEGACY_SIG,
      trustedSigner: UPSTREAM.trustedSigner,
    });
    expect(verdict).toMatchObject({ ok: false, reason: "signer-mismatch" });
  });

  test("a signature over another key, app or timestamp is refused", () => {
    const base = { appId: APP_ID, publicKey: ENV_KEY, trustedSigner: KMS_PUBLIC };
    const otherKey = `${ENV_KEY.slice(0, 63)}8`;
    expect(verifyKeySignature({ ...base, publicKey: otherKey, signature: LEGACY_SIG })).toMatchObject({
      ok: false,
    });
    expect(verifyKeySignature({ ...base, appId: "cd".repeat(20), signature: LEGACY_SIG })).toMatchObject({
      ok: false,
    });
    expect(
      verifyKeySignature({ ...base, signature: V1_SIG, timestamp: V1_TS + 1, now: V1_TS }),
    ).toMatchObject({ ok: false, reason: "signer-mismatch" });
    // A v1 signature presented as legacy does not verify.
    expect(verifyKeySignature({ ...base, signature: V1_SIG })).toMatchObject({ ok: false });
  });

  test("expired and future timestamps are refused", () => {
    const base = {
      appId: APP_ID,
      publicKey: ENV_KEY,
      trustedSigner: KMS_PUBLIC,
      signature: V1_SIG,
      timestamp: V1_TS,
    };
    expect(verifyKeySignature({ ...base, now: V1_TS + 301 })).toMatchObject({
      ok: false,
      reason: "timestamp-expired",
    });
    expect(verifyKeySignature({ ...base, now: V1_TS - 61 })).toMatchObject({
      ok: false,
      reason: "timestamp-in-future",
    });
    expect(verifyKeySignature({ ...base, now: V1_TS + 1000, maxAgeSeconds: 2000 }).ok).toBe(true);
  });

  test.each([
    ["app id", { appId: "abcd" }, "malformed-app-id"],
    ["public key", { publicKey: "00" }, "malformed-public-key"],
    ["signature length", { signature: LEGACY_SIG.slice(0, 128) }, "malformed-signature"],
    ["recovery byte 27", { signature: `${LEGACY_SIG.slice(0, 128)}1b` }, "malformed-signature"],
    ["trusted signer", { trustedSigner: "02abcd" }, "malformed-trusted-signer"],
    ["signer not on curve", { trustedSigner: `02${"ff".repeat(32)}` }, "malformed-trusted-signer"],
  ])("malformed %s", (_name, patch, reason) => {
    const input = {
      appId: APP_ID,
      publicKey: ENV_KEY,
      trustedSigner: KMS_PUBLIC,
      signature: LEGACY_SIG,
      ...patch,
    };
    expect(verifyKeySignature(input)).toMatchObject({ ok: false, reason });
  });

  test("an all-zero signature cannot be recovered", () => {
    const input = {
      appId: APP_ID,
      publicKey: ENV_KEY,
      trustedSigner: KMS_PUBLIC,
      signature: "00".repeat(65),
    };
    expect(verifyKeySignature(input)).toMatchObject({ ok: false, reason: "unrecoverable" });
  });
});
