import fc from "fast-check";
import {
  imageMatchesRegistry,
  isLoopbackHost,
  parseImageRef,
  parseRegistryHost,
} from "../../provider/core/image-ref";
import { CvmSecretsError, ErrorCodes } from "../../provider/errors";

const D = `sha256:${"a".repeat(64)}`;

// registry.md §1.4, row by row.
const valid: [string, string, string, string | undefined, string | undefined][] = [
  ["ubuntu", "docker.io", "library/ubuntu", "latest", undefined],
  ["ubuntu:22.04", "docker.io", "library/ubuntu", "22.04", undefined],
  ["library/ubuntu", "docker.io", "library/ubuntu", "latest", undefined],
  ["docker.io/ubuntu", "docker.io", "library/ubuntu", "latest", undefined],
  ["index.docker.io/foo/bar", "docker.io", "foo/bar", "latest", undefined],
  ["registry-1.docker.io/foo/bar", "registry-1.docker.io", "foo/bar", "latest", undefined],
  ["foo/bar", "docker.io", "foo/bar", "latest", undefined],
  ["docker.io/library/foo/bar", "docker.io", "library/foo/bar", "latest", undefined],
  ["localhost/foo", "localhost", "foo", "latest", undefined],
  ["localhost:5000/foo:1", "localhost:5000", "foo", "1", undefined],
  ["localhost:5000", "docker.io", "library/localhost", "5000", undefined],
  ["example.com", "docker.io", "library/example.com", "latest", undefined],
  ["192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", undefined],
  ["[::1]:5000/repo", "[::1]:5000", "repo", "latest", undefined],
  ["[::1]/repo", "[::1]", "repo", "latest", undefined],
  ["test_com/foo", "docker.io", "test_com/foo", "latest", undefined],
  ["test:8080/foo", "test:8080", "foo", "latest", undefined],
  ["Foo/bar", "Foo", "bar", "latest", undefined],
  ["lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", undefined],
  [
    "b.gcr.io/test.example.com/my-app:test.example.com",
    "b.gcr.io",
    "test.example.com/my-app",
    "test.example.com",
    undefined,
  ],
  [`ghcr.io/org/app@${D}`, "ghcr.io", "org/app", undefined, D],
  [`ghcr.io/org/app:v1@${D}`, "ghcr.io", "org/app", "v1", D],
  [
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com",
    "team/app",
    "1",
    undefined,
  ],
  [
    "us-central1-docker.pkg.dev/proj/repo/img:1",
    "us-central1-docker.pkg.dev",
    "proj/repo/img",
    "1",
    undefined,
  ],
  ["xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", undefined],
  ["a/b__c/d-----e/f.g", "docker.io", "a/b__c/d-----e/f.g", "latest", undefined],
  [`x@sha512:${"b".repeat(128)}`, "docker.io", "library/x", undefined, `sha512:${"b".repeat(128)}`],
];

const invalidRefs: [string, RegExp][] = [
  ["[2001:db8::1]:5000", /tag/],
  ["[fe80::1%eth0]:5000/repo", /zone id/],
  ["Uppercase:tag", /lowercase/],
  ["test:5000/Upper/lower", /lowercase/],
  ["repo@sha256:abcd", /digest/],
  [":tag", /repository name is missing/],
  [`@${D}`, /repository name is missing/],
  ["", /empty/],
  ["aa/asdf$$^/aa", /path component/],
  [`${"a".repeat(256)}/b`, /at most 255/],
  ["a".repeat(64), /image ID/],
  ["foo:-bad", /tag/],
  [`foo:${"t".repeat(129)}`, /tag/],
  ["foo bar", /whitespace/],
  ["host:99999/x", /port/],
  ["host:abc/x", /tag|port/],
  ["a..b/x", /tag|DNS|path component/],
  ["-host.com/x", /DNS/],
  ["foo/bar_", /path component/],
  ["foo/bar___baz", /path component/],
  ["foo//bar", /path component/],
];

describe("parseImageRef (registry.md §1.4)", () => {
  it.each(valid)("%s", (input, registry, repository, tag, digest) => {
    const r = parseImageRef(input);
    expect(r.registry).toBe(registry);
    expect(r.repository).toBe(repository);
    expect(r.tag).toBe(tag);
    expect(r.digest).toBe(digest);
  });

  it.each(invalidRefs)("rejects %s", (input, rule) => {
    let err: unknown;
    try {
      parseImageRef(input, "verify.image");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CvmSecretsError);
    const e = err as CvmSecretsError;
    expect(e.code).toBe(ErrorCodes.INVALID_INPUT);
    expect(e.message).toMatch(/^verify\.image: /);
    expect(e.message).toMatch(rule);
  });
});

describe("parseRegistryHost (registry.md §1.3)", () => {
  it.each([
    ["ghcr.io", "ghcr.io", false],
    ["https://ghcr.io", "ghcr.io", false],
    ["https://ghcr.io/", "ghcr.io", false],
    ["https://index.docker.io/v1/", "docker.io", false],
    ["index.docker.io", "docker.io", false],
    ["registry-1.docker.io", "docker.io", false],
    ["docker.io", "docker.io", false],
    ["localhost:5000", "localhost:5000", false],
    ["http://localhost:5000", "localhost:5000", true],
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com/", "123456789012.dkr.ecr.us-east-1.amazonaws.com", false],
    ["[::1]:5000", "[::1]:5000", false],
    ["  GHCR.io  ", "GHCR.io", false],
  ])("%s", (input, host, insecure) => {
    const r = parseRegistryHost(input);
    expect(r.host).toBe(host);
    expect(r.key).toBe(host.toLowerCase());
    expect(r.insecure).toBe(insecure);
  });

  it.each([
    ["", /empty/],
    ["ftp://x.com", /scheme/],
    ["user@x.com", /user information/],
    ["x.com:0", /port/],
    ["[fe80::1%eth0]:5000", /zone id/],
    ["bad_host.com", /DNS/],
  ])("rejects %j", (input, rule) => {
    expect(() => parseRegistryHost(input, "ecr.registry")).toThrow(rule);
    expect(() => parseRegistryHost(input, "ecr.registry")).toThrow(/^ecr\.registry: /);
  });
});

describe("helpers", () => {
  it("isLoopbackHost", () => {
    expect(isLoopbackHost("localhost")).toBe(true);
    expect(isLoopbackHost("127.0.0.1:5000")).toBe(true);
    expect(isLoopbackHost("127.1.2.3")).toBe(true);
    expect(isLoopbackHost("[::1]:5000")).toBe(true);
    expect(isLoopbackHost("localhost.example.com")).toBe(false);
    expect(isLoopbackHost("10.0.0.1")).toBe(false);
  });
  it("imageMatchesRegistry folds Hub aliases and case", () => {
    expect(imageMatchesRegistry(parseImageRef("ubuntu"), "index.docker.io")).toBe(true);
    expect(imageMatchesRegistry(parseImageRef("registry-1.docker.io/a/b"), "docker.io")).toBe(true);
    expect(imageMatchesRegistry(parseImageRef("GHCR.IO/a/b"), "ghcr.io")).toBe(true);
    expect(imageMatchesRegistry(parseImageRef("ghcr.io/a/b"), "quay.io")).toBe(false);
  });
});

// Generators of valid pieces of the grammar.
const alnum = fc.string({
  unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"),
  minLength: 1,
  maxLength: 8,
});
const sep = fc.constantFrom(".", "_", "__", "-", "--");
const component = fc
  .tuple(alnum, fc.array(fc.tuple(sep, alnum), { maxLength: 3 }))
  .map(([h, t]) => h + t.map(([s, a]) => s + a).join(""));
const path = fc.array(component, { minLength: 1, maxLength: 4 }).map((c) => c.join("/"));
const label = fc.string({
  unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"),
  minLength: 1,
  maxLength: 10,
});
const domain = fc.oneof(
  fc.tuple(label, label).map(([a, b]) => `${a}.${b}`),
  fc.tuple(label, fc.integer({ min: 1, max: 65535 })).map(([a, p]) => `${a}:${p}`),
  fc.constant("localhost"),
);
const tag = fc
  .tuple(fc.constantFrom(..."Aa0_"), fc.string({ unit: fc.constantFrom(..."Az09._-"), maxLength: 20 }))
  .map(([a, b]) => a + b);
const hex64 = fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 });

describe("parseImageRef properties", () => {
  it("round-trips domain/path[:tag][@digest]", () => {
    fc.assert(
      fc.property(domain, path, fc.option(tag), fc.option(hex64), (d, p, t, h) => {
        const ref = `${d}/${p}${t === null ? "" : `:${t}`}${h === null ? "" : `@sha256:${h}`}`;
        const r = parseImageRef(ref);
        expect(r.registry).toBe(d);
        expect(r.repository).toBe(p);
        expect(r.digest).toBe(h === null ? undefined : `sha256:${h}`);
        expect(r.tag).toBe(t ?? (h === null ? "latest" : undefined));
      }),
    );
  });

  it("names without a domain hint go to Docker Hub, single components under library/", () => {
    fc.assert(
      fc.property(path, (p) => {
        fc.pre(p !== "localhost" && !p.startsWith("localhost/") && !p.split("/")[0]?.includes("."));
        const r = parseImageRef(p);
        expect(r.registry).toBe("docker.io");
        expect(r.repository).toBe(p.includes("/") ? p : `library/${p}`);
      }),
    );
  });

  it("never throws anything but an INVALID_INPUT CvmSecretsError", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        try {
          const r = parseImageRef(s);
          expect(r.repository.length).toBeGreaterThan(0);
        } catch (e) {
          expect(e).toBeInstanceOf(CvmSecretsError);
          expect((e as CvmSecretsError).code).toBe(ErrorCodes.INVALID_INPUT);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("parseRegistryHost is idempotent on its output", () => {
    fc.assert(
      fc.property(
        domain,
        fc.constantFrom("", "http://", "https://"),
        fc.constantFrom("", "/", "/v2/"),
        (d, s, tail) => {
          const once = parseRegistryHost(`${s}${d}${tail}`);
          expect(parseRegistryHost(once.host).host).toBe(once.host);
          expect(once.insecure).toBe(s === "http://");
        },
      ),
    );
  });
});
