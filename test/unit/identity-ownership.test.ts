import { x25519 } from "@noble/curves/ed25519.js";
import type { AppRevision, CvmInfo } from "../../provider/api/phala";
import { encryptEnv } from "../../provider/core/envelope";
import { carriesNoVariable, pushedBy, taggedBy } from "../../provider/core/envelope-facts";
import { allowListOf } from "../../provider/cvm-secrets/apply/preflight";
import { labelForms } from "../../provider/cvm-secrets/forms";
import { byResolvedId } from "../../provider/cvm-secrets/migrate";
import { ciphertextDigest, classifyNewest, ownershipOf } from "../../provider/cvm-secrets/records/ownership";
import {
  duplicateForms,
  duplicateMessage,
  refuseDuplicates,
} from "../../provider/cvm-secrets/steps/identity";

const IDS = {
  "api-1": "cvm_a",
  cvm_a: "cvm_a",
  "11111111-2222-3333-4444-555555555555": "cvm_a",
  "api-2": "cvm_b",
};

describe("identity", () => {
  test("every form of one CVM resolves to it; surrounding space is the same CVM", () => {
    expect(labelForms(["api-1", " cvm_a ", "api-2"], IDS)).toEqual({
      cvms: ["cvm_a", "cvm_b"],
      labels: { cvm_a: "api-1", cvm_b: "api-2" },
    });
  });

  test("two forms of one CVM are duplicates, named by position", () => {
    const forms = ["api-1", "api-2", "11111111-2222-3333-4444-555555555555"];
    const [d] = duplicateForms(forms, IDS);
    expect(d).toMatchObject({ index: 2, firstIndex: 0, id: "cvm_a" });
    expect(duplicateMessage(d!, 0)).toBe(
      "names the same CVM as cvms[0] (two id forms of one CVM); list each CVM once",
    );
    expect(() => refuseDuplicates(forms, IDS)).toThrow("cvms[2] names the same CVM as cvms[0]");
    expect(duplicateForms(["api-1", "api-2"], IDS)).toEqual([]);
    expect(duplicateMessage(duplicateForms(["x", "x"], {})[0]!, 0)).toBe(
      "is listed twice (also cvms[0]); list each CVM once",
    );
  });

  test("state keyed by typed forms (older states) is re-keyed by resolved id", () => {
    expect(byResolvedId({ "api-1": "d1", "api-2": "d2" }, IDS)).toEqual({ cvm_a: "d1", cvm_b: "d2" });
  });
});

describe("ownership", () => {
  const rev = (encryptedEnv: string): AppRevision => ({
    revisionId: "rev_1",
    vmUuid: "u",
    operationType: "update_env",
    createdAt: "2026-01-01T00:00:00Z",
    composeHash: "h",
    encryptedEnv,
  });

  test("ours only when the newest revision carries the ciphertext we pushed (any case, 0x optional)", () => {
    expect(ownershipOf(ciphertextDigest("abcd"), rev("0xABCD")).kind).toBe("ours");
    expect(ownershipOf(ciphertextDigest("abcd"), rev("abce")).kind).toBe("theirs");
    expect(ownershipOf(undefined, rev("abcd")).kind).toBe("theirs");
    expect(ownershipOf(undefined, rev("")).kind).toBe("unknown");
    expect(ownershipOf(ciphertextDigest("abcd"), undefined).kind).toBe("unknown");
    expect(ownershipOf(ciphertextDigest("abcd"), new Error("HTTP 500")).kind).toBe("unknown");
  });

  test("the allow-list is known only when the CVM record carries one; an empty one lets nothing through", () => {
    const info = (allowedEnvs?: unknown): CvmInfo => ({ id: "cvm_a", appId: "f", allowedEnvs }) as CvmInfo;
    expect(allowListOf(info(["A"]))).toBe("some");
    expect(allowListOf(info([]))).toBe("none");
    expect(allowListOf(info(undefined))).toBe("unknown");
    expect(allowListOf(info(null))).toBe("unknown");
    expect(allowListOf(undefined)).toBe("unknown");
  });

  const KEY = Buffer.from(x25519.getPublicKey(x25519.utils.randomSecretKey())).toString("hex");
  const URN = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/cvm-secrets:CvmSecrets::main";

  const OWNER_KEY = "11".repeat(32);
  const V1 = { urn: URN };
  const V2 = { urn: URN, key: OWNER_KEY };

  test("a push carries its owner's tag: only its URN (v1) or its URN and owner key (v2) recognise it", () => {
    for (const owner of [V1, V2]) {
      const blob = encryptEnv({ A: "x" }, KEY, taggedBy(owner));
      expect(pushedBy(blob, owner)).toBe(true);
      expect(pushedBy(`0x${blob.toUpperCase()}`, owner)).toBe(true);
      expect(pushedBy(blob, { ...owner, urn: URN.replace(":dev::", ":prod::") })).toBe(false); // another stack
      expect(pushedBy(blob, { ...owner, urn: `${URN}2` })).toBe(false); // another resource
      expect(pushedBy(encryptEnv({ A: "x" }, KEY), owner)).toBe(false); // a random IV (another tool)
      expect(pushedBy(blob, undefined)).toBe(false);
      expect(pushedBy("", owner)).toBe(false);
      expect(pushedBy("zz", owner)).toBe(false);
      // Two pushes of one env by one owner differ (fresh ephemeral key) and both carry the tag.
      const again = encryptEnv({ A: "x" }, KEY, taggedBy(owner));
      expect(again).not.toBe(blob);
      expect(pushedBy(again, owner)).toBe(true);
    }
  });

  test("a ciphertext too short for one variable is a cleared env; anything longer may carry one", () => {
    expect(carriesNoVariable(encryptEnv({}, KEY))).toBe(true);
    expect(carriesNoVariable(encryptEnv({}, KEY, taggedBy(V2)))).toBe(true);
    expect(carriesNoVariable(encryptEnv({ "": "" } as Record<string, string>, KEY))).toBe(false);
    expect(carriesNoVariable(encryptEnv({ A: "" }, KEY))).toBe(false);
    expect(carriesNoVariable("")).toBe(false); // no ciphertext says nothing
    expect(carriesNoVariable("abcd")).toBe(false); // not an envelope
  });

  test("the newest revision, classified: ours, a push with our owner tag, no env, another party's, or unknown", () => {
    const kind = (pushed: string | undefined, latest: AppRevision | undefined | Error) =>
      classifyNewest(pushed, latest, V2).kind;
    const mine = encryptEnv({ A: "x" }, KEY);
    expect(kind(ciphertextDigest(mine), rev(mine))).toBe("ours");
    // A cleared env or a revision with none is nobody's to protect.
    expect(kind(undefined, rev(encryptEnv({}, KEY)))).toBe("empty");
    expect(kind(undefined, rev(""))).toBe("empty");
    // A predecessor's (or an unrecorded run's) push carries this URN's and owner key's tag.
    expect(kind(undefined, rev(encryptEnv({ A: "x" }, KEY, taggedBy(V2))))).toBe("tagged");
    expect(kind(ciphertextDigest(mine), rev(encryptEnv({ A: "x" }, KEY, taggedBy(V2))))).toBe("tagged");
    expect(
      kind(
        undefined,
        rev(encryptEnv({ A: "x" }, KEY, taggedBy({ ...V2, urn: URN.replace(":dev::", ":prod::") }))),
      ),
    ).toBe("theirs");
    expect(kind(ciphertextDigest(mine), rev(encryptEnv({ A: "y" }, KEY)))).toBe("theirs");
    // What cannot be read is unknown, never "nothing to protect".
    expect(classifyNewest(undefined, new Error("HTTP 500"), V2)).toEqual({
      kind: "unknown",
      why: "its app revisions could not be read (HTTP 500)",
    });
    expect(kind(undefined, undefined)).toBe("unknown");
  });
});
