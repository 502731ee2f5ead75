/**
 * migrate() (provider/cvm-secrets/migrate.ts) on states written by earlier versions: per-CVM
 * records keyed by the typed id form, and 0.1's plaintext outputs with the fingerprints' HMAC key
 * — and a current state read unchanged.
 */
import { migrate, PER_CVM_KEYS } from "../../provider/cvm-secrets/migrate";
import type { CvmSecretsOutputs } from "../../provider/cvm-secrets/state";
import { desiredOf, planStateOf } from "../../provider/cvm-secrets/state";

const SALT = "5a".repeat(32);

/** A CvmSecrets state as 0.1 wrote it: inputs in the outputs, records keyed by the typed form. */
const STATE_01 = {
  resourceName: "api",
  cvms: ["api-1", "app_0123456789abcdef0123456789abcdef01234567"],
  env: { API_KEY: "v" },
  fingerprintSalt: SALT,
  fingerprints: { API_KEY: "hmac-token" },
  envKeys: ["API_KEY"],
  applied: { "api-1": "d1", app_0123456789abcdef0123456789abcdef01234567: "d2" },
  appIds: { "api-1": "app_1", app_0123456789abcdef0123456789abcdef01234567: "app_2" },
  composeHashes: { "api-1": "h1" },
  encryptionPublicKeys: { app_1: "k1", app_2: "k2" },
};
const IDS = { "api-1": "cvm_a", app_0123456789abcdef0123456789abcdef01234567: "cvm_b" };

describe("migrate", () => {
  test("re-keys every per-CVM record of an old state by resolved id", () => {
    const { perCvm } = migrate(STATE_01, IDS);
    expect(PER_CVM_KEYS.toSorted()).toEqual(["appIds", "applied", "composeHashes", "pushed"]);
    expect(perCvm).toEqual({
      appIds: { cvm_a: "app_1", cvm_b: "app_2" },
      applied: { cvm_a: "d1", cvm_b: "d2" },
      composeHashes: { cvm_a: "h1" },
      pushed: {},
    });
  });

  test("reads 0.1's fingerprint key, and says its outputs hold plaintext", () => {
    const m = migrate(STATE_01, IDS);
    expect(m.legacySalt).toBe(SALT);
    expect(m.plaintextInOutputs).toBe(true);
    // The key alone (0.1's inputs kept it too) is plaintext-grade.
    const { env: _env, ...keyOnly } = STATE_01;
    expect(migrate(keyOnly).plaintextInOutputs).toBe(true);
  });

  test("uses the state's own cvmIds when no map is given", () => {
    expect(migrate({ ...STATE_01, cvmIds: IDS }).perCvm.applied).toEqual({ cvm_a: "d1", cvm_b: "d2" });
  });

  test("leaves a current state as it is", () => {
    const current = {
      cvms: ["cvm_a"],
      cvmIds: { cvm_a: "cvm_a" },
      fingerprints: { API_KEY: "fp-1" },
      applied: { cvm_a: "d1" },
      pushed: { cvm_a: "c1" },
      appIds: { cvm_a: "app_1" },
      composeHashes: { cvm_a: "h1" },
    };
    const m = migrate(current);
    expect(m.perCvm).toEqual({
      appIds: current.appIds,
      applied: current.applied,
      composeHashes: current.composeHashes,
      pushed: current.pushed,
    });
    expect(m.legacySalt).toBeUndefined();
    expect(m.plaintextInOutputs).toBe(false);
  });

  test("a record resolved and typed at once keeps the resolved entry", () => {
    const { perCvm } = migrate({ applied: { "api-1": "old", cvm_a: "new" } }, IDS);
    expect(perCvm.applied).toEqual({ cvm_a: "new" });
  });

  test("the plan's view of an old state reads it through migrate: records keyed by resolved id", () => {
    const old = STATE_01 as unknown as CvmSecretsOutputs;
    const planned = planStateOf(old, IDS);
    expect(planned.cvms).toEqual(["cvm_a", "cvm_b"]);
    expect(planned.applied).toEqual({ cvm_a: "d1", cvm_b: "d2" });
    expect(planned.appIds).toEqual({ cvm_a: "app_1", cvm_b: "app_2" });
    expect(desiredOf({ cvms: STATE_01.cvms, env: {}, cvmIds: IDS }).cvms).toEqual(planned.cvms);
  });
});
