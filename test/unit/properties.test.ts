/**
 * The property tables (provider/cvm-secrets/properties.ts, provider/registry-credential/properties.ts):
 * every list derived from them is the list the house used before the tables, written out once
 * here as the expectation; and the CvmSecrets table has one row per key of the state's shapes.
 */
import * as C from "../../provider/cvm-secrets/properties";
import type { CvmSecretsOutputs } from "../../provider/cvm-secrets/state";
import { CVM_SECRETS, kindOf, REGISTRY_CREDENTIAL } from "../../provider/plugin/resources";
import * as R from "../../provider/registry-credential/properties";

// Compile-time: a key of the state without a row, or a row (other than a legacy key) the state
// does not declare, fails `tsc` (and so `npm test`).
const everyStateKey: { [K in keyof CvmSecretsOutputs]-?: C.Property } = C.PROPERTIES;
type Undeclared = Exclude<C.PropertyName, keyof CvmSecretsOutputs | "fingerprintSalt">;
const noUndeclared: [Undeclared] extends [never] ? true : false = true;

const sorted = (list: readonly string[]) => [...list].sort();

describe("CvmSecrets' property table", () => {
  test("has a row for every key of the state, and only those and the legacy key", () => {
    expect(Object.keys(everyStateKey)).toContain("cvms");
    expect(noUndeclared).toBe(true);
    expect(C.LEGACY_KEYS).toEqual(["fingerprintSalt"]);
  });

  test("derives the optional and the plaintext inputs as they were (state.ts)", () => {
    expect(C.OPTIONAL_INPUT_KEYS).toEqual([
      "ownerKey",
      "registryHost",
      "rollout",
      "kms",
      "composeCheck",
      "adopt",
      "retainOnRemove",
      "transactionHash",
      "onDelete",
    ]);
    expect(C.SECRET_INPUT_KEYS).toEqual([
      "ownerKey",
      "env",
      "registryEnv",
      "defaultRegistryEnv",
      "fingerprintSalt",
    ]);
  });

  test("derives the id-bearing outputs as they were (runtime/secret-ids.ts; a set)", () => {
    expect(sorted(C.ID_OUTPUT_KEYS)).toEqual(
      sorted([
        "cvms",
        "cvmIds",
        "appIds",
        "applied",
        "pushed",
        "encryptionPublicKeys",
        "keyAnchors",
        "observedEncryptionPublicKeys",
        "composeHashes",
        "pendingComposeHashes",
        "lastRollout",
        "idLabels",
      ]),
    );
  });

  test("derives what only an apply learns (preview.ts) and the declared outputs (the class)", () => {
    expect(C.LEARNED).toEqual([
      "appIds",
      "encryptionPublicKeys",
      "keyAnchors",
      "composeHashes",
      "lastRollout",
      "applied",
      "pushed",
    ]);
    expect(C.DECLARED_OUTPUTS).toEqual([
      "envKeys",
      "appIds",
      "encryptionPublicKeys",
      "keyAnchors",
      "composeHashes",
      "lastRollout",
      "fingerprints",
      "onDelete",
    ]);
  });

  test("gives the plugin its secret inputs and diff view as they were", () => {
    const kind = kindOf(CVM_SECRETS)!;
    // The legacy salt is plaintext-grade but never reaches the plugin: not among its secret inputs.
    expect(kind.secretInputs).toEqual(["ownerKey", "env", "registryEnv", "defaultRegistryEnv"]);
    expect(sorted(kind.diffView.hidden)).toEqual(
      sorted([
        "env",
        "registryEnv",
        "defaultRegistryEnv",
        "resourceName",
        "cvmIds",
        "fingerprintGeneration",
        "ownerUrn",
        "ownerKey",
        "secretCvms",
        // Stored as `__registryHost` (runtime/internal-keys.ts): a detailed diff must not name a
        // path the stored inputs do not have. A change of registry shows as DSTACK_DOCKER_REGISTRY's fingerprint.
        "registryHost",
      ]),
    );
    // Every internal key is hidden from the detailed diff, for that reason.
    expect(kind.internal.filter((k) => !kind.diffView.hidden.includes(k as never))).toEqual([]);
    expect(kind.diffView.perKey).toEqual(["fingerprints"]);
  });
});

describe("RegistryCredential's property table", () => {
  test("derives the provider's key lists as they were (registry-credential/index.ts; sets)", () => {
    expect(R.RESOURCE_KEYS).toEqual(["resourceName", "verify", "mintEcrToken"]);
    expect(sorted(R.OUTPUT_KEYS)).toEqual(
      sorted([
        "credentialVersion",
        "ecrToken",
        "cvmEnv",
        "dockerConfigJson",
        "akashCredentials",
        "verifiedAt",
        "verifiedDigest",
        "expiresAt",
        "insecureRegistry",
      ]),
    );
  });

  test("derives the plugin's lists as they were (plugin/resources.ts)", () => {
    const kind = kindOf(REGISTRY_CREDENTIAL)!;
    expect(R.CREDENTIAL_KEYS).toEqual([
      "type",
      "registry",
      "username",
      "password",
      "token",
      "serviceAccountKey",
      "ecr",
      "region",
    ]);
    expect(kind.secretInputs).toEqual(["password", "token", "serviceAccountKey", "ecr"]);
    expect(kind.diffView).toEqual({ hidden: ["resourceName", "insecureRegistry"], perKey: [] });
    expect(sorted(R.LEARNED)).toEqual(
      sorted([
        "ecrToken",
        "cvmEnv",
        "dockerConfigJson",
        "akashCredentials",
        "verifiedAt",
        "verifiedDigest",
        "expiresAt",
      ]),
    );
    expect(sorted(R.PREVIEW_KNOWN)).toEqual(
      sorted([
        "resourceName",
        "type",
        "registry",
        "insecureRegistry",
        "verify",
        "mintEcrToken",
        "credentialVersion",
      ]),
    );
  });

  test("derives the classes' registered outputs as they were (dynamic/registry-credential.ts)", () => {
    expect(R.DECLARED_OUTPUTS).toEqual([
      "registry",
      "verifiedAt",
      "verifiedDigest",
      "expiresAt",
      "credentialVersion",
      "ecrToken",
    ]);
  });
});
