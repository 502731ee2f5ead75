import { canonicalComposeJson, composeHash } from "../../provider/core/compose-hash";

// The Phala-canonical compose hash: Phala-Network/phala-cloud, js/src/utils/get_compose_hash.ts
// (`dumpAppCompose`), which serialises like Python json.dumps(sort_keys=True, indent=4,
// separators=(",", ":"), ensure_ascii=False) as docs/api-deployment-guide.md there uses it.
// The vector's hash is what both give.
const VECTOR = {
  manifest_version: 2,
  name: "my-app",
  runner: "docker-compose",
  docker_compose_file:
    "services:\n  app:\n    image: nginx:stable\n    environment:\n      - API_KEY=${API_KEY}\n",
  kms_enabled: true,
  gateway_enabled: true,
  public_logs: true,
  public_sysinfo: true,
  public_tcbinfo: true,
  local_key_provider_enabled: false,
  key_provider_id: "",
  allowed_envs: ["API_KEY", "DSTACK_DOCKER_USERNAME"],
  no_instance_id: false,
  secure_time: false,
  features: ["kms", "tproxy-net"],
  tproxy_enabled: true,
  storage_fs: "zfs",
};

describe("composeHash", () => {
  it("matches the Phala-canonical vector (the SDK's dumpAppCompose and Python agree)", () => {
    expect(composeHash(VECTOR)).toBe("c4e0c9832347b0d444a0ae2262c0ee5b6b0c05469a6a8006853217813bce50fb");
  });

  it("serialises like Python json.dumps(sort_keys, indent=4, separators=(',', ':'), ensure_ascii=False)", () => {
    // Expected text and hash produced by CPython 3 with exactly those parameters.
    const value = {
      a: 'x "a": b',
      n: [1, 2.5, 1e-7, {}],
      é: "ü\u0001",
      z: [],
      b: { y: true, x: null },
    };
    const expected =
      '{\n    "a":"x \\"a\\": b",\n    "b":{\n        "x":null,\n        "y":true\n    },\n' +
      '    "n":[\n        1,\n        2.5,\n        1e-07,\n        {}\n    ],\n    "z":[],\n    "é":"ü\\u0001"\n}';
    expect(canonicalComposeJson(value)).toBe(expected);
  });

  it('keeps `"a": b` inside a string value (the SDK regex would rewrite it)', () => {
    const compose = { ...VECTOR, docker_compose_file: "x: '{\"a\": b}'\n" };
    const text = canonicalComposeJson(compose);
    expect(text).toContain('"docker_compose_file":"x: \'{\\"a\\": b}\'\\n"');
    expect(composeHash(compose)).not.toBe(
      composeHash({ ...VECTOR, docker_compose_file: "x: '{\"a\":b}'\n" }),
    );
  });

  it("applies the pre-hash drops", () => {
    expect(composeHash({ ...VECTOR, pre_launch_script: "" })).toBe(composeHash(VECTOR));
    expect(composeHash({ ...VECTOR, bash_script: "echo hi" })).toBe(composeHash(VECTOR));
    expect(canonicalComposeJson({ runner: "bash", docker_compose_file: "x", bash_script: "y" })).toBe(
      '{\n    "bash_script":"y",\n    "runner":"bash"\n}',
    );
    expect(composeHash({ ...VECTOR, pre_launch_script: "echo" })).not.toBe(composeHash(VECTOR));
  });

  it("changes when allowed_envs changes", () => {
    expect(composeHash({ ...VECTOR, allowed_envs: ["API_KEY"] })).not.toBe(composeHash(VECTOR));
  });
});
