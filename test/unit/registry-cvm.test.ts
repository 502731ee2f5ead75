import { defaultRegistryEnv, imagesNotOnRegistry } from "../../provider/core/registry/index";

const PW = "default-Registry-pw-4242";

describe("defaultRegistryEnv", () => {
  it("normalises Docker Hub spellings and renders DSTACK_DOCKER_*", () => {
    expect(
      defaultRegistryEnv({ registry: "https://index.docker.io/v1/", username: "alice", password: PW }),
    ).toEqual({
      ok: true,
      registry: "docker.io",
      env: {
        DSTACK_DOCKER_REGISTRY: "docker.io",
        DSTACK_DOCKER_USERNAME: "alice",
        DSTACK_DOCKER_PASSWORD: PW,
      },
    });
  });
  it("a mirror is a custom registry", () => {
    const r = defaultRegistryEnv({
      registry: "https://Mirror.example.com:5000/",
      username: "bot",
      password: PW,
    });
    expect(r).toMatchObject({ ok: true, registry: "mirror.example.com:5000" });
  });
  it("failures name the config key, never the value", () => {
    const r = defaultRegistryEnv({ registry: "bad_host", username: "a:b", password: ` ${PW}` });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.failures.map((f) => f.property).sort()).toEqual([
        "cvm-secrets:defaultRegistry",
        "cvm-secrets:defaultRegistryPassword",
        "cvm-secrets:defaultRegistryUsername",
      ]);
      expect(JSON.stringify(r.failures)).not.toContain(PW);
    }
  });
});

describe("imagesNotOnRegistry", () => {
  it("lists images the credential would not be used for", () => {
    expect(
      imagesNotOnRegistry(
        ["ghcr.io/org/app:1", "GHCR.IO/org/worker", "nginx:1.27", "quay.io/x/y", "Bad/Name"],
        "ghcr.io",
      ),
    ).toEqual([
      { image: "nginx:1.27", registry: "docker.io" },
      { image: "quay.io/x/y", registry: "quay.io" },
      { image: "Bad/Name", registry: "invalid" },
    ]);
  });
  it("Docker Hub aliases match docker.io", () => {
    expect(
      imagesNotOnRegistry(
        ["ubuntu", "index.docker.io/library/ubuntu", "registry-1.docker.io/a/b"],
        "docker.io",
      ),
    ).toEqual([]);
  });
});
