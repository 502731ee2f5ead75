/**
 * The error vocabulary: a CvmSecretsError is recognised by its brand, so an error thrown by one
 * copy of the package (the plugin tarball bundles its own) is recognised by another copy's
 * `isCvmSecretsError`, where `instanceof` fails.
 */
import { inspect } from "node:util";
import { CvmSecretsError, ErrorCodes, isCvmSecretsError } from "../../provider/errors";

/** A second, independent copy of the errors module, as a second install of the package loads it. */
function secondCopy(): typeof import("../../provider/errors") {
  let copy: typeof import("../../provider/errors") | undefined;
  jest.isolateModules(() => {
    copy = require("../../provider/errors");
  });
  return copy!;
}

test("an error of another copy is recognised by its brand and its code, not by instanceof", () => {
  const other = secondCopy();
  expect(other.CvmSecretsError).not.toBe(CvmSecretsError);
  const theirs = new other.CvmSecretsError(other.ErrorCodes.API_ERROR, "HTTP 404");
  expect(theirs instanceof CvmSecretsError).toBe(false);
  expect(isCvmSecretsError(theirs)).toBe(true);
  expect(isCvmSecretsError(theirs, ErrorCodes.API_ERROR)).toBe(true);
  expect(isCvmSecretsError(theirs, ErrorCodes.KEY_CHANGED)).toBe(false);
  expect(other.isCvmSecretsError(new CvmSecretsError(ErrorCodes.INVALID_INPUT, "env: …"))).toBe(true);
});

test("other errors and look-alikes are not CvmSecretsErrors", () => {
  const lookAlike = Object.assign(new Error("x"), { name: "CvmSecretsError", code: ErrorCodes.API_ERROR });
  for (const value of [
    lookAlike,
    new Error("x"),
    { code: ErrorCodes.API_ERROR },
    "CVMS_API_ERROR",
    null,
    undefined,
  ]) {
    expect(isCvmSecretsError(value)).toBe(false);
  }
});

test("the brand is not enumerable: it never reaches JSON or a printed error", () => {
  const error = new CvmSecretsError(ErrorCodes.ROLLOUT_FAILED, "stopped", { cvm: "cvm_1" });
  expect(JSON.parse(JSON.stringify(error))).toEqual({
    name: "CvmSecretsError",
    code: ErrorCodes.ROLLOUT_FAILED,
    details: { cvm: "cvm_1" },
  });
  const brand = Symbol.for("pulumi-cvm-secrets.error");
  expect(Object.getOwnPropertyDescriptor(error, brand)).toMatchObject({ value: true, enumerable: false });
  expect(inspect(error)).not.toContain("pulumi-cvm-secrets.error");
});
