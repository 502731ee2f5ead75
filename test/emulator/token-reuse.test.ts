/**
 * Fingerprints are value-independent change tokens (core/fingerprint.ts), so two different values
 * can meet the same token history. These cases make sure that never lets a CVM keep an env it
 * should not: a key removed (while one replica was left behind) and added back with another
 * value, and a run whose result the engine never recorded followed by a different value.
 */
import { type Emulator, startEmulator } from "../../emulator/index";
import * as impl from "../../provider/cvm-secrets/index";
import { UNKNOWN } from "../../provider/runtime/wire";
import { failedUp, PROVIDER_TEXT, type Resource, up, useEmulator } from "../support/provider-harness";

const COMPOSE =
  "services:\n  app:\n    image: ghcr.io/acme/api:1\n    environment:\n      - API_KEY=${API_KEY}\n      - EXTRA=${EXTRA:-none}\n";

let emu: Emulator;

beforeEach(async () => {
  emu = await startEmulator({ restartMs: 40 });
  useEmulator(emu);
});
afterEach(async () => {
  await emu.close();
});

async function replicas(n: number): Promise<string[]> {
  const first = await emu.admin.createCvm({
    name: `tok-${Math.random().toString(36).slice(2, 8)}`,
    docker_compose_file: COMPOSE,
  });
  const ids = [first.id];
  for (let i = 1; i < n; i++) {
    ids.push(
      (
        await emu.admin.createCvm({
          name: `tok-${i}-${Math.random().toString(36).slice(2, 8)}`,
          app_id: first.app_id,
          docker_compose_file: COMPOSE,
        })
      ).id,
    );
  }
  return ids;
}

const guest = async (id: string) => (await emu.admin.guest(id)).env;

test("a key removed while a replica was left behind, then added back with another value, reaches every replica", async () => {
  const ids = await replicas(2);
  const [a, b] = ids as [string, string];
  const first = await up(undefined, {
    cvms: ids,
    env: { API_KEY: "tok-reuse-key-1", EXTRA: "tok-reuse-extra-1" },
  });
  // Removing EXTRA: the first replica fails to boot, so the rollout stops before the second.
  await emu.admin.addFault({ cvm: a, bootError: "simulated: failed to start", times: 1 });
  const removal = { cvms: ids, env: { API_KEY: "tok-reuse-key-1" } };
  const err = await failedUp(first.resource, removal);
  expect(err.message).toContain(`Not done: ${a}, ${b}`);
  // The engine keeps the failed update's inputs and the error's state.
  const checked = await impl.check(first.resource.inputs, {
    resourceName: "api",
    defaultRegistryEnv: "",
    ...removal,
    __provider: PROVIDER_TEXT,
  });
  const partial: Resource = {
    id: first.resource.id,
    inputs: checked.inputs as Record<string, unknown>,
    outputs: err.properties as Record<string, unknown>,
  };
  const want = { API_KEY: "tok-reuse-key-1", EXTRA: "tok-reuse-extra-2" };
  await up(partial, { cvms: ids, env: want });
  expect(await guest(a)).toEqual(want);
  expect(await guest(b)).toEqual(want);
});
test("a run the engine never recorded, then a different value: every replica gets the new value", async () => {
  const ids = await replicas(3);
  const first = await up(undefined, { cvms: ids, env: { API_KEY: "tok-reuse-value-A" } });
  // Completed by the provider, never recorded by the engine (Pulumi killed before the state write).
  await up(first.resource, { cvms: ids, env: { API_KEY: "tok-reuse-value-B" } });
  for (const id of ids) expect(await guest(id)).toEqual({ API_KEY: "tok-reuse-value-B" });
  await up(first.resource, { cvms: ids, env: { API_KEY: "tok-reuse-value-C" } });
  for (const id of ids) expect(await guest(id)).toEqual({ API_KEY: "tok-reuse-value-C" });
});

test("a preview where only the registry credential is unknown keeps the app keys' tokens and shows the registry keys as unknown", async () => {
  const [cvm] = await replicas(1);
  const registryEnv = {
    DSTACK_DOCKER_REGISTRY: "ghcr.io",
    DSTACK_DOCKER_USERNAME: "bot",
    DSTACK_DOCKER_PASSWORD: "tok-reuse-registry-pw",
  };
  const args = { cvms: [cvm], env: { API_KEY: "tok-reuse-app" }, registryHost: "ghcr.io", registryEnv };
  const { resource } = await up(undefined, args);
  const old = resource.inputs.fingerprints as Record<string, string>;
  const news = { resourceName: "api", ...args, registryEnv: UNKNOWN, __provider: PROVIDER_TEXT };
  const checked = await impl.check(resource.inputs, news);
  expect(checked.failures).toBeUndefined();
  const fps = (checked.inputs as { fingerprints: Record<string, string> }).fingerprints;
  expect(fps.API_KEY).toBe(old.API_KEY);
  for (const k of Object.keys(registryEnv)) expect(fps[k]).toBe(UNKNOWN);
  const spy = jest.spyOn(console, "error").mockImplementation(() => undefined);
  try {
    const d = await impl.diff(resource.id, resource.outputs, checked.inputs as Record<string, unknown>);
    expect(d.changes).toBe(true);
    expect(spy.mock.calls.map((c) => String(c[0])).join("\n")).toContain(
      "the registry credential is known only at apply; up to 1 CVM restart",
    );
  } finally {
    spy.mockRestore();
  }
});
