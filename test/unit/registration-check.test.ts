// A 465's compose hash and app are computed and compared (steps/registration-check.ts).
import { composeHash } from "../../provider/core/compose-hash";
import {
  expectedComposeHash,
  registrationMismatches,
} from "../../provider/cvm-secrets/steps/registration-check";

const COMPOSE = {
  manifest_version: 2,
  name: "api",
  runner: "docker-compose",
  docker_compose_file: "services:\n  app:\n    image: ghcr.io/acme/api:1\n",
  allowed_envs: ["API_KEY"],
  kms_enabled: true,
};
const APP = "ab".repeat(20);

describe("expectedComposeHash", () => {
  test("with the keys sent: the hash of the compose whose allowed_envs is that key set", () => {
    expect(expectedComposeHash(COMPOSE, ["API_KEY", "DB_URL"])).toBe(
      composeHash({ ...COMPOSE, allowed_envs: ["API_KEY", "DB_URL"] }),
    );
    expect(expectedComposeHash(COMPOSE, ["API_KEY", "DB_URL"])).not.toBe(composeHash(COMPOSE));
  });

  test("without env_keys sent: the live compose's own hash", () => {
    expect(expectedComposeHash(COMPOSE, undefined)).toBe(composeHash(COMPOSE));
  });
});

describe("registrationMismatches", () => {
  const expected = { composeHash: composeHash(COMPOSE), appId: APP };

  test("the computed hash and the resolved app, in any spelling (0x, app_, case): nothing differs", () => {
    expect(
      registrationMismatches(
        { composeHash: `0x${expected.composeHash.toUpperCase()}`, appId: `app_${APP}` },
        expected,
      ),
    ).toEqual([]);
  });

  test("another hash: named with the one computed", () => {
    expect(registrationMismatches({ composeHash: "cd".repeat(32), appId: APP }, expected)).toEqual([
      `it names compose hash ${"cd".repeat(32)}, but the CVM's live compose with the new key set hashes to 0x${expected.composeHash}`,
    ]);
  });

  test("another app, and a missing hash: both named", () => {
    expect(registrationMismatches({ composeHash: "", appId: "ef".repeat(20) }, expected)).toEqual([
      `it names compose hash (none), but the CVM's live compose with the new key set hashes to 0x${expected.composeHash}`,
      `it names app ${"ef".repeat(20)}, but the CVM is in app ${APP}`,
    ]);
  });
});
