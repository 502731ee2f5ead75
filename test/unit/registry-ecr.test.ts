import { getAuthorizationToken, needsRefresh, REFRESH_MARGIN_MS } from "../../provider/api/ecr";
import { CvmSecretsError, ErrorCodes } from "../../provider/errors";
import { type EcrStandIn, startEcrStandIn } from "../support/registry-server";

const KEY = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

describe("ECR GetAuthorizationToken against a signature-checking stand-in", () => {
  let ecr: EcrStandIn;
  let temp: EcrStandIn;
  beforeAll(async () => {
    ecr = await startEcrStandIn({
      ...KEY,
      region: "eu-west-1",
      accountId: "123456789012",
      lifetimeSeconds: 12 * 3600,
    });
    temp = await startEcrStandIn({
      accessKeyId: "ASIAIOSFODNN7EXAMPLE",
      secretAccessKey: KEY.secretAccessKey,
      sessionToken: "FwoGZXIvYXdzEXAMPLE",
      region: "us-east-1",
      accountId: "210987654321",
      lifetimeSeconds: 1800,
    });
  });
  afterAll(async () => {
    await ecr.stop();
    await temp.stop();
  });

  it("returns the decoded token, registry and expiry", async () => {
    const before = Date.now();
    const t = await getAuthorizationToken({ ...KEY, region: "eu-west-1", endpoint: ecr.endpoint });
    expect(t.username).toBe("AWS");
    expect(t.password).toBe(ecr.password);
    expect(t.registry).toBe("123456789012.dkr.ecr.eu-west-1.amazonaws.com");
    const exp = new Date(t.expiresAt).getTime();
    expect(exp).toBeGreaterThan(before + 11.9 * 3600 * 1000);
    expect(needsRefresh(t.expiresAt)).toBe(false);
    expect(ecr.calls.at(-1)).toEqual({ ok: true });
  });

  it("signs the session token; a short-lived token needs a refresh at once", async () => {
    const t = await getAuthorizationToken({
      accessKeyId: "ASIAIOSFODNN7EXAMPLE",
      secretAccessKey: KEY.secretAccessKey,
      sessionToken: "FwoGZXIvYXdzEXAMPLE",
      region: "us-east-1",
      endpoint: temp.endpoint,
    });
    expect(t.password).toBe(temp.password);
    expect(needsRefresh(t.expiresAt)).toBe(true);
  });

  async function failure(p: Promise<unknown>): Promise<CvmSecretsError> {
    try {
      await p;
    } catch (e) {
      expect(e).toBeInstanceOf(CvmSecretsError);
      return e as CvmSecretsError;
    }
    throw new Error("expected a failure");
  }

  it("a wrong secret is an InvalidSignatureException naming ecr.secretAccessKey, without the secret", async () => {
    const wrong = "WRONGsecretWRONGsecretWRONGsecretWRONG00";
    const e = await failure(
      getAuthorizationToken({ ...KEY, secretAccessKey: wrong, region: "eu-west-1", endpoint: ecr.endpoint }),
    );
    expect(e.code).toBe(ErrorCodes.REGISTRY_CHECK_FAILED);
    expect(e.message).toMatch(/InvalidSignatureException/);
    expect(e.message).toMatch(/ecr\.secretAccessKey/);
    expect(e.message).not.toContain(wrong);
    expect(JSON.stringify(e.details)).not.toContain(wrong);
  });

  it("an unknown key id is UnrecognizedClientException", async () => {
    const e = await failure(
      getAuthorizationToken({
        ...KEY,
        accessKeyId: "AKIAUNKNOWNKEY000000",
        region: "eu-west-1",
        endpoint: ecr.endpoint,
      }),
    );
    expect(e.message).toMatch(/UnrecognizedClientException.*ecr\.accessKeyId/);
  });

  it("a missing session token is refused", async () => {
    const e = await failure(
      getAuthorizationToken({
        accessKeyId: "ASIAIOSFODNN7EXAMPLE",
        secretAccessKey: KEY.secretAccessKey,
        region: "us-east-1",
        endpoint: temp.endpoint,
      }),
    );
    expect(e.message).toMatch(/UnrecognizedClientException/);
  });

  it("the wrong region fails the signature scope", async () => {
    const e = await failure(getAuthorizationToken({ ...KEY, region: "us-west-2", endpoint: ecr.endpoint }));
    expect(e.message).toMatch(/InvalidSignatureException/);
  });

  it("a closed endpoint is a network error naming ecr.region", async () => {
    const e = await failure(
      getAuthorizationToken({ ...KEY, region: "eu-west-1", endpoint: "http://127.0.0.1:1", timeoutMs: 2000 }),
    );
    expect(e.message).toMatch(/cannot reach .*ECONNREFUSED/);
  });
});

describe("needsRefresh", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  it.each([
    [undefined, true],
    ["not a date", true],
    ["2025-12-31T23:00:00Z", true],
    ["2026-01-01T00:00:00Z", true],
    ["2026-01-01T00:59:59Z", true],
    ["2026-01-01T01:00:00Z", true],
    ["2026-01-01T01:00:01Z", false],
    ["2026-01-01T12:00:00Z", false],
  ])("%s → %s", (exp, expected) => {
    expect(needsRefresh(exp, now)).toBe(expected);
  });
  it("accepts a Date and uses a one-hour margin", () => {
    expect(REFRESH_MARGIN_MS).toBe(3600_000);
    expect(needsRefresh(new Date(now.getTime() + 2 * 3600_000), now)).toBe(false);
  });
});
