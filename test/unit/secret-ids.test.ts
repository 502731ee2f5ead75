/**
 * Secret CVM ids (provider/runtime/secret-ids.ts): which ids are secret, how a message names them,
 * which outputs become secrets — and that a list without secrets is left exactly as it was.
 */
import * as pulumi from "@pulumi/pulumi";
import { ID_OUTPUT_KEYS } from "../../provider/cvm-secrets/properties";
import { secretPositionsOf } from "../../provider/dynamic/cvm-secrets";
import {
  addResolved,
  idSpellings,
  redactError,
  SecretIds,
  secretIdsOf,
  secretPositions,
  wrapIdOutputs,
} from "../../provider/runtime/secret-ids";
import { redactIds, withSecretIds } from "../../provider/runtime/secret-scope";
import { SECRET_SIG, SECRET_SIG_KEY } from "../../provider/runtime/wire";

const APP = "0123456789abcdef0123456789abcdef01234567";
const UUID = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";

describe("secretPositions", () => {
  test("true is the whole list; positions outside it are ignored", () => {
    expect(secretPositions(true, 3)).toEqual([0, 1, 2]);
    expect(secretPositions([1, 5, -1, 0.5], 3)).toEqual([1]);
    expect(secretPositions(undefined, 3)).toEqual([]);
  });
});

describe("secretPositionsOf (the resource class)", () => {
  test("each element, the whole list, none", async () => {
    expect(await secretPositionsOf(["cvm_a", pulumi.secret("cvm_b"), pulumi.output("cvm_c")])).toEqual([1]);
    expect(await secretPositionsOf(pulumi.secret(["cvm_a", "cvm_b"]))).toBe(true);
    expect(await secretPositionsOf(pulumi.output(["cvm_a"]))).toBeUndefined();
    expect(await secretPositionsOf(["cvm_a", "cvm_b"])).toBeUndefined();
  });
});

describe("idSpellings", () => {
  test("app ids and VM UUIDs in every spelling the API and its paths use", () => {
    expect(idSpellings(`app_${APP}`)).toEqual(expect.arrayContaining([APP, `app_${APP}`, `0x${APP}`]));
    expect(idSpellings(UUID)).toEqual(expect.arrayContaining([UUID, UUID.replace(/-/g, "")]));
    expect(idSpellings(" my name ")).toEqual(expect.arrayContaining(["my name", "my%20name"]));
  });
});

describe("SecretIds", () => {
  const state = {
    cvms: ["cvm_plain", "secret-name", "cvm_secret2"],
    secretCvms: [1, 2],
    cvmIds: { "secret-name": "cvm_resolved1", cvm_plain: "cvm_plain", cvm_secret2: "cvm_secret2" },
    appIds: { cvm_resolved1: `app_${APP}`, cvm_plain: "app_plain" },
  };

  test("labels by position; resolved ids and app ids follow; a plain id stays as it is", () => {
    const ids = secretIdsOf(state);
    expect(ids.redact("wave 1/1: cvm_plain, cvm_resolved1, cvm_secret2 (restarting)")).toBe(
      "wave 1/1: cvm_plain, cvms[1], cvms[2] (restarting)",
    );
    expect(ids.redact(`app ${APP}: key changed; GET /cvms/secret-name failed`)).toBe(
      "app cvms[1]: key changed; GET /cvms/cvms[1] failed",
    );
    // Only whole tokens: an id inside a longer word is another word.
    expect(ids.redact("cvm_secret22 xcvm_secret2")).toBe("cvm_secret22 xcvm_secret2");
  });

  test("what the API answers for a secret id is secret too", () => {
    const ids = secretIdsOf({ cvms: ["by-name"], secretCvms: true });
    ids.learn("by-name", { id: "cvm_learned", name: "by-name", appId: APP, vmUuid: UUID });
    expect(ids.redact(`cvm_learned ${UUID} ${UUID.replace(/-/g, "")} app_${APP}`)).toBe(
      "cvms[0] cvms[0] cvms[0] cvms[0]",
    );
    ids.learn("cvm_other", { id: "cvm_other", name: "other" });
    expect(ids.redact("cvm_other")).toBe("cvm_other");
  });

  test("a CVM only the previous state names keeps a previous-position label", () => {
    const previous = { ...state, idLabels: { cvm_gone: "cvms[3]" } };
    const ids = secretIdsOf({ cvms: ["cvm_plain"] }, previous);
    expect(ids.redact("cvm_resolved1 cvm_gone cvm_plain")).toBe(
      "previous cvms[1] previous cvms[3] cvm_plain",
    );
  });

  test("addResolved: ids check resolved get the label of their form", () => {
    const ids = secretIdsOf({ cvms: ["n1"], secretCvms: [0] });
    addResolved(ids, { cvms: ["n1"], secretCvms: [0], cvmIds: { n1: "cvm_n1" } });
    expect(ids.redact("cvm_n1")).toBe("cvms[0]");
  });
});

describe("wrapIdOutputs", () => {
  const outs = {
    cvms: ["cvm_s"],
    secretCvms: [0],
    cvmIds: { cvm_s: "cvm_s" },
    appIds: { cvm_s: "app_x" },
    applied: { cvm_s: "d" },
    composeHashes: { cvm_s: "h" },
    encryptionPublicKeys: { app_x: "k" },
    lastRollout: { at: "t", restarted: ["cvm_s"], reason: "first deploy (cvm_s)" },
    envKeys: ["A"],
    fingerprints: { A: "fp-1" },
  };

  test("every output naming a CVM becomes a secret; the labels are kept, as a secret", () => {
    const ids = secretIdsOf(outs);
    const wrapped = wrapIdOutputs(outs, ids, ID_OUTPUT_KEYS);
    for (const key of [
      "cvms",
      "cvmIds",
      "appIds",
      "applied",
      "composeHashes",
      "encryptionPublicKeys",
      "lastRollout",
    ]) {
      expect(wrapped[key]).toEqual({ [SECRET_SIG_KEY]: SECRET_SIG, value: outs[key as keyof typeof outs] });
    }
    expect(wrapped.envKeys).toEqual(["A"]);
    expect(wrapped.fingerprints).toEqual({ A: "fp-1" });
    expect(wrapped.secretCvms).toEqual([0]);
    const labels = (wrapped.idLabels as { value: Record<string, string> }).value;
    expect(labels).toEqual({ cvm_s: "cvms[0]", app_x: "cvms[0]" });
  });

  test("no secret id: the outputs are exactly what they were", () => {
    const plain = { ...outs, secretCvms: undefined };
    expect(wrapIdOutputs(plain, secretIdsOf(plain), ID_OUTPUT_KEYS)).toEqual(plain);
  });

  test("labels of ids no output names any more are dropped", () => {
    const ids = secretIdsOf({ cvms: ["cvm_new"] }, { cvms: [], idLabels: { cvm_old: "cvms[0]" } });
    expect(wrapIdOutputs({ cvms: ["cvm_new"] }, ids, ID_OUTPUT_KEYS)).toEqual({ cvms: ["cvm_new"] });
  });
});

describe("errors and the message scope", () => {
  test("an error's message, stack and reasons name the CVM by position", () => {
    const ids = secretIdsOf({ cvms: ["cvm_s"], secretCvms: true });
    const e = Object.assign(new Error("CVM cvm_s did not start"), { reasons: ["cvm_s failed"] });
    redactError(e, ids);
    expect(e.message).toBe("CVM cvms[0] did not start");
    expect(e.stack).not.toContain("cvm_s ");
    expect(e.reasons).toEqual(["cvms[0] failed"]);
  });

  test("messages are named in the scope of their own call", async () => {
    const a = secretIdsOf({ cvms: ["cvm_a"], secretCvms: true });
    const b = new SecretIds();
    const seen: string[] = [];
    await Promise.all([
      withSecretIds(a, async () => {
        await new Promise((r) => setTimeout(r, 5));
        seen.push(redactIds("a: cvm_a"));
      }),
      withSecretIds(b, async () => {
        seen.push(redactIds("b: cvm_a"));
      }),
    ]);
    expect(seen.sort()).toEqual(["a: cvms[0]", "b: cvm_a"]);
    expect(redactIds("cvm_a")).toBe("cvm_a");
  });
});
