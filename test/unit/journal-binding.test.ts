import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openJournal, PUSHING, REISSUED } from "../../provider/cvm-secrets/records/journal";

const home = process.env.PULUMI_HOME;
beforeEach(() => {
  process.env.PULUMI_HOME = mkdtempSync(path.join(tmpdir(), "cvms-journal-"));
});
afterAll(() => {
  process.env.PULUMI_HOME = home;
});

describe("journal entries bound to their plaintext", () => {
  test("the same digest for another value reads as reissued; the same value reads as the digest", () => {
    openJournal("res", { digest: "d1", env: { A: "value-B" } }).record("cvm_a", "d1", "sha");
    expect(openJournal("res", { digest: "d1", env: { A: "value-B" } }).digestOf("cvm_a")).toBe("d1");
    const other = openJournal("res", { digest: "d1", env: { A: "value-C" } });
    expect(other.digestOf("cvm_a")).toBe(REISSUED);
    expect(other.digests()).toEqual({ cvm_a: REISSUED });
    // Another wanted digest: the recorded one is reported as it is (it differs anyway).
    expect(openJournal("res", { digest: "d2", env: { A: "value-C" } }).digestOf("cvm_a")).toBe("d1");
    // Readers without a wanted env (refresh) see the digest.
    expect(openJournal("res").digestOf("cvm_a")).toBe("d1");
  });

  test("an unbound entry of a journal that keeps bindings is never trusted as bound", () => {
    openJournal("res").record("cvm_a", "d1");
    expect(openJournal("res", { digest: "d1", env: { A: "x" } }).digestOf("cvm_a")).toBe(REISSUED);
    // Readers without a wanted env (refresh) still see the digest.
    expect(openJournal("res").digestOf("cvm_a")).toBe("d1");
  });

  test.each([
    ["a flat map", { cvm_a: "d1" }],
    ["{env, pushed}", { env: { cvm_a: "d1" }, pushed: { cvm_a: "sha" } }],
  ])(
    "an entry of a journal from before bindings (%s: value-bound digests) is taken at its digest",
    (_label, journal) => {
      const dir = path.join(process.env.PULUMI_HOME as string, "cvm-secrets", "journal");
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, "res.json"), JSON.stringify(journal));
      expect(openJournal("res", { digest: "d1", env: { A: "x" } }).digestOf("cvm_a")).toBe("d1");
      // Rewritten by this version (another CVM recorded), the old entry keeps its standing.
      openJournal("res", { digest: "d2", env: { A: "y" } }).record("cvm_b", "d2");
      expect(openJournal("res", { digest: "d1", env: { A: "x" } }).digestOf("cvm_a")).toBe("d1");
    },
  );

  test("the binding key stays in the journal folder, readable by the owner only; the journal holds no value", () => {
    openJournal("res", { digest: "d1", env: { A: "journal-binding-canary" } }).record("cvm_a", "d1");
    const dir = path.join(process.env.PULUMI_HOME as string, "cvm-secrets", "journal");
    expect(statSync(path.join(dir, "mac-key")).mode & 0o777).toBe(0o600);
    const text = require("node:fs").readFileSync(path.join(dir, "res.json"), "utf8") as string;
    expect(text).not.toContain("journal-binding-canary");
    expect(text).not.toContain(Buffer.from("journal-binding-canary").toString("hex"));
  });

  test("the binding key is read once per journal folder by a process", () => {
    openJournal("res", { digest: "d1", env: { A: "x" } }).record("cvm_a", "d1");
    const dir = path.join(process.env.PULUMI_HOME as string, "cvm-secrets", "journal");
    // Another key on disk is not read again: the entry still binds to the same plaintext.
    writeFileSync(path.join(dir, "mac-key"), "ab".repeat(32));
    expect(openJournal("res", { digest: "d1", env: { A: "x" } }).digestOf("cvm_a")).toBe("d1");
  });

  test("a push in flight that refresh saw running is settled with the binding it was pushed with", () => {
    openJournal("res", { digest: "d2", env: { A: "killed-run" } }).pushing("cvm_a", "d2", "sha2");
    const reader = openJournal("res");
    expect(reader.digests()).toEqual({ cvm_a: PUSHING });
    expect(reader.settle("cvm_a")).toBe(true);
    expect(reader.settle("cvm_a")).toBe(false); // nothing in flight any more
    expect(openJournal("res", { digest: "d2", env: { A: "killed-run" } }).digests()).toEqual({ cvm_a: "d2" });
    expect(openJournal("res").pushedOf("cvm_a")).toBe("sha2");
    // The same tokens for another value: still not the wanted env.
    expect(openJournal("res", { digest: "d2", env: { A: "reverted" } }).digestOf("cvm_a")).toBe(REISSUED);
  });

  describe.each([
    ["empty", ""],
    ["truncated", "ab".repeat(20)],
    ["not hex", "z".repeat(64)],
  ])("a key file that is %s", (_label, content) => {
    /** A journal folder whose key file holds `content`, in a PULUMI_HOME no process has read yet. */
    const invalidKeyFile = (): string => {
      const dir = path.join(process.env.PULUMI_HOME as string, "cvm-secrets", "journal");
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(path.join(dir, "mac-key"), content, { mode: 0o644 });
      return dir;
    };

    test("is replaced with a valid key, mode 0600, no temporary file left", () => {
      const dir = invalidKeyFile();
      openJournal("res", { digest: "d1", env: { A: "x" } }).record("cvm_a", "d1");
      const key = path.join(dir, "mac-key");
      expect(readFileSync(key, "utf8")).toMatch(/^[0-9a-f]{64}$/);
      expect(statSync(key).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir).sort()).toEqual(["mac-key", "res.json"]);
    });

    test("entries still bind to their plaintext: another value under the same digest reads as reissued", () => {
      invalidKeyFile();
      openJournal("res", { digest: "d1", env: { A: "value-B" } }).record("cvm_a", "d1", "sha");
      expect(openJournal("res", { digest: "d1", env: { A: "value-B" } }).digestOf("cvm_a")).toBe("d1");
      expect(openJournal("res", { digest: "d1", env: { A: "value-C" } }).digestOf("cvm_a")).toBe(REISSUED);
    });
  });
});
