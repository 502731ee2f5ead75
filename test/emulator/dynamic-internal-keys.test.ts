/**
 * The dynamic classes store the properties a user never typed as `__<name>`, which the CLI's
 * diff display leaves out (provider/runtime/internal-keys.ts). Driven here through the module
 * the dynamic stub loads (`impl/cvm-secrets`), with inputs as the class registers them: every
 * method must still see each one (the registry's variables reach the guest, the owner tag lets
 * delete clear the env), store it prefixed, and read a state of 0.2 that holds the plain names.
 */
import { type Emulator, startEmulator } from "../../emulator/index";
import { INTERNAL_KEYS } from "../../provider/cvm-secrets/properties";
import * as dynamic from "../../provider/dynamic/cvm-secrets-impl";
import { fromStored } from "../../provider/runtime/internal-keys";
import { useEmulator } from "../support/provider-harness";

type Props = Record<string, unknown>;

const ENV = { API_KEY: "internal-keys-value-1" };
const REGISTRY_ENV = {
  DSTACK_DOCKER_REGISTRY: "ghcr.io",
  DSTACK_DOCKER_USERNAME: "acme-bot",
  DSTACK_DOCKER_PASSWORD: "internal-keys-token-2",
};
const COMPOSE = "services:\n  api:\n    image: ghcr.io/acme/api:1.0.0\n";
const URN = "urn:pulumi:dev::p::pulumi-nodejs:dynamic/cvm-secrets:CvmSecrets::api";

let emu: Emulator;
let cvm: string;

beforeEach(async () => {
  emu = await startEmulator({ restartMs: 20 });
  useEmulator(emu);
  cvm = (await emu.admin.createCvm({ name: "internal-keys", docker_compose_file: COMPOSE })).id;
});
afterEach(async () => {
  await emu?.close();
});

/** The inputs as dynamic/cvm-secrets.ts registers them (secrets revealed, as the provider gets them). */
function registered(env: Record<string, string> = ENV): Props {
  return {
    // By name: the id check resolves it to lives only in `__cvmIds`, which delete needs.
    cvms: ["internal-keys"],
    env,
    __resourceName: "api",
    __ownerUrn: URN,
    __ownerKey: "a7".repeat(32),
    __registryHost: "ghcr.io",
    __registryEnv: REGISTRY_ENV,
    __defaultRegistryEnv: "",
    __provider: "exports.handler = stub",
  };
}

const plainInternal = (props: Props) => INTERNAL_KEYS.filter((k) => k in props);

test("every method sees the internal properties; inputs and outputs store them under __ only", async () => {
  const checked = await dynamic.check({}, registered());
  expect(checked.failures ?? []).toEqual([]);
  const inputs = checked.inputs as Props;
  expect(plainInternal(inputs)).toEqual([]);
  // What check adds is stored prefixed too.
  expect(
    Object.keys(inputs)
      .filter((k) => k.startsWith("__"))
      .sort(),
  ).toEqual(expect.arrayContaining(["__cvmIds", "__ownerUrn", "__registryEnv", "__resourceName"]));
  const created = await dynamic.create(inputs);
  const outs = created.outs as Props;
  expect(plainInternal(outs)).toEqual([]);
  expect(outs.__cvmIds).toEqual({ "internal-keys": cvm });
  // The registry's variables came through `__registryEnv`.
  expect((await emu.admin.guest(cvm)).env).toEqual({ ...ENV, ...REGISTRY_ENV });

  // No change: the plan sees the same thing on both sides.
  const again = (await dynamic.check(inputs, registered())).inputs as Props;
  expect(await dynamic.diff(created.id, outs, again)).toEqual({ changes: false });

  // A refresh stores what it reads prefixed as well.
  const read = await dynamic.read(created.id, outs);
  expect(plainInternal(read.props as Props)).toEqual([]);

  // Delete (the engine hands it the outputs) finds the CVM through `__cvmIds` and clears its env.
  await dynamic.remove(created.id, read.props as Props);
  expect((await emu.admin.guest(cvm)).env).toEqual({});
});

test("a state written with the plain names (0.2) is read as it is: no change, and the next write prefixes it", async () => {
  const checked = (await dynamic.check({}, registered())).inputs as Props;
  const created = await dynamic.create(checked);
  // The same state as 0.2 wrote it: every internal property under its plain name.
  const oldInputs = fromStored(checked, INTERNAL_KEYS);
  const oldOutputs = fromStored(created.outs as Props, INTERNAL_KEYS);
  expect(plainInternal(oldOutputs).length).toBeGreaterThan(3);
  const news = (await dynamic.check(oldInputs, registered())).inputs as Props;
  expect(news.__cvmIds).toEqual({ "internal-keys": cvm }); // carried over from the plain-named olds
  expect(await dynamic.diff(created.id, oldOutputs, news)).toEqual({ changes: false });

  const rotated = (await dynamic.check(oldInputs, registered({ API_KEY: "internal-keys-value-3" })))
    .inputs as Props;
  expect(await dynamic.diff(created.id, oldOutputs, rotated)).toEqual({ changes: true });
  const updated = await dynamic.update(created.id, oldOutputs, rotated);
  expect(plainInternal(updated.outs as Props)).toEqual([]);
  expect((await emu.admin.guest(cvm)).env).toEqual({ API_KEY: "internal-keys-value-3", ...REGISTRY_ENV });
});

test("a failed rollout's state, carried on its error, stores them under __ too", async () => {
  const checked = (await dynamic.check({}, registered())).inputs as Props;
  await emu.admin.addFault({ cvm, bootError: "simulated: container failed to start", times: 1 });
  const error = (await dynamic.create(checked).then(
    () => undefined,
    (e: unknown) => e,
  )) as { properties?: Props } | undefined;
  expect(error?.properties).toBeDefined();
  expect(plainInternal(error!.properties!)).toEqual([]);
  expect(error!.properties!.__cvmIds).toEqual({ "internal-keys": cvm });
  expect(error!.properties!.__provider).toBeDefined();
});
