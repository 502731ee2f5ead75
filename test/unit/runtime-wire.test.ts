/**
 * Pulumi's wire vocabulary (provider/runtime/wire.ts, core/pulumi-wire.ts): the sentinels are the
 * ones the installed Pulumi SDK writes, and the helpers built on them.
 */
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import {
  containsUnknown,
  isSecretWire,
  SECRET_SIG,
  SECRET_SIG_KEY,
  secretWire,
  UNKNOWN,
} from "../../provider/runtime/wire";

describe("Pulumi's wire sentinels", () => {
  it("are the SDK's own (sdk/nodejs/runtime/rpc.ts)", () => {
    expect(UNKNOWN).toBe(rpc.unknownValue);
    expect(SECRET_SIG_KEY).toBe(rpc.specialSigKey);
    expect(SECRET_SIG).toBe(rpc.specialSecretSig);
  });
});

describe("secret wire form", () => {
  it("wraps a value the way the engine reads a secret", () => {
    expect(secretWire({ a: 1 })).toEqual({ [rpc.specialSigKey]: rpc.specialSecretSig, value: { a: 1 } });
    expect(isSecretWire(secretWire("v"))).toBe(true);
  });

  it("recognises only the secret signature", () => {
    expect(isSecretWire({ [SECRET_SIG_KEY]: "another signature", value: 1 })).toBe(false);
    expect(isSecretWire({ value: 1 })).toBe(false);
    expect(isSecretWire([secretWire(1)])).toBe(false);
    expect(isSecretWire(null)).toBe(false);
    expect(isSecretWire(SECRET_SIG)).toBe(false);
  });
});

describe("containsUnknown", () => {
  it("finds the sentinel at any depth, and nothing else", () => {
    expect(containsUnknown(UNKNOWN)).toBe(true);
    expect(containsUnknown({ a: [1, { b: UNKNOWN }] })).toBe(true);
    expect(containsUnknown({ a: [1, { b: "known" }], c: null })).toBe(false);
    expect(containsUnknown(undefined)).toBe(false);
  });
});
