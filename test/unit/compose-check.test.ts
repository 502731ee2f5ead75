import { checkCompose, references } from "../../provider/core/compose-check";

const compose = (env: string, extra = ""): { docker_compose_file: string } => ({
  docker_compose_file: `services:\n  app:\n    image: ghcr.io/acme/api:1\n${env}${extra}`,
});

describe("references (Compose interpolation)", () => {
  test("forms with and without fallbacks", () => {
    expect(references("$A ${B} ${C:-x} ${D-x} ${E:?need} ${F?need} ${G:+y} $$H")).toEqual([
      { key: "A", required: true },
      { key: "B", required: true },
      { key: "C", required: false },
      { key: "D", required: false },
      { key: "E", required: true },
      { key: "F", required: true },
      { key: "G", required: false },
    ]);
  });
});

describe("checkCompose (the compose rules of provider/core/compose-check.ts)", () => {
  test("every referenced key present, none extra: clean", () => {
    const c = compose(
      "    environment:\n      - API_KEY=${API_KEY}\n      DB: x\n".replace("      DB: x\n", ""),
    );
    expect(checkCompose(c, ["API_KEY"])).toEqual({ errors: [], warnings: [] });
  });

  test("a referenced key missing from env is an error naming the key", () => {
    const result = checkCompose(
      compose("    environment:\n      - API_KEY=${API_KEY}\n      - DB=${DB_URL}\n"),
      ["API_KEY"],
    );
    expect(result.errors.map((e) => [e.key, e.rule])).toEqual([["DB_URL", "missing"]]);
    expect(result.errors[0]?.message).toContain("${DB_URL}");
  });

  test("a key with a fallback is not required", () => {
    expect(checkCompose(compose("    environment:\n      - LOG=${LOG_LEVEL:-info}\n"), []).errors).toEqual(
      [],
    );
  });

  test("variables the pre-launch script exports are not required", () => {
    expect(checkCompose(compose("    environment:\n      - ID=${DSTACK_APP_ID}\n"), []).errors).toEqual([]);
  });

  test("an unreferenced key is a warning; registry and SSH variables are not", () => {
    const result = checkCompose(compose("    environment:\n      - A=${A}\n"), [
      "A",
      "UNUSED",
      "DSTACK_DOCKER_PASSWORD",
      "DSTACK_ROOT_PASSWORD",
    ]);
    expect(result.warnings.map((w) => [w.key, w.rule])).toEqual([["UNUSED", "unreferenced"]]);
  });

  test("a pass-through `- KEY` entry or an env_file counts as a reference", () => {
    expect(checkCompose(compose("    environment:\n      - TOKEN\n"), ["TOKEN"]).warnings).toEqual([]);
    expect(checkCompose(compose("    env_file: .env\n"), ["ANYTHING"]).warnings).toEqual([]);
  });

  test("a quoted list-form entry is a warning", () => {
    const result = checkCompose(compose('    environment:\n      - API_KEY="${API_KEY}"\n'), ["API_KEY"]);
    expect(result.warnings.map((w) => [w.key, w.rule])).toEqual([["API_KEY", "quoted"]]);
  });

  test("references in the pre-launch script count", () => {
    const c = { ...compose(""), pre_launch_script: 'echo "$SETUP_TOKEN" | login' };
    expect(checkCompose(c, ["SETUP_TOKEN"]).warnings).toEqual([]);
  });

  test("a bare YAML string works; no compose means nothing to check", () => {
    expect(checkCompose("services:\n  a:\n    command: run ${X}\n", []).errors).toHaveLength(1);
    expect(checkCompose(undefined, ["A"])).toEqual({ errors: [], warnings: [] });
  });
});
