// The 465 of the on-chain flow, from the rollout's value to the error the user reads.

import { registrationRequired, stopCause } from "../../provider/cvm-secrets/steps/registration";
import type { PendingRegistration } from "../../provider/cvm-secrets/steps/rollout";
import { ErrorCodes, isCvmSecretsError } from "../../provider/errors";

const APP = "ab".repeat(20);
const pending = (composeHash: string, errorCode?: string): PendingRegistration => ({
  kind: "registration-required",
  cvm: "cvm_abc",
  composeHash,
  appId: APP,
  errorCode,
});

describe("registrationRequired", () => {
  test("names the CVM, the hash to register, the app and the next step", () => {
    const hash = "12".repeat(32);
    const e = registrationRequired(pending(hash, "ERR-01-005"));
    expect(isCvmSecretsError(e, ErrorCodes.HASH_REGISTRATION_REQUIRED)).toBe(true);
    expect(e.message).toBe(
      "CVM cvm_abc: the new key set changes the compose hash, which this app's on-chain KMS must allow first (HTTP 465 ERR-01-005). " +
        `Register compose hash 0x${hash} on the DstackApp contract of app ${APP} (addComposeHash), ` +
        'then set transactionHash: "0x…" (the registration transaction) on this resource and run `pulumi up` again.',
    );
  });

  test("a compose hash that carries 0x is not prefixed twice", () => {
    const hash = `0x${"34".repeat(32)}`;
    const e = registrationRequired(pending(hash));
    expect(e.message).toContain(`compose hash ${hash} `);
    expect(e.message).not.toContain("0x0x");
    expect(e.message).toContain("(HTTP 465 )");
  });
});

describe("stopCause", () => {
  test("the 465 as its error, else the rollout's error, else nothing", () => {
    const boot = new Error("boot error");
    expect(stopCause({ done: ["a"], failed: [], untouched: [] })).toBeUndefined();
    expect(stopCause({ done: [], failed: [{ cvm: "a", error: boot }], untouched: [], error: boot })).toBe(
      boot,
    );
    const cause = stopCause({
      done: [],
      failed: [],
      untouched: ["cvm_abc"],
      pendingRegistration: pending("ff"),
    });
    expect(isCvmSecretsError(cause, ErrorCodes.HASH_REGISTRATION_REQUIRED)).toBe(true);
    expect(cause?.message).toContain("compose hash 0xff on the DstackApp contract");
  });
});
