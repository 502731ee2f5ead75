import { renderAll, validateCredential } from "../../provider/core/registry/index";
import { type CvmSecretsError, ErrorCodes } from "../../provider/errors";
import { check, create, diff, read, remove, update } from "../../provider/registry-credential/index";
import { type EcrStandIn, startEcrStandIn } from "../support/registry-server";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SECRET = "ghp_unitTESTtoken0123456789";
const AWS_SECRET = "unit/Secret+Access+Key/0123456789abcdefgh";
const b64 = (s: string) => Buffer.from(s).toString("base64");

// diff prints one info line on stderr (shown by the Pulumi CLI); keep test output quiet.
let stderr: jest.SpyInstance;
beforeEach(() => {
  stderr = jest.spyOn(console, "error").mockImplementation(() => undefined);
});
afterEach(() => stderr.mockRestore());

const ghcr = {
  resourceName: "pull",
  type: "GHCR",
  username: "octo",
  token: SECRET,
  __provider: "serialized",
};

describe("check", () => {
  it("accepts valid inputs and drops stale outputs", async () => {
    const r = await check({}, { ...ghcr, cvmEnv: { X: "y" } });
    expect(r.failures).toBeUndefined();
    expect(r.inputs).toEqual({
      ...ghcr,
      registry: "ghcr.io",
      credentialVersion: expect.stringMatching(/^fp-/),
    });
  });

  it("normalises the registry input to the bare host and remembers http://", async () => {
    const r = await check(
      {},
      { type: "custom", registry: "http://127.0.0.1:5000/", username: "u", password: SECRET },
    );
    expect(r.inputs).toMatchObject({ registry: "127.0.0.1:5000", insecureRegistry: true });
    const again = await check({}, { ...r.inputs, insecureRegistry: undefined });
    expect(again.inputs.insecureRegistry).toBeUndefined();
    const { outs } = await create(r.inputs);
    expect(outs.insecureRegistry).toBe(true);
    expect(await diff("id", outs, r.inputs)).toEqual({ changes: false });
    expect(await diff("id", outs, { ...r.inputs, insecureRegistry: undefined })).toEqual({ changes: true });
  });

  it("diff rewrites state from 0.1, whose outputs held the credential", async () => {
    const inputs = (await check({}, ghcr)).inputs;
    const { outs } = await create(inputs);
    const legacy = { ...outs, credentialVersion: undefined, cvmEnv: { DSTACK_DOCKER_PASSWORD: SECRET } };
    expect(await diff("id", legacy, inputs)).toEqual({ changes: true });
    expect(stderr).toHaveBeenLastCalledWith(expect.stringContaining("rewritten without credentials"));
    expect(await diff("id", outs, inputs)).toEqual({ changes: false });
  });

  it("reports each failure by property and rule, never a value", async () => {
    const r = await check(
      {},
      { type: "ghcr", username: "a:b", token: ` ${SECRET}`, verify: { image: "quay.io/x/y:1", bogus: 1 } },
    );
    expect(r.failures).toEqual(
      expect.arrayContaining([
        // Empty property: the engine prints a named property's value next to it.
        { property: "", reason: expect.stringMatching(/^username: .*':'/) },
        { property: "", reason: expect.stringMatching(/^token: .*whitespace/) },
        { property: "", reason: "verify.bogus: is not an input of verify" },
      ]),
    );
    expect(JSON.stringify(r.failures)).not.toContain(SECRET);
  });

  it("verify.image must be on the credential's registry", async () => {
    const r = await check({}, { ...ghcr, verify: { image: "quay.io/org/app:1" } });
    expect(r.failures).toEqual([
      {
        property: "",
        reason: expect.stringMatching(/^verify\.image: is on quay\.io but the credential is for ghcr\.io/),
      },
    ]);
    expect((await check({}, { ...ghcr, verify: { image: "GHCR.io/org/app:1" } })).failures).toBeUndefined();
    const bad = await check({}, { ...ghcr, verify: { image: "ghcr.io/Org/App" } });
    expect(bad.failures).toEqual([
      { property: "", reason: expect.stringMatching(/^verify\.image: .*lowercase/) },
    ]);
    const t = await check({}, { ...ghcr, verify: { timeoutSeconds: 0, skip: "yes" } });
    expect(t.failures?.map((f) => f.reason.split(":")[0]).sort()).toEqual([
      "verify.skip",
      "verify.timeoutSeconds",
    ]);
  });

  it("with unknown values in preview only the type is checked", async () => {
    expect((await check({}, { ...ghcr, token: UNKNOWN, username: UNKNOWN })).failures).toBeUndefined();
    expect((await check({}, { type: "harbor", token: UNKNOWN })).failures).toEqual([
      { property: "", reason: expect.stringMatching(/^type: /) },
    ]);
  });
});

describe("create / diff / update / read / remove (no verify)", () => {
  // check's olds are the previous inputs; diff and update get the previous outputs.
  const checked = async (olds: Record<string, unknown>, news: Record<string, unknown>) =>
    (await check(olds, news)).inputs;

  it("outputs carry no secret input's value; the renderings are the program side's", async () => {
    const { id, outs } = await create(await checked({}, ghcr));
    expect(id).toMatch(/^registrycredential-[0-9a-f]{16}$/);
    expect(outs.registry).toBe("ghcr.io");
    expect(JSON.stringify(outs)).not.toContain(SECRET);
    expect(Object.keys(outs).sort()).toEqual([
      "credentialVersion",
      "ecrToken",
      "insecureRegistry",
      "registry",
      "resourceName",
      "type",
    ]);
    const { resourceName: _n, __provider: _p, ...fields } = ghcr;
    const r = validateCredential(fields);
    if (!r.ok) throw new Error("valid");
    const rendered = renderAll(r.credential);
    expect(rendered.cvmEnv).toEqual({
      DSTACK_DOCKER_REGISTRY: "ghcr.io",
      DSTACK_DOCKER_USERNAME: "octo",
      DSTACK_DOCKER_PASSWORD: SECRET,
    });
    expect(JSON.parse(rendered.dockerConfigJson)).toEqual({
      auths: { "ghcr.io": { username: "octo", password: SECRET, auth: b64(`octo:${SECRET}`) } },
    });
    expect(rendered.akashCredentials).toEqual({ host: "ghcr.io", username: "octo", password: SECRET });
    expect(outs.verifiedAt).toBeUndefined();
    expect(outs.expiresAt).toBeUndefined();
  });

  it("diff: no change, then a new token, a new verify, a new registry spelling that normalises the same", async () => {
    const first = await checked({}, ghcr);
    const { outs } = await create(first);
    const next = (news: Record<string, unknown>) => checked(first, news).then((n) => diff("id", outs, n));
    expect(await next(ghcr)).toEqual({ changes: false });
    expect(await next({ ...ghcr, registry: "https://ghcr.io/" })).toEqual({ changes: false });
    expect(await next({ ...ghcr, type: "ghcr" })).toEqual({ changes: false });
    expect(await next({ ...ghcr, token: "ghp_other" })).toEqual({ changes: true });
    expect(await next({ ...ghcr, verify: { skip: true } })).toEqual({ changes: true });
    expect(await next({ ...ghcr, type: "custom", registry: "ghcr.io" })).toEqual({ changes: true });
    expect(await next({ ...ghcr, token: UNKNOWN })).toEqual({ changes: true });
    // The token moves with the credential and says nothing about it: the same first token for any value.
    const other = await checked({}, { ...ghcr, token: "ghp_other" });
    expect(other.credentialVersion).toBe(first.credentialVersion);
    expect((await checked(first, { ...ghcr, token: "ghp_other" })).credentialVersion).not.toBe(
      first.credentialVersion,
    );
  });

  it("public: no credential outputs", async () => {
    const r = validateCredential({ type: "Public" });
    if (!r.ok) throw new Error("valid");
    expect(renderAll(r.credential)).toEqual({ cvmEnv: {}, dockerConfigJson: '{"auths":{}}' });
    const { outs } = await create({ type: "Public" });
    expect(outs.ecrToken).toBeNull();
  });

  it("read returns the state and no inputs (the engine keeps the old ones); remove is a no-op", async () => {
    const { outs } = await update("id", {}, await checked({}, { ...ghcr, username: "hubot" }));
    const r = await read("id", outs);
    expect(r.props).toBe(outs);
    expect(r.inputs).toBeUndefined();
    await expect(remove("id", outs)).resolves.toBeUndefined();
  });

  it("create refuses invalid inputs with INVALID_INPUT and no value", async () => {
    await expect(create({ type: "ghcr", username: "octo" })).rejects.toThrow(/token: is required/);
    try {
      await create({ type: "custom", registry: "bad_host", username: "u", password: SECRET });
    } catch (e) {
      expect((e as CvmSecretsError).code).toBe(ErrorCodes.INVALID_INPUT);
      expect((e as CvmSecretsError).message).not.toContain(SECRET);
    }
  });
});

describe("ECR", () => {
  let ecr: EcrStandIn;
  let short: EcrStandIn;
  const key = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: AWS_SECRET };
  beforeAll(async () => {
    ecr = await startEcrStandIn({ ...key, region: "eu-central-1", accountId: "123456789012" });
    short = await startEcrStandIn({
      ...key,
      region: "eu-central-1",
      accountId: "123456789012",
      lifetimeSeconds: 1200,
    });
  });
  afterAll(async () => {
    await ecr.stop();
    await short.stop();
  });
  const inputs = (endpoint: string, mintEcrToken: boolean | "unset" = true) => ({
    resourceName: "ecr",
    type: "ECR",
    ecr: { ...key, registry: "123456789012.dkr.ecr.eu-central-1.amazonaws.com", endpoint },
    ...(mintEcrToken === "unset" ? {} : { mintEcrToken }),
  });

  it("create without mintEcrToken calls no AWS API: no token output, nothing to refresh", async () => {
    // An endpoint nothing listens on: any AWS call would fail the create.
    const offline = (await check({}, inputs("http://127.0.0.1:9/", "unset"))).inputs;
    const { outs } = await create(offline);
    expect(outs.ecrToken).toBeNull();
    expect(outs.expiresAt).toBeUndefined();
    expect(JSON.stringify(outs)).not.toContain(AWS_SECRET);
    // No token to refresh, so no update is planned; asking for the token outputs is a change.
    expect(await diff("id", outs, offline)).toEqual({ changes: false });
    expect(await diff("id", outs, { ...offline, mintEcrToken: true })).toEqual({ changes: true });
    // The token is minted only when asked for: then the unreachable endpoint fails the update.
    await expect(update("id", outs, { ...offline, mintEcrToken: true })).rejects.toThrow();
  });

  it("create with mintEcrToken: the token (secret) and its expiry; the IAM variables are rendered from the inputs", async () => {
    const first = (await check({}, inputs(ecr.endpoint))).inputs;
    const { outs } = await create(first);
    expect(JSON.stringify(outs)).not.toContain(AWS_SECRET);
    // Marked secret in Pulumi's wire form: the engine keeps it secret in state.
    expect(outs.ecrToken).toEqual({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      value: { username: "AWS", password: ecr.password },
    });
    const { resourceName: _n, mintEcrToken: _m, ...fields } = inputs(ecr.endpoint);
    const r = validateCredential(fields);
    if (!r.ok) throw new Error("valid");
    const rendered = renderAll(r.credential, outs.ecrToken.value);
    expect(rendered.cvmEnv).toEqual({
      DSTACK_AWS_ACCESS_KEY_ID: key.accessKeyId,
      DSTACK_AWS_SECRET_ACCESS_KEY: AWS_SECRET,
      DSTACK_AWS_REGION: "eu-central-1",
      DSTACK_AWS_ECR_REGISTRY: "123456789012.dkr.ecr.eu-central-1.amazonaws.com",
    });
    expect(
      JSON.parse(rendered.dockerConfigJson).auths["123456789012.dkr.ecr.eu-central-1.amazonaws.com"].password,
    ).toBe(ecr.password);
    expect(rendered.akashCredentials).toEqual({
      host: "123456789012.dkr.ecr.eu-central-1.amazonaws.com",
      username: "AWS",
      password: ecr.password,
    });
    expect(new Date(outs.expiresAt).getTime()).toBeGreaterThan(Date.now() + 11 * 3600_000);
    expect(await diff("id", outs, (await check(first, inputs(ecr.endpoint))).inputs)).toEqual({
      changes: false,
    });
  });

  it("diff refreshes a token that expires within the hour, or has expired", async () => {
    const first = (await check({}, inputs(short.endpoint))).inputs;
    const { outs } = await create(first);
    expect(await diff("id", outs, first)).toEqual({ changes: true });
    expect(stderr).toHaveBeenLastCalledWith(
      expect.stringMatching(/^RegistryCredential ecr: the ECR token expires at .*; it will be refreshed$/),
    );
    expect(await diff("id", { ...outs, expiresAt: "2000-01-01T00:00:00Z" }, first)).toEqual({
      changes: true,
    });
    const moved = (await check(first, inputs(ecr.endpoint))).inputs;
    const { outs: fresh } = await update("id", outs, moved);
    expect(await diff("id", fresh, (await check(moved, inputs(ecr.endpoint))).inputs)).toEqual({
      changes: false,
    });
  });

  it("a wrong secret fails create with REGISTRY_CHECK_FAILED and no secret in the message", async () => {
    const bad = inputs(ecr.endpoint);
    bad.ecr.secretAccessKey = "WRONG/secret/WRONG/secret/WRONG/secret00";
    try {
      await create(bad);
      throw new Error("expected failure");
    } catch (e) {
      expect((e as CvmSecretsError).code).toBe(ErrorCodes.REGISTRY_CHECK_FAILED);
      expect((e as Error).message).toMatch(/InvalidSignatureException/);
      expect((e as Error).message).not.toContain("WRONG/secret");
    }
  });
});
