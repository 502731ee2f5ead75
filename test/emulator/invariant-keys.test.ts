/**
 * Invariant 1 (issue 20), property-based over generated API behaviour: no ciphertext is ever sent
 * to a key that is not the pinned key of the resolved CVM's app. Each run: a CVM named in a
 * generated id form (name, VM UUID, `app_<hex>`, `cvm_…`), a first `up` against the honest API
 * (state as this version or a version before ids were resolved wrote it), then a second `up`
 * with a new value through an API that tells the truth, swaps the CVM's app and key, or swaps
 * only the key — after the app's real key was rotated or not, with or without
 * `kms.allowKeyChange`. Asserted on every PATCH the proxy saw: whether the attacker's key can
 * decrypt it, which only `allowKeyChange` (the user's consent to re-pin the app's key,
 * docs/security.md) may allow for the CVM's own pinned app; and on what the guest runs.
 */
import fc from "fast-check";
import { type Emulator, startEmulator } from "../../emulator/index";
import { ErrorCodes } from "../../provider/errors";
import { resetSettings } from "../../provider/runtime/settings";
import {
  attackerKey,
  decryptsWith,
  type KeyScenario,
  keyScenarios,
  typedForm,
  writtenByTypedForm,
} from "../support/api-faults";
import { type CvmLie, type HostileProxy, hostileProxy, lyingAboutCvms } from "../support/hostile-proxy";
import { up, useEmulator } from "../support/provider-harness";

const SEED = 20_2001;
const RUNS = 200;

let emu: Emulator;
let proxy: HostileProxy;
/** What the proxy reports for every CVM during the current run's second `up`. */
let lie: CvmLie | undefined;

beforeAll(async () => {
  emu = await startEmulator({ restartMs: 5 });
  proxy = await hostileProxy(
    emu.url,
    lyingAboutCvms(() => lie),
  );
});
afterAll(async () => {
  await proxy.close();
  await emu.close();
});

/** The outcome the model predicts: refused (with which code) or pushed, and to whom. */
function expected(s: KeyScenario): { refused?: string; attackerMayRead: boolean } {
  if (s.api === "swap-app") return { refused: ErrorCodes.APP_CHANGED, attackerMayRead: false };
  const keyChanged = s.api === "swap-key" || s.rotate;
  if (keyChanged && !s.allowKeyChange) return { refused: ErrorCodes.KEY_CHANGED, attackerMayRead: false };
  return { attackerMayRead: s.api === "swap-key" };
}

let run = 0;
async function check(s: KeyScenario): Promise<void> {
  run += 1;
  useEmulator(emu);
  const created = await emu.admin.createCvm({ name: `inv-keys-${run}` });
  const typed = typedForm(created, s.form);
  const v1 = { API_KEY: `inv-keys-first-${run}` };
  const v2 = { API_KEY: `inv-keys-second-${run}` };
  const first = await up(undefined, { cvms: [typed], env: v1, composeCheck: "off" });
  const resource = s.legacyState ? writtenByTypedForm(first.resource, created.id, typed) : first.resource;
  if (s.rotate) await emu.admin.rotateKey(created.app_id);
  const attacker = attackerKey();
  const other = s.api === "swap-app" ? (await emu.admin.createApp()).app_id : undefined;
  lie = s.api === "honest" ? undefined : { app: other, key: attacker.publicKey };
  const seen = proxy.bodies.length;
  process.env.PHALA_CLOUD_API_PREFIX = proxy.url;
  resetSettings();
  const args = { cvms: [typed], env: v2, composeCheck: "off", kms: { allowKeyChange: s.allowKeyChange } };
  let code: string | undefined;
  try {
    await up(resource, args);
  } catch (error) {
    code = (error as { code?: string }).code;
  } finally {
    lie = undefined;
  }
  const patches = proxy.bodies
    .slice(seen)
    .filter((w) => w.method === "PATCH")
    .map((w) => (JSON.parse(w.body) as { encrypted_env: string }).encrypted_env);
  const model = expected(s);
  // Every PATCH: readable by the attacker only where the model allows it.
  for (const blob of patches)
    expect([s, decryptsWith(blob, attacker.secret)]).toEqual([s, model.attackerMayRead]);
  if (model.refused) {
    expect([s, code, patches.length]).toEqual([s, model.refused, 0]);
    expect((await emu.admin.guest(created.id)).env).toEqual(v1);
  } else if (!model.attackerMayRead) {
    // Pushed to the app's real key (rotated or not): the guest runs the new value.
    expect([s, code, patches.length]).toEqual([s, undefined, 1]);
    expect((await emu.admin.guest(created.id)).env).toEqual(v2);
  }
}

test("no ciphertext reaches a key that is not the pinned key of the resolved CVM's app", async () => {
  await fc.assert(
    fc.asyncProperty(keyScenarios, (s) => check(s)),
    { seed: SEED, numRuns: RUNS },
  );
}, 600_000);

test("the generator covers every id form against every lie", () => {
  const seen = new Set(
    fc.sample(keyScenarios, { seed: SEED, numRuns: RUNS }).map((s) => `${s.form}/${s.api}`),
  );
  expect(seen.size).toBe(12);
});
