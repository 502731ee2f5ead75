/**
 * A RegistryCredential feeding a CvmSecrets, on the real engine, with the real docker-registry
 * and the emulator: the CVM receives the DSTACK_DOCKER_* variables; rotating to another valid
 * account restarts the CVM with the reason "registry credential"; a bad password fails the
 * credential's verify before any CVM is touched — scanned in every place the run writes, the
 * provider process's own stderr among them. Run for the dynamic classes (registry.dynamic.test.ts) and
 * through the provider plugin (registry.plugin.test.ts).
 */
import {
  type Captured,
  expectNoLeakIn,
  PROVIDER_TRACE,
  PROVIDER_TRACE_ENV,
  runCaptured,
} from "../../support/cli-logs";
import {
  type E2eStack,
  e2eStack,
  expectNoLeak,
  exportState,
  QUIET,
  setSecrets,
  type TypeScriptFlavour,
} from "../../support/e2e";
import { type RunningRegistry, seedImage, startRegistry } from "../../support/registry-server";
import { said } from "./messages";

const USERS = { "ci-one": "reg-pw-e2e-one-4711", "ci-two": "reg-pw-e2e-two-4712" };
const WRONG = "reg-pw-e2e-wrong-4713";
const APP_SECRET = "app-secret-e2e-registry-99";

export function registrySuite(flavour: TypeScriptFlavour): void {
  jest.setTimeout(300_000);
  const captured: Captured[] = [];
  let reg: RunningRegistry;
  let s: E2eStack;
  let cvm: string;

  beforeAll(async () => {
    reg = await startRegistry({ auth: "htpasswd", users: USERS });
    await seedImage(reg.base, "team/api", "v1", { username: "ci-one", password: USERS["ci-one"] });
    s = await e2eStack("registry-rotation", "dev", 150, flavour);
    const compose = `services:\n  api:\n    image: ${reg.host}/team/api:v1\n    environment:\n      - APP_SECRET=\${APP_SECRET}\n`;
    cvm = (await s.emu.admin.createCvm({ name: "registry-api", docker_compose_file: compose })).id;
    await s.cli(["config", "set", "cvmId", cvm]);
    await s.cli(["config", "set", "registryHost", reg.host]);
    await s.cli(["config", "set", "registryUser", "ci-one"]);
    await setSecrets(s, { registryPassword: USERS["ci-one"], appSecret: APP_SECRET });
  });

  afterAll(async () => {
    await s?.dispose();
    await reg?.stop();
  });

  test("first up: verify passes against the real registry; the CVM gets the DSTACK_DOCKER_* variables", async () => {
    await s.cli(["up", "--yes", ...QUIET]);
    expect((await s.emu.admin.guest(cvm)).env).toEqual({
      APP_SECRET,
      DSTACK_DOCKER_REGISTRY: reg.host,
      DSTACK_DOCKER_USERNAME: "ci-one",
      DSTACK_DOCKER_PASSWORD: USERS["ci-one"],
    });
  });

  test("rotation to another account restarts the CVM, and the preview says it is the registry credential", async () => {
    await s.cli(["config", "set", "registryUser", "ci-two"]);
    await setSecrets(s, { registryPassword: USERS["ci-two"] });
    const preview = await s.cli(["preview", ...QUIET]);
    // The credential's new outputs exist only after its update, so preview can only say "up to".
    expect(preview.stdout).toContain(
      said(flavour, "the registry credential is known only at apply; up to 1 CVM restart"),
    );
    // --diff: the app keys keep their tokens, the registry keys are known only at apply — never
    // rendered as removed.
    const diff = await s.cli(["preview", "--diff", ...QUIET]);
    expect(diff.stdout).toMatch(/~ DSTACK_DOCKER_PASSWORD: "fp-[0-9a-f]{16}" => \[unknown\]/);
    if (flavour === "dynamic") expect(diff.stdout).toMatch(/ {2}APP_SECRET +: "fp-[0-9a-f]{16}"\n/);
    // The plugin's detailed diff lists only what changes: the app key kept its token.
    else expect(diff.stdout).not.toMatch(/APP_SECRET/);
    expect(diff.stdout).not.toMatch(/- DSTACK_DOCKER_/);
    const up = await s.cli(["up", "--yes", ...QUIET]);
    expect(up.stdout).toContain(
      "registry credential rotated (DSTACK_DOCKER_PASSWORD, DSTACK_DOCKER_USERNAME)",
    );
    expect((await s.emu.admin.guest(cvm)).env).toMatchObject({
      DSTACK_DOCKER_USERNAME: "ci-two",
      DSTACK_DOCKER_PASSWORD: USERS["ci-two"],
    });
  });

  test("a wrong password fails verify; no CVM is touched", async () => {
    await setSecrets(s, { registryPassword: WRONG });
    const before = await s.emu.admin.counts();
    const up = await s.cli(["up", "--yes", ...QUIET], { allowFail: true });
    expect(up.code).not.toBe(0);
    expect(`${up.stdout}${up.stderr}`).toMatch(/bad-credentials|rejected the credentials/);
    const after = await s.emu.admin.counts();
    expect(after.writes).toBe(before.writes);
    expect((await s.emu.admin.guest(cvm)).env).toMatchObject({ DSTACK_DOCKER_PASSWORD: USERS["ci-two"] });
    // The same failure with --debug: the provider's stderr, -v logs and the Pulumi home's logs.
    const debug = await runCaptured(s.pulumi, "failing up --debug", ["up", "--yes", "--debug", ...QUIET], {
      env: PROVIDER_TRACE_ENV,
    });
    expect(debug.code).not.toBe(0);
    const text = debug.captured.map((c) => c.text).join("\n");
    expect(text).toMatch(/bad-credentials|rejected the credentials/);
    expect(text).toMatch(PROVIDER_TRACE);
    captured.push(...debug.captured);
    expect((await s.emu.admin.counts()).writes).toBe(before.writes);
  });

  test("leak scan", async () => {
    await setSecrets(s, { registryPassword: USERS["ci-two"] });
    await s.cli(["destroy", "--yes", ...QUIET]);
    const state = await exportState(s);
    const values = [...Object.values(USERS), WRONG, APP_SECRET, s.emu.apiKey];
    expectNoLeak([...s.transcript, state.text], values);
    expectNoLeakIn(captured, values);
  });
}
