import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseChallenges } from "../../provider/api/registry/auth";
import { classifyManifestFailure, MANIFEST_ACCEPT } from "../../provider/api/registry/manifest";
import { VERIFY_ADVICE, type VerifyResult } from "../../provider/api/registry/outcomes";
import { verifyPull } from "../../provider/api/registry/verify";
import { type Credential, validateCredential } from "../../provider/core/registry/index";
import { CvmSecretsError } from "../../provider/errors";
import { type EcrStandIn, startEcrStandIn } from "../support/registry-server";

const PW = "unit-Secret-pw-0987";

describe("parseChallenges", () => {
  it("Bearer with quoted params", () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"',
      ),
    ).toEqual([
      {
        scheme: "bearer",
        params: {
          realm: "https://auth.docker.io/token",
          service: "registry.docker.io",
          scope: "repository:library/ubuntu:pull",
        },
      },
    ]);
  });
  it("several challenges on one line, Basic first", () => {
    expect(
      parseChallenges('Basic realm="quay.io", Bearer realm="https://quay.io/v2/auth",service="quay.io"'),
    ).toEqual([
      { scheme: "basic", params: { realm: "quay.io" } },
      { scheme: "bearer", params: { realm: "https://quay.io/v2/auth", service: "quay.io" } },
    ]);
  });
  it("error=insufficient_scope, unquoted values, escapes and case", () => {
    expect(
      parseChallenges('BEARER realm=http://x/token, error="insufficient_scope", note="a \\"b\\""'),
    ).toEqual([
      { scheme: "bearer", params: { realm: "http://x/token", error: "insufficient_scope", note: 'a "b"' } },
    ]);
  });
  it("empty", () => {
    expect(parseChallenges(undefined)).toEqual([]);
    expect(parseChallenges("")).toEqual([]);
  });
});

describe("classifyManifestFailure (registry.md §2.2)", () => {
  const base = { codes: [] as string[], messages: [] as string[], conflates: false, anonymous: false };
  it.each([
    [{ ...base, status: 429 }, "rate-limited"],
    [{ ...base, status: 400, codes: ["TOOMANYREQUESTS"] }, "rate-limited"],
    [
      { ...base, status: 401, wwwAuthenticate: 'Bearer realm="r",error="insufficient_scope"' },
      "no-permission",
    ],
    [{ ...base, status: 401, wwwAuthenticate: 'Basic realm="r"' }, "bad-credentials"],
    [{ ...base, status: 401, anonymous: true }, "no-permission"],
    [
      {
        ...base,
        status: 401,
        conflates: true,
        wwwAuthenticate: 'Bearer realm="r",error="insufficient_scope"',
      },
      "not-found-or-denied",
    ],
    [
      {
        ...base,
        status: 403,
        codes: ["DENIED"],
        messages: ["Your authorization token has expired. Reauthenticate and try again."],
      },
      "token-expired",
    ],
    [
      { ...base, status: 403, codes: ["DENIED"], messages: ["permission_denied: read_package"] },
      "no-permission",
    ],
    [
      { ...base, status: 403, conflates: true, codes: ["DENIED"], messages: ["(or it may not exist)"] },
      "not-found-or-denied",
    ],
    [{ ...base, status: 404, codes: ["NAME_UNKNOWN"] }, "repository-missing"],
    [{ ...base, status: 404, codes: ["MANIFEST_UNKNOWN"] }, "check-tags"],
    [{ ...base, status: 500 }, "unexpected"],
  ])("%j → %s", (f, kind) => expect(classifyManifestFailure(f)).toBe(kind));
});

describe("advice", () => {
  it("one sentence per kind", () => {
    for (const [kind, text] of Object.entries(VERIFY_ADVICE)) {
      expect([kind, text.trim().endsWith(".")]).toEqual([kind, true]);
    }
  });
  it("the Accept list names OCI index/manifest and Docker list/v2", () => {
    expect(MANIFEST_ACCEPT.split(", ")).toHaveLength(4);
  });
});

// A scripted fake registry on loopback for the paths the real registry cannot produce.
type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = (_q, r) => r.end();
const seen: { method?: string; url?: string; auth?: string }[] = [];
let server: Server;
let host: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, auth: req.headers.authorization });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  seen.length = 0;
});

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "docker-distribution-api-version": "registry/2.0",
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function custom(): Credential {
  const r = validateCredential({ type: "custom", registry: `http://${host}`, username: "u", password: PW });
  if (!r.ok) throw new Error("invalid");
  return r.credential;
}

async function run(image = `${host}/demo/app:1`, credential = custom()): Promise<VerifyResult> {
  const r = await verifyPull({ image, credential, allowInsecureLoopback: true, timeoutMs: 5000 });
  if (!r.ok) expect(r.message).not.toContain(PW);
  return r;
}

describe("verifyPull against a scripted registry", () => {
  it("rate-limited, with the remaining count", async () => {
    handler = (req, res) => {
      if (req.url === "/v2/") return json(res, 200, {});
      json(
        res,
        429,
        { errors: [{ code: "TOOMANYREQUESTS", message: "You have reached your pull rate limit." }] },
        { "ratelimit-remaining": "0;w=21600" },
      );
    };
    const r = await run();
    expect(r).toMatchObject({ ok: false, kind: "rate-limited" });
    if (!r.ok) expect(r.message).toMatch(/remaining 0;w=21600/);
  });

  it("token-expired (ECR wording)", async () => {
    handler = (req, res) => {
      if (req.url === "/v2/")
        return json(
          res,
          401,
          {},
          { "www-authenticate": `Basic realm="https://${host}/",service="ecr.amazonaws.com"` },
        );
      json(res, 403, {
        errors: [
          { code: "DENIED", message: "Your authorization token has expired. Reauthenticate and try again." },
        ],
      });
    };
    expect(await run()).toMatchObject({ ok: false, kind: "token-expired" });
  });

  it("insecure-realm: credentials are not sent to a plain-http realm on another host", async () => {
    handler = (_req, res) =>
      json(res, 401, {}, { "www-authenticate": 'Bearer realm="http://auth.example.com/token",service="x"' });
    expect(await run()).toMatchObject({ ok: false, kind: "insecure-realm" });
    expect(seen.map((s) => s.url)).toEqual(["/v2/"]);
    expect(seen.every((s) => s.auth === undefined)).toBe(true);
  });

  it("a same-host http realm is fine; access_token is accepted; Basic goes only to the realm", async () => {
    handler = (req, res) => {
      if (req.url === "/v2/")
        return json(res, 401, {}, { "www-authenticate": `Bearer realm="http://${host}/auth",service="svc"` });
      if (req.url?.startsWith("/auth?")) return json(res, 200, { access_token: "tok-123" });
      if (req.headers.authorization === "Bearer tok-123" && req.headers.accept === MANIFEST_ACCEPT) {
        res.writeHead(200, {
          "docker-content-digest": `sha256:${"b".repeat(64)}`,
          "content-type": "application/vnd.oci.image.index.v1+json",
        });
        return res.end();
      }
      json(res, 401, {});
    };
    expect(await run()).toEqual({
      ok: true,
      digest: `sha256:${"b".repeat(64)}`,
      mediaType: "application/vnd.oci.image.index.v1+json",
    });
    const auth = seen.find((s) => s.url?.startsWith("/auth?"));
    expect(auth?.auth).toBe(`Basic ${Buffer.from(`u:${PW}`).toString("base64")}`);
    expect(auth?.url).toContain("scope=repository%3Ademo%2Fapp%3Apull");
    expect(
      seen
        .filter((s) => !s.url?.startsWith("/auth?"))
        .every((s) => s.auth === undefined || s.auth === "Bearer tok-123"),
    ).toBe(true);
  });

  it("unsupported-auth", async () => {
    handler = (_req, res) => json(res, 401, {}, { "www-authenticate": "Negotiate" });
    expect(await run()).toMatchObject({ ok: false, kind: "unsupported-auth" });
  });

  it("not-a-registry: an HTML 200 without the API header", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>hello</html>");
    };
    expect(await run()).toMatchObject({ ok: false, kind: "not-a-registry" });
  });

  it("HEAD fails, GET reads the error: a 5xx is unexpected", async () => {
    handler = (req, res) => {
      if (req.url === "/v2/") return json(res, 200, {});
      json(res, 503, { errors: [{ code: "UNAVAILABLE", message: "maintenance" }] });
    };
    const r = await run();
    expect(r).toMatchObject({ ok: false, kind: "unexpected" });
    expect(seen.map((s) => s.method)).toEqual(["GET", "HEAD", "GET"]);
  });

  it("rejects an unparsable image with INVALID_INPUT naming verify.image", async () => {
    await expect(verifyPull({ image: "Bad/Name", credential: custom() })).rejects.toThrow(CvmSecretsError);
    await expect(verifyPull({ image: `${host}/Bad`, credential: custom() })).rejects.toThrow(/verify\.image/);
  });
});

describe("ECR credentials", () => {
  let ecr: EcrStandIn;
  beforeAll(async () => {
    ecr = await startEcrStandIn({
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "right-secret-0000000000000000000000000000",
      region: "us-east-1",
      accountId: "123456789012",
    });
  });
  afterAll(() => ecr.stop());

  it("a rejected IAM key is bad-credentials, before any registry request", async () => {
    const r = validateCredential({
      type: "ecr",
      ecr: {
        accessKeyId: "AKIAIOSFODNN7EXAMPLE",
        secretAccessKey: "wrong-secret-11111111111111111111111111",
        registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
      },
    });
    if (!r.ok) throw new Error("invalid");
    const v = await verifyPull({
      image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1",
      credential: r.credential,
      ecrEndpoint: ecr.endpoint,
    });
    expect(v).toMatchObject({ ok: false, kind: "bad-credentials" });
    if (!v.ok) {
      expect(v.message).toMatch(/InvalidSignatureException/);
      expect(v.message).not.toContain("wrong-secret");
    }
  });
});
