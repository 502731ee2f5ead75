import type { AppRevision, CvmInfo } from "../../provider/api/phala-client";
import { carriesEnv } from "../../provider/impl/adopt-guard";
import { byResolvedId, resolveForms } from "../../provider/impl/cvm-secrets-state";
import { duplicateForms, duplicateMessage, refuseDuplicates } from "../../provider/impl/identity";
import { ciphertextDigest, ownershipOf } from "../../provider/impl/ownership";

const IDS = {
  "api-1": "cvm_a",
  cvm_a: "cvm_a",
  "11111111-2222-3333-4444-555555555555": "cvm_a",
  "api-2": "cvm_b",
};

describe("identity", () => {
  test("every form of one CVM resolves to it; surrounding space is the same CVM", () => {
    expect(resolveForms(["api-1", " cvm_a ", "api-2"], IDS)).toEqual({
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
});
