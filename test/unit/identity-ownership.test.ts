import { x25519 } from "@noble/curves/ed25519.js";
import type { AppRevision, CvmInfo } from "../../provider/api/phala";
import { encryptEnv } from "../../provider/core/envelope";
import { carriesNoVariable, pushedBy, taggedBy } from "../../provider/core/envelope-facts";
import { labelForms } from "../../provider/cvm-secrets/forms";
import { byResolvedId } from "../../provider/cvm-secrets/migrate";
import { ciphertextDigest, ownershipOf } from "../../provider/cvm-secrets/records/ownership";
import { carriesEnv, guardAdoption } from "../../provider/cvm-secrets/steps/adopt-guard";
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

  test("the adopt guard sees an env through allowed_envs, or a revision when no allow-list is reported", () => {
    const info = (allowedEnvs?: string[]): CvmInfo =>
      ({
        id: "cvm_a",
        name: "a",
        appId: "f",
        status: "running",
        inProgress: false,
        kms: { onChain: false },
        allowedEnvs,
      }) as CvmInfo;
    expect(carriesEnv(info(["A"]), undefined)).toBe("1 allowed keys");
    expect(carriesEnv(info([]), undefined)).toBeUndefined();
    const theirs = ownershipOf(undefined, rev("abcd"));
    expect(carriesEnv(info(undefined), theirs)).toBe("an encrypted env in app revision rev_1");
    expect(carriesEnv(info([]), theirs)).toBeUndefined(); // an empty allow-list lets nothing through
  });

  const KEY = Buffer.from(x25519.getPublicKey(x25519.utils.randomSecretKey())).toString("hex");
  const URN = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/cvm-secrets:CvmSecrets::main";

  test("a push carries its owner's tag: only a resource with that URN recognises it", () => {
    const blob = encryptEnv({ A: "x" }, KEY, taggedBy(URN));
    expect(pushedBy(blob, URN)).toBe(true);
    expect(pushedBy(`0x${blob.toUpperCase()}`, URN)).toBe(true);
    expect(pushedBy(blob, URN.replace(":dev::", ":prod::"))).toBe(false); // another stack
    expect(pushedBy(blob, `${URN}2`)).toBe(false); // another resource
    expect(pushedBy(encryptEnv({ A: "x" }, KEY), URN)).toBe(false); // a random IV (another tool)
    expect(pushedBy(blob, undefined)).toBe(false);
    expect(pushedBy("", URN)).toBe(false);
    expect(pushedBy("zz", URN)).toBe(false);
    // Two pushes of one env by one owner differ (fresh ephemeral key) and both carry the tag.
    const again = encryptEnv({ A: "x" }, KEY, taggedBy(URN));
    expect(again).not.toBe(blob);
    expect(pushedBy(again, URN)).toBe(true);
  });

  test("a ciphertext too short for one variable is a cleared env; anything longer may carry one", () => {
    expect(carriesNoVariable(encryptEnv({}, KEY))).toBe(true);
    expect(carriesNoVariable(encryptEnv({}, KEY, taggedBy(URN)))).toBe(true);
    expect(carriesNoVariable(encryptEnv({ "": "" } as Record<string, string>, KEY))).toBe(false);
    expect(carriesNoVariable(encryptEnv({ A: "" }, KEY))).toBe(false);
    expect(carriesNoVariable("")).toBe(false); // no ciphertext says nothing
    expect(carriesNoVariable("abcd")).toBe(false); // not an envelope
  });

  test("the adopt guard: a cleared env is nobody's; a predecessor's push is taken over; anything else is refused", () => {
    const info = { id: "cvm_a", appId: "f", allowedEnvs: ["A"] } as CvmInfo;
    const infos = new Map([["cvm_a", info]]);
    const owned = (blob: string) => new Map([["cvm_a", ownershipOf(undefined, rev(blob))]]);
    const creating = { creating: true, ownerUrn: URN };
    expect(guardAdoption(infos, owned(encryptEnv({}, KEY)), creating)).toEqual([]);
    expect(carriesEnv(info, owned(encryptEnv({}, KEY)).get("cvm_a"))).toBeUndefined();
    expect(guardAdoption(infos, owned(encryptEnv({ A: "x" }, KEY, taggedBy(URN))), creating)).toEqual([
      "cvm_a",
    ]);
    const foreign = owned(encryptEnv({ A: "x" }, KEY, taggedBy(URN.replace(":dev::", ":prod::"))));
    expect(() => guardAdoption(infos, foreign, creating)).toThrow(
      "its newest app revision is not a push of a resource with this one's URN",
    );
    expect(guardAdoption(infos, foreign, { ...creating, adopt: true })).toEqual([]);
    expect(guardAdoption(infos, foreign, { creating: false, ownerUrn: URN })).toEqual([]);
    // A newest revision with no env at all (a new replica of an app whose compose allows keys).
    expect(guardAdoption(infos, owned(""), creating)).toEqual([]);
    // Revisions unreadable: the allow-list alone says the CVM carries an env.
    const unknown = new Map([["cvm_a", ownershipOf(undefined, new Error("HTTP 500"))]]);
    expect(() => guardAdoption(infos, unknown, creating)).toThrow("1 allowed keys");
  });
});
