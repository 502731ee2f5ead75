/**
 * The hand-written ABI of the KMS anchor (provider/api/chain/abi.ts): selectors recomputed with
 * keccak-256, round trips of `(bytes,bytes,bytes,bytes)` over generated values, and strict
 * refusal of malformed answers (offsets and lengths outside the answer, dirty padding, a bool
 * that is not 0 or 1).
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import fc from "fast-check";
import {
  AbiError,
  decodeBool,
  decodeBytesTuple,
  decodeKmsInfo,
  encodeBytesTuple,
  encodeRegisteredAppsCall,
  returnData,
  SELECTORS,
} from "../../provider/api/chain/abi";

const selector = (signature: string): string =>
  Buffer.from(keccak_256(new TextEncoder().encode(signature)).slice(0, 4)).toString("hex");

const word = (n: number): Uint8Array => {
  const w = new Uint8Array(32);
  new DataView(w.buffer).setUint32(28, n, false);
  return w;
};
const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));

test("the selectors are keccak-256 of the DstackKms signatures", () => {
  expect(SELECTORS).toEqual({
    kmsInfo: selector("kmsInfo()"),
    registeredApps: selector("registeredApps(address)"),
    gatewayAppId: selector("gatewayAppId()"),
    owner: selector("owner()"),
  });
});

test("registeredApps(address) call data: the selector and the address left-padded to a word", () => {
  expect(encodeRegisteredAppsCall("0x" + "ab".repeat(20))).toBe(
    `0xa6c4cce9${"00".repeat(12)}${"ab".repeat(20)}`,
  );
  expect(() => encodeRegisteredAppsCall("ab".repeat(19))).toThrow(AbiError);
});

test("four byte strings survive encode and decode, whatever their lengths", () => {
  const bytes = fc.uint8Array({ maxLength: 200 }).map((b) => Uint8Array.from(b));
  fc.assert(
    fc.property(bytes, bytes, bytes, bytes, (a, b, c, d) => {
      const info = decodeKmsInfo(encodeBytesTuple([a, b, c, d]));
      expect(
        [info.k256Pubkey, info.caPubkey, info.quote, info.eventlog].map((x) =>
          Buffer.from(x).toString("hex"),
        ),
      ).toEqual([a, b, c, d].map((x) => Buffer.from(x).toString("hex")));
    }),
    { seed: 1901, numRuns: 200 },
  );
});

test("a kmsInfo answer as solc lays it out decodes to the exact key", () => {
  const key = Uint8Array.from(Buffer.from(`02${"11".repeat(32)}`, "hex"));
  const data = cat(
    word(128),
    word(224),
    word(256),
    word(288),
    word(33),
    key,
    new Uint8Array(31),
    word(0),
    word(0),
    word(0),
  );
  const info = decodeKmsInfo(data);
  expect(Buffer.from(info.k256Pubkey).toString("hex")).toBe(`02${"11".repeat(32)}`);
  expect(info.caPubkey.length + info.quote.length + info.eventlog.length).toBe(0);
});

describe("malformed answers are errors", () => {
  const valid = encodeBytesTuple([
    new Uint8Array(33).fill(2),
    new Uint8Array(3),
    new Uint8Array(0),
    new Uint8Array(0),
  ]);
  const mutate = (f: (d: Uint8Array) => void): Uint8Array => {
    const copy = Uint8Array.from(valid);
    f(copy);
    return copy;
  };
  test.each([
    ["empty", new Uint8Array(0), /shorter than its 4 offsets/],
    ["not whole words", valid.slice(0, valid.length - 1), /not whole 32-byte words/],
    ["offset outside", mutate((d) => d.set(word(4096), 0)), /offset 0 points outside/],
    ["offset into the head", mutate((d) => d.set(word(64), 32)), /offset 1 does not point past the head/],
    ["unaligned offset", mutate((d) => d.set(word(129), 0)), /offset 0 does not point past the head/],
    ["huge offset", mutate((d) => (d[0] = 1)), /offset 0 is out of range/],
    ["length past the end", mutate((d) => d.set(word(4000), 128)), /bytes 0 run past the end/],
    ["huge length", mutate((d) => (d[130] = 1)), /length 0 is out of range/],
    ["dirty padding", mutate((d) => (d[128 + 32 + 33] = 1)), /bytes 0 have non-zero padding/],
  ])("%s", (_name, data, message) => {
    expect(() => decodeBytesTuple(data, 4)).toThrow(message);
  });

  test("a bool is exactly one word holding 0 or 1", () => {
    expect(decodeBool(word(1))).toBe(true);
    expect(decodeBool(word(0))).toBe(false);
    expect(() => decodeBool(word(2))).toThrow(/not 0 or 1/);
    expect(() => decodeBool(cat(new Uint8Array([1]), new Uint8Array(30), new Uint8Array([1])))).toThrow(
      /not 0 or 1/,
    );
    expect(() => decodeBool(cat(word(1), word(0)))).toThrow(/must be 32 bytes/);
    expect(() => decodeBool(new Uint8Array(0))).toThrow(/must be 32 bytes/);
  });

  test("return data must be 0x-prefixed hex of whole bytes", () => {
    expect(returnData("0x0a")).toEqual(new Uint8Array([10]));
    expect(() => returnData("0a")).toThrow(AbiError);
    expect(() => returnData("0x0")).toThrow(AbiError);
    expect(() => returnData("0xzz")).toThrow(AbiError);
    expect(() => returnData(12)).toThrow(AbiError);
  });
});
