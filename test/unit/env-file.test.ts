import { parseAssignment, parseEnvFile } from "../../provider/core/env-file";
import { CvmSecretsError } from "../../provider/errors";

describe("parseEnvFile", () => {
  test("the forms the official CLI accepts", () => {
    const text = [
      "# comment",
      "",
      "PLAIN=value",
      "export EXPORTED=yes",
      "COLON: form",
      'DOUBLE="line1\\nline2"',
      "SINGLE='no \\n escape'",
      "BACK=`back`",
      "TRAILING=value # a comment",
      "HASH=abc#def",
      "EMPTY=",
      "SPACED =  padded  ",
      "DUP=first",
      "DUP=second",
      'MULTI="a',
      'b"',
    ].join("\n");
    expect(parseEnvFile(text)).toEqual({
      PLAIN: "value",
      EXPORTED: "yes",
      COLON: "form",
      DOUBLE: "line1\nline2",
      SINGLE: "no \\n escape",
      BACK: "back",
      TRAILING: "value",
      HASH: "abc#def",
      EMPTY: "",
      SPACED: "padded",
      DUP: "second",
      MULTI: "a\nb",
    });
  });

  test("CRLF line endings", () => {
    expect(parseEnvFile("A=1\r\nB=2\r\n")).toEqual({ A: "1", B: "2" });
  });

  test("a malformed line is refused by line number, without its content", () => {
    try {
      parseEnvFile("A=1\nthis is not an assignment s3cr3t\n", "prod.env");
      throw new Error("expected an error");
    } catch (err) {
      expect(err).toBeInstanceOf(CvmSecretsError);
      expect((err as Error).message).toContain("prod.env, line 2");
      expect((err as Error).message).not.toContain("s3cr3t");
    }
  });

  test("an unterminated quote is refused, naming the key only", () => {
    expect(() => parseEnvFile('TOKEN="abc')).toThrow(/TOKEN has no closing quote/);
  });
});

describe("parseAssignment", () => {
  test("splits at the first =", () => {
    expect(parseAssignment("A=b=c")).toEqual(["A", "b=c"]);
    expect(parseAssignment("A=")).toEqual(["A", ""]);
    expect(() => parseAssignment("=x")).toThrow(/KEY=VALUE/);
    expect(() => parseAssignment("novalue")).toThrow(/KEY=VALUE/);
  });
});
