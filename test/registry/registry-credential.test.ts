/** RegistryCredential create/update with `verify` against the real docker-registry. */
import { CvmSecretsError, ErrorCodes } from "../../provider/errors";
import { create, update } from "../../provider/registry-credential/index";
import { type RunningRegistry, type SeededImage, seedImage, startRegistry } from "../support/registry-server";

jest.setTimeout(60_000);

const PW = "rc-Registry-pw-5150";
const WRONG = "rc-Wrong-pw-0000";

describe("RegistryCredential verify at create/update", () => {
  let reg: RunningRegistry;
  let seeded: SeededImage;
  beforeAll(async () => {
    reg = await startRegistry({ auth: "htpasswd", users: { ci: PW } });
    seeded = await seedImage(reg.base, "team/app", "v1", { username: "ci", password: PW });
  });
  afterAll(async () => {
    await reg?.stop();
  });
  const inputs = (password: string, image = `${reg.host}/team/app:v1`) => ({
    resourceName: "local",
    type: "Custom",
    registry: `http://${reg.host}`,
    username: "ci",
    password,
    verify: { image, allowInsecureLoopback: true, timeoutSeconds: 10 },
  });

  it("create verifies and records verifiedAt and the digest", async () => {
    const before = Date.now();
    const { outs } = await create(inputs(PW));
    expect(outs.registry).toBe(reg.host);
    expect(outs.verifiedDigest).toBe(seeded.digest);
    expect(new Date(outs.verifiedAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it("a bad password fails create with the classification, not the password", async () => {
    const e = await create(inputs(WRONG)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(CvmSecretsError);
    expect((e as CvmSecretsError).code).toBe(ErrorCodes.REGISTRY_CHECK_FAILED);
    expect((e as CvmSecretsError).details.kind).toBe("bad-credentials");
    expect((e as Error).message).not.toContain(WRONG);
  });

  it("verify without an image checks the login", async () => {
    const login = { ...inputs(PW), verify: { allowInsecureLoopback: true } };
    const { outs } = await create(login);
    expect(typeof outs.verifiedAt).toBe("string");
    expect(outs.verifiedDigest).toBeUndefined();
    const e = await create({ ...login, password: WRONG }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((e as CvmSecretsError).details.kind).toBe("bad-credentials");
  });

  it("update re-verifies: a missing tag fails with tag-missing; skip bypasses the check", async () => {
    const e = await update("id", {}, inputs(PW, `${reg.host}/team/app:v2`)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((e as CvmSecretsError).details.kind).toBe("tag-missing");
    const skipped = inputs(PW, `${reg.host}/team/app:v2`);
    const { outs } = await update("id", {}, { ...skipped, verify: { ...skipped.verify, skip: true } });
    expect(outs.verifiedAt).toBeUndefined();
  });
});
