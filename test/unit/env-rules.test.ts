import fc from "fast-check";
import { closestValidKey, KEY_PATTERN, validateEnv } from "../../provider/core/env-rules";

const SECRET = "s3cr3t-value-never-shown";

function reasons(env: Record<string, unknown>, options = {}): string[] {
  const failures = validateEnv(env, options);
  for (const f of failures) expect(`${f.property} ${f.reason}`).not.toContain(SECRET);
  return failures.map((f) => `${f.property}: ${f.reason}`);
}

// The guest's limits: Dstack-TEE/dstack, dstack/dstack-util/src/parse_env_file.rs and
// system_setup.rs (`HostShared::copy`).
describe("validateEnv (the key rules and the guest's env limits)", () => {
  test("a plain env passes", () => {
    expect(reasons({ DATABASE_URL: SECRET, _X1: "" })).toEqual([]);
  });

  test.each([
    ["1ABC", "must match"],
    ["A-B", "must match"],
    ["A B", "must match"],
    ["", "must match"],
    ["É", "must match"],
  ])("key %j is refused", (key, rule) => {
    expect(reasons({ [key]: SECRET }).join("\n")).toContain(rule);
  });

  test("a 256-byte key is refused, 255 passes", () => {
    expect(reasons({ ["A".repeat(255)]: SECRET })).toEqual([]);
    expect(reasons({ ["A".repeat(256)]: SECRET }).join()).toContain("255 bytes");
  });

  test("a value over 128 KiB is refused, exactly 128 KiB passes", () => {
    expect(reasons({ A: "x".repeat(128 * 1024) })).toEqual([]);
    expect(reasons({ A: `${SECRET}${"x".repeat(128 * 1024)}` }).join()).toContain("128 KiB");
  });

  test("multi-byte values are measured in bytes", () => {
    expect(reasons({ A: "é".repeat(64 * 1024 + 1) }).join()).toContain("128 KiB");
  });

  test("non-string values are refused", () => {
    expect(reasons({ A: 1, B: true, C: null }).length).toBe(3);
  });

  test("more than 1024 entries (registry variables included) is refused", () => {
    const env = Object.fromEntries(Array.from({ length: 1023 }, (_, i) => [`K${i}`, "v"]));
    expect(reasons(env)).toEqual([]);
    expect(reasons({ ...env, X: "v", Y: "v" }).join()).toContain("at most 1024 entries");
    expect(
      reasons(env, {
        registry: true,
        registryEnv: { DSTACK_DOCKER_USERNAME: "u", DSTACK_DOCKER_PASSWORD: "p" },
      }).join(),
    ).toContain("at most 1024 entries");
  });

  test("the encrypted blob is capped at 256 KiB", () => {
    const env = { A: "x".repeat(100_000), B: "x".repeat(100_000), C: "x".repeat(70_000) };
    expect(reasons(env).join()).toContain("256 KiB");
  });

  test.each(["DSTACK_APP_ID", "DSTACK_GATEWAY_DOMAIN", "DSTACK_APP_DOMAIN"])(
    "reserved key %s is refused",
    (key) => {
      expect(reasons({ [key]: SECRET }).join()).toContain(`env.${key}: is set by the pre-launch script`);
    },
  );

  test("hand-set registry variables next to `registry` are refused", () => {
    expect(reasons({ DSTACK_DOCKER_PASSWORD: SECRET }, { registry: true }).join()).toContain(
      "come from the `registry` input",
    );
    expect(reasons({ DSTACK_AWS_REGION: "x" }, { registry: true }).join()).toContain(
      "come from the `registry` input",
    );
  });

  test("two private registries set by hand are refused", () => {
    const env = {
      DSTACK_DOCKER_USERNAME: "u",
      DSTACK_DOCKER_PASSWORD: SECRET,
      DSTACK_AWS_ACCESS_KEY_ID: "a",
      DSTACK_AWS_SECRET_ACCESS_KEY: SECRET,
      DSTACK_AWS_REGION: "r",
      DSTACK_AWS_ECR_REGISTRY: "e",
    };
    expect(reasons(env).join()).toContain("one private registry only");
  });

  test("incomplete hand-set registry variables are refused", () => {
    expect(reasons({ DSTACK_DOCKER_USERNAME: "u" }).join()).toContain("must be set together");
    expect(reasons({ DSTACK_AWS_REGION: "r" }).join()).toContain("ECR login needs all of");
  });

  test("unknown values (preview) skip value rules but not key rules", () => {
    const U = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    expect(reasons({ A: U }, { unknown: U })).toEqual([]);
    expect(reasons({ "1A": U }, { unknown: U }).join()).toContain("must match");
  });
});

describe("a bad key name gets the closest valid form (issue 21)", () => {
  test("the failure names the rule and a valid name to use", () => {
    expect(validateEnv({ "BAD-KEY": "v" })).toEqual([
      {
        property: "env.BAD-KEY",
        reason:
          "key names must match ^[A-Za-z_][A-Za-z0-9_]*$ (the guest refuses to boot otherwise); rename it, e.g. to BAD_KEY",
      },
    ]);
    expect(closestValidKey("2FA.SECRET")).toBe("_2FA_SECRET");
    expect(closestValidKey("api key")).toBe("api_key");
    // Nothing to keep: no suggestion rather than a name made of underscores.
    expect(closestValidKey("-.-")).toBeUndefined();
    expect(validateEnv({ "-.-": "v" })[0]?.reason).toBe(
      "key names must match ^[A-Za-z_][A-Za-z0-9_]*$ (the guest refuses to boot otherwise)",
    );
  });

  test("every suggestion is a name the guest accepts, and a valid name is its own suggestion", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (key) => {
        const closest = closestValidKey(key);
        if (closest !== undefined) expect(closest).toMatch(KEY_PATTERN);
        if (KEY_PATTERN.test(key) && /[A-Za-z0-9]/.test(key)) expect(closest).toBe(key);
      }),
      { seed: 2121, numRuns: 300 },
    );
  });
});
