import { renderPrSummary, summarizePreview } from "../../provider/core/pr-summary";

const TYPE = "pulumi-nodejs:dynamic/cvm-secrets:CvmSecrets";
const urn = (name: string): string => `urn:pulumi:prod::app::${TYPE}::${name}`;
const SECRET_VALUES = ["sk_live_abc123", "postgres://user:pw@db/prod"];

function step(
  op: string,
  oldInputs?: Record<string, unknown>,
  newInputs?: Record<string, unknown>,
  oldOutputs = {},
) {
  return {
    op,
    urn: urn("api"),
    oldState: oldInputs && {
      type: TYPE,
      inputs: { ...oldInputs, __provider: "exports.handler = …" },
      outputs: oldOutputs,
    },
    newState: newInputs && { type: TYPE, inputs: { ...newInputs, __provider: "exports.handler = …" } },
  };
}

const base = {
  cvms: ["cvm_a", "cvm_b", "cvm_c"],
  env: { STRIPE_KEY: "[secret]", DATABASE_URL: "[secret]" },
  fingerprints: { STRIPE_KEY: "fp:11111111", DATABASE_URL: "fp:22222222" },
  rollout: { maxUnavailable: 1 },
};
const applied = { applied: { cvm_a: "d", cvm_b: "d", cvm_c: "d" } };

describe("summarizePreview", () => {
  test("a rotated secret is named, every CVM restarts", () => {
    const next = { ...base, fingerprints: { ...base.fingerprints, STRIPE_KEY: "fp:99999999" } };
    const [change] = summarizePreview({ steps: [step("update", base, next, applied)] });
    expect(change).toMatchObject({ name: "api", changed: ["STRIPE_KEY"], added: [], removed: [] });
    expect(change!.restarts).toEqual(["cvm_a", "cvm_b", "cvm_c"]);
  });

  test("keys added and removed", () => {
    const next = { ...base, fingerprints: { STRIPE_KEY: "fp:11111111", NEW_KEY: "fp:33333333" } };
    const [change] = summarizePreview({ steps: [step("update", base, next, applied)] });
    expect(change).toMatchObject({ added: ["NEW_KEY"], removed: ["DATABASE_URL"], changed: [] });
  });

  test("a replica added restarts only that CVM; a removed one restarts to be cleared", () => {
    const next = { ...base, cvms: ["cvm_a", "cvm_b", "cvm_d"] };
    const [change] = summarizePreview({ steps: [step("update", base, next, applied)] });
    expect(change).toMatchObject({
      cvmsAdded: ["cvm_d"],
      cvmsRemoved: ["cvm_c"],
      restarts: ["cvm_d", "cvm_c"],
    });
    const kept = summarizePreview({
      steps: [step("update", base, { ...next, retainOnRemove: true }, applied)],
    });
    expect(kept[0]!.restarts).toEqual(["cvm_d"]);
  });

  test("an unfinished rollout: only the CVMs not done restart", () => {
    const [change] = summarizePreview({
      steps: [step("update", base, base, { applied: { cvm_a: "d" } })],
    });
    expect(change!.restarts).toEqual(["cvm_b", "cvm_c"]);
  });

  test("unknown values during preview are reported as a change", () => {
    const { fingerprints: _, ...next } = base;
    const [change] = summarizePreview({ steps: [step("update", base, next, applied)] });
    expect(change).toMatchObject({ unknown: true, restarts: ["cvm_a", "cvm_b", "cvm_c"] });
  });

  test("create, delete, same", () => {
    expect(summarizePreview({ steps: [step("create", undefined, base)] })[0]).toMatchObject({
      op: "create",
      added: ["STRIPE_KEY", "DATABASE_URL"],
      restarts: base.cvms,
    });
    expect(summarizePreview({ steps: [step("delete", base, undefined)] })[0]).toMatchObject({
      op: "delete",
      removed: ["STRIPE_KEY", "DATABASE_URL"],
    });
    expect(summarizePreview({ steps: [step("same", base, base)] })).toEqual([]);
  });

  test("a delete restarts its CVMs at the pace it was given, and none with retainOnRemove", () => {
    const paced = { ...base, rollout: { maxUnavailable: 2 } };
    expect(summarizePreview({ steps: [step("delete", paced, undefined)] })[0]).toMatchObject({
      restarts: base.cvms,
      maxUnavailable: 2,
    });
    const kept = { ...base, retainOnRemove: true };
    expect(summarizePreview({ steps: [step("delete", kept, undefined)] })[0]!.restarts).toEqual([]);
  });
});

describe("renderPrSummary", () => {
  test("names keys and CVMs, never values or __provider", () => {
    const next = {
      ...base,
      env: { STRIPE_KEY: SECRET_VALUES[0], DATABASE_URL: SECRET_VALUES[1] }, // even if a value leaked into the JSON
      fingerprints: { ...base.fingerprints, STRIPE_KEY: "fp:99999999" },
    };
    const md = renderPrSummary({
      steps: [step("update", base, next, applied)],
      changeSummary: { update: 1, same: 2 },
    });
    expect(md.split("\n")[0]).toBe("### pulumi preview: 1 to update, 2 unchanged");
    expect(md).toContain("changed: `STRIPE_KEY`");
    expect(md).toContain("3 (1 at a time): `cvm_a`, `cvm_b`, `cvm_c`");
    for (const value of SECRET_VALUES) expect(md).not.toContain(value);
    expect(md).not.toContain("exports.handler");
    expect(md).not.toContain("fp:");
  });

  test("nothing to do", () => {
    expect(renderPrSummary({ steps: [step("same", base, base)] })).toContain("No CVM restarts");
  });
});
