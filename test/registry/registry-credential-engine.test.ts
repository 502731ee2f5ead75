/**
 * RegistryCredential through the real Pulumi engine (offline, file:// backend) against the real
 * docker-registry: `up` verifies, credential outputs are secret in outputs and state, a second
 * preview has no changes, and a wrong password fails `up` with its classification and without
 * the password.
 */
import { type PulumiWorkspace, pulumiWorkspace, tsProgram } from "../support/pulumi";
import { type RunningRegistry, type SeededImage, seedImage, startRegistry } from "../support/registry-server";

jest.setTimeout(300_000);

const PW = "engine-Registry-pw-7788";
const WRONG = "engine-Wrong-pw-1122";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { RegistryCredential } from "pulumi-cvm-secrets";

const config = new pulumi.Config();
const host = config.require("host");
const cred = new RegistryCredential("local", {
  type: "Custom",
  registry: "http://" + host,
  username: "ci",
  password: config.requireSecret("password"),
  verify: { image: host + "/team/app:v1", allowInsecureLoopback: true, timeoutSeconds: 10 },
});
export const registry = cred.registry;
export const cvmEnv = cred.cvmEnv;
export const dockerConfigJson = cred.dockerConfigJson;
export const akashCredentials = cred.akashCredentials;
export const verifiedAt = cred.verifiedAt;
export const verifiedDigest = cred.verifiedDigest;
`;

describe("RegistryCredential on the real engine", () => {
  let reg: RunningRegistry;
  let seeded: SeededImage;
  let program: ReturnType<typeof tsProgram>;
  let pulumi: PulumiWorkspace;

  beforeAll(async () => {
    reg = await startRegistry({ auth: "htpasswd", users: { ci: PW } });
    seeded = await seedImage(reg.base, "team/app", "v1", { username: "ci", password: PW });
    program = tsProgram("regcred", PROGRAM);
    pulumi = pulumiWorkspace(program.dir);
  });

  afterAll(async () => {
    if (pulumi) await pulumi.run(["destroy", "--yes", "--non-interactive", "--color", "never"]);
    pulumi?.dispose();
    program?.dispose();
    await reg?.stop();
  });

  test("up verifies; outputs and state keep the credential secret; no-op preview; bad password fails", async () => {
    await pulumi.ok(["stack", "init", "dev", "--non-interactive"]);
    await pulumi.ok(["config", "set", "host", reg.host]);
    await pulumi.ok(["config", "set", "--secret", "password", PW]);

    const up = await pulumi.ok(["up", "--yes", "--skip-preview", "--non-interactive", "--color", "never"]);
    expect(up.stdout + up.stderr).not.toContain(PW);

    const outputs = JSON.parse((await pulumi.ok(["stack", "output", "--json"])).stdout);
    expect(outputs.registry).toBe(reg.host);
    expect(outputs.cvmEnv).toBe("[secret]");
    expect(outputs.dockerConfigJson).toBe("[secret]");
    expect(outputs.akashCredentials).toBe("[secret]");
    expect(outputs.verifiedDigest).toBe(seeded.digest);
    expect(typeof outputs.verifiedAt).toBe("string");

    const shown = JSON.parse((await pulumi.ok(["stack", "output", "--json", "--show-secrets"])).stdout);
    expect(shown.cvmEnv).toEqual({
      DSTACK_DOCKER_REGISTRY: reg.host,
      DSTACK_DOCKER_USERNAME: "ci",
      DSTACK_DOCKER_PASSWORD: PW,
    });
    expect(JSON.parse(shown.dockerConfigJson).auths[reg.host].auth).toBe(
      Buffer.from(`ci:${PW}`).toString("base64"),
    );

    const state = (await pulumi.ok(["stack", "export"])).stdout;
    expect(state).not.toContain(PW);
    expect(state).not.toContain(Buffer.from(`ci:${PW}`).toString("base64"));

    await pulumi.ok(["preview", "--expect-no-changes", "--non-interactive", "--color", "never"]);

    await pulumi.ok(["config", "set", "--secret", "password", WRONG]);
    const preview = await pulumi.ok(["preview", "--diff", "--non-interactive", "--color", "never"]);
    expect(preview.stdout).toMatch(/~ 1 to update/);
    expect(preview.stdout + preview.stderr).not.toContain(WRONG);
    expect(preview.stdout + preview.stderr).not.toContain(PW);
    const bad = await pulumi.run(["up", "--yes", "--skip-preview", "--non-interactive", "--color", "never"]);
    expect(bad.code).not.toBe(0);
    const text = bad.stdout + bad.stderr;
    expect(text).toMatch(/bad-credentials/);
    expect(text).not.toContain(WRONG);
  });
});
