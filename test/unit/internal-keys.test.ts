/**
 * provider/runtime/internal-keys.ts: storing the dynamic classes' internal properties as
 * `__<name>` and reading them back is lossless, touches no other key, and a stored key wins.
 */
import fc from "fast-check";
import { INTERNAL_KEYS as CVM_SECRETS } from "../../provider/cvm-secrets/properties";
import { INTERNAL_KEYS as REGISTRY_CREDENTIAL } from "../../provider/registry-credential/properties";
import { fromStored, storedKey, toStored } from "../../provider/runtime/internal-keys";

const NAMES = ["resourceName", "ownerUrn", "cvmIds", "registryEnv"];
const plainKey = fc.oneof(fc.constantFrom(...NAMES, "cvms", "env", "fingerprints", "onDelete"), fc.string());
const props = fc.dictionary(
  plainKey.filter((k) => !k.startsWith("__") && k !== "__proto__"),
  fc.jsonValue(),
);

test("fromStored undoes toStored; no name is left plain; other keys are untouched", () => {
  fc.assert(
    fc.property(props, (p) => {
      const stored = toStored(p, NAMES);
      expect(fromStored(stored, NAMES)).toEqual(p);
      for (const name of NAMES) {
        expect(name in stored).toBe(false);
        expect(stored[storedKey(name)]).toEqual(p[name]);
      }
      for (const key of Object.keys(p).filter((k) => !NAMES.includes(k))) expect(stored[key]).toEqual(p[key]);
    }),
  );
});

test("a plain name (a state of 0.2) is read as it is; a stored key wins over it", () => {
  expect(fromStored({ resourceName: "old", cvms: [] }, NAMES)).toEqual({ resourceName: "old", cvms: [] });
  expect(fromStored({ resourceName: "old", __resourceName: "new" }, NAMES)).toEqual({ resourceName: "new" });
  expect(fromStored(undefined, NAMES)).toEqual({});
  // `__provider` is the SDK's own, never one of ours.
  expect(toStored({ __provider: "x" }, NAMES)).toEqual({ __provider: "x" });
});

test("what each class stores as __: the properties a user never typed, and nothing a diff must show", () => {
  expect([...CVM_SECRETS].sort()).toEqual(
    [
      "cvmIds",
      "defaultRegistryEnv",
      "fingerprintGeneration",
      "ownerKey",
      "ownerUrn",
      "registryEnv",
      "registryHost",
      "resourceName",
      "secretCvms",
    ].sort(),
  );
  // `cvms`, `env` (as [secret]), `fingerprints` (key by key) and `onDelete` (what a delete does:
  // the only place a destroy preview can say it) stay in view, with every setting the user typed.
  for (const shown of ["cvms", "env", "fingerprints", "onDelete", "rollout", "kms", "adopt"])
    expect(CVM_SECRETS).not.toContain(shown);
  expect(REGISTRY_CREDENTIAL).toEqual(["resourceName"]);
});
