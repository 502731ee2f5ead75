/**
 * CvmSecrets' input schema (provider/cvm-secrets/input-schema.ts) through the shape checker
 * (provider/core/input-shape.ts): the path and rule of each broken input, exactly as `check`
 * printed them before the schema existed; unknown values accepted anywhere; and, over any
 * input, no failure that quotes a value.
 */
import fc from "fast-check";
import { checkFields, checkShape, type Shape } from "../../provider/core/input-shape";
import { INPUT_SCHEMA } from "../../provider/cvm-secrets/input-schema";
import { UNKNOWN } from "../../provider/runtime/wire";

const valid = { cvms: ["cvm_a", "app_0123"], env: { A: "1" } };
const fails = (inputs: Record<string, unknown>) => checkFields(INPUT_SCHEMA, inputs, UNKNOWN);

describe("CvmSecrets input schema", () => {
  it("passes the smallest valid inputs and every optional input set right", () => {
    expect(fails(valid)).toEqual([]);
    expect(
      fails({
        ...valid,
        rollout: { maxUnavailable: 2, readyTimeoutSeconds: 600 },
        composeCheck: "warn",
        // secp256k1's generator point, compressed: a valid public key.
        kms: {
          trustedSigner: "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
          rpcUrl: "https://base.example/v2/key",
          contract: "0x2f83172A49584C017F2B256F0FB2Dca14126Ba9C",
        },
        transactionHash: `0x${"ab".repeat(32)}`,
      }),
    ).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, Array<{ property: string; reason: string }>]>([
    [
      "cvms missing",
      { env: {} },
      [{ property: "cvms", reason: "must be a list of CVM ids (cvm_…, app_<hex>, a UUID or a name)" }],
    ],
    ["cvms empty", { ...valid, cvms: [] }, [{ property: "cvms", reason: "must name at least one CVM" }]],
    [
      "a blank and a non-string CVM id",
      { ...valid, cvms: ["cvm_a", "  ", 7] },
      [
        { property: "cvms[1]", reason: "must be a non-empty CVM id" },
        { property: "cvms[2]", reason: "must be a non-empty CVM id" },
      ],
    ],
    [
      "env missing",
      { cvms: ["cvm_a"] },
      [{ property: "env", reason: "must be a map of variable names to string values" }],
    ],
    [
      "env a list",
      { ...valid, env: ["A=1"] },
      [{ property: "env", reason: "must be a map of variable names to string values" }],
    ],
    ["rollout a number", { ...valid, rollout: 3 }, [{ property: "rollout", reason: "must be an object" }]],
    [
      "rollout numbers out of range",
      { ...valid, rollout: { maxUnavailable: 0, readyTimeoutSeconds: 5 } },
      [
        { property: "rollout.maxUnavailable", reason: "must be a whole number of at least 1" },
        {
          property: "rollout.readyTimeoutSeconds",
          reason: "must be a whole number of seconds between 10 and 3600",
        },
      ],
    ],
    [
      "rollout fractions",
      { ...valid, rollout: { maxUnavailable: 1.5, readyTimeoutSeconds: 3601 } },
      [
        { property: "rollout.maxUnavailable", reason: "must be a whole number of at least 1" },
        {
          property: "rollout.readyTimeoutSeconds",
          reason: "must be a whole number of seconds between 10 and 3600",
        },
      ],
    ],
    [
      "composeCheck another word",
      { ...valid, composeCheck: "strict" },
      [{ property: "composeCheck", reason: 'must be "error", "warn" or "off"' }],
    ],
    ["kms a string", { ...valid, kms: "pinned" }, [{ property: "kms", reason: "must be an object" }]],
    [
      "kms.trustedSigner not a key",
      { ...valid, kms: { trustedSigner: "0xnotakey" } },
      [
        {
          property: "kms.trustedSigner",
          reason: "must be a secp256k1 public key in hex (33-byte compressed or 65-byte uncompressed)",
        },
      ],
    ],
    [
      "kms.rpcUrl not an http(s) URL, kms.contract not an address",
      { ...valid, kms: { rpcUrl: "wss://base.example/s3cr3t", contract: "0x2f83" } },
      [
        { property: "kms.rpcUrl", reason: "must be an http(s) URL of a JSON-RPC node of the apps' chain" },
        { property: "kms.contract", reason: "must be a KMS contract address written 0x + 40 hex digits" },
      ],
    ],
    [
      "transactionHash too short",
      { ...valid, transactionHash: "0xabc" },
      [
        {
          property: "transactionHash",
          reason: "must be a 32-byte transaction hash written 0x + 64 hex digits",
        },
      ],
    ],
  ])("%s", (_name, inputs, expected) => {
    expect(fails(inputs)).toEqual(expected);
  });

  it("accepts a value the engine does not know yet, wherever it stands", () => {
    expect(fails({ cvms: UNKNOWN, env: UNKNOWN, rollout: UNKNOWN, kms: UNKNOWN })).toEqual([]);
    expect(
      fails({
        cvms: ["cvm_a", UNKNOWN],
        env: {},
        rollout: { maxUnavailable: UNKNOWN },
        kms: { trustedSigner: UNKNOWN },
        composeCheck: UNKNOWN,
        transactionHash: UNKNOWN,
      }),
    ).toEqual([]);
  });

  it("leaves out an optional input only when it is absent, not when it is null", () => {
    expect(fails({ ...valid, rollout: null })).toEqual([
      { property: "rollout", reason: "must be an object" },
    ]);
  });

  it("never quotes a value: every failure's reason is one of the schema's rules", () => {
    const rules = new Set<string>();
    const collect = (shape: Shape): void => {
      rules.add(shape.reason);
      if (shape.kind === "list") {
        if (shape.empty) rules.add(shape.empty);
        collect(shape.of);
      }
      if (shape.kind === "object") for (const f of Object.values(shape.fields)) collect(f.shape);
    };
    for (const field of Object.values(INPUT_SCHEMA)) collect(field.shape);
    const anyInput = fc.dictionary(
      fc.constantFrom("cvms", "env", "rollout", "composeCheck", "kms", "transactionHash", "adopt"),
      fc.oneof(
        fc.jsonValue(),
        fc.record({ maxUnavailable: fc.jsonValue(), readyTimeoutSeconds: fc.jsonValue() }),
        fc.record({ trustedSigner: fc.jsonValue() }),
        fc.record({ rpcUrl: fc.oneof(fc.webUrl(), fc.jsonValue()), contract: fc.jsonValue() }),
        fc.array(fc.oneof(fc.string(), fc.constant(UNKNOWN), fc.integer())),
      ),
    );
    fc.assert(
      fc.property(anyInput, (inputs) => {
        for (const f of fails(inputs)) {
          expect(rules.has(f.reason)).toBe(true);
          expect(f.property).toMatch(/^[a-zA-Z]+(\[\d+\]|\.[a-zA-Z]+)*$/);
        }
      }),
      { seed: 20261206, numRuns: 300 },
    );
  });

  it("names list items by position and object fields by name", () => {
    const shape: Shape = {
      kind: "list",
      reason: "list",
      of: {
        kind: "object",
        reason: "object",
        fields: { n: { shape: { kind: "int", min: 0, max: 1, reason: "int" } } },
      },
    };
    expect(checkShape(shape, [{ n: 0 }, { n: 2 }, 3], "xs", UNKNOWN)).toEqual([
      { property: "xs[1].n", reason: "int" },
      { property: "xs[2]", reason: "object" },
    ]);
  });
});
