/**
 * The app pin holds for every id form `cvms` may name a CVM in (name, VM UUID, `app_<hex>`,
 * `cvm_…`), and for state written before ids were resolved (pins keyed by the typed form): an
 * API that reports another app and a key it holds gets no write and no ciphertext.
 */
import { type Emulator, startEmulator } from "../../emulator/index";
import { ErrorCodes } from "../../provider/errors";
import { resetSettings } from "../../provider/runtime/settings";
import { ID_FORMS, type IdForm, typedForm, writtenByTypedForm } from "../support/api-faults";
import { hostileProxy, lyingAboutCvms } from "../support/hostile-proxy";
import { failedUp, up, useEmulator } from "../support/provider-harness";

const V1 = { API_KEY: "sk_pins_first_7171" };
const V2 = { API_KEY: "sk_pins_rotated_8282" };

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator({ restartMs: 30 });
  useEmulator(emu);
});
afterEach(async () => {
  await emu.close();
});

async function cvmNamedBy(form: IdForm): Promise<{ id: string; typed: string }> {
  const created = await emu.admin.createCvm({ name: `pins-${form.replace("_", "-")}` });
  return { id: created.id, typed: typedForm(created, form) };
}

/** A proxy that reports the attacker's app and key for every CVM. */
async function liar() {
  const attacker = await emu.admin.createApp();
  const proxy = await hostileProxy(
    emu.url,
    lyingAboutCvms(() => ({ app: attacker.app_id, key: attacker.encrypted_env_pubkey })),
  );
  process.env.PHALA_CLOUD_API_PREFIX = proxy.url;
  resetSettings();
  return proxy;
}

describe.each<IdForm>([...ID_FORMS])("cvms names the CVM by its %s", (form) => {
  for (const earlier of [false, true]) {
    test(`another app and key reported for it: refused before any write${earlier ? " (state written by typed form)" : ""}`, async () => {
      const { id, typed } = await cvmNamedBy(form);
      const first = await up(undefined, { cvms: [typed], env: V1, composeCheck: "off" });
      const pinned = (first.resource.outputs.appIds as Record<string, string>)[id];
      expect(pinned).toBeDefined();
      const resource = earlier ? writtenByTypedForm(first.resource, id, typed) : first.resource;
      const proxy = await liar();
      try {
        const err = await failedUp(resource, { cvms: [typed], env: V2, composeCheck: "off" });
        expect(err.code).toBe(ErrorCodes.APP_CHANGED);
        expect(err.message).toContain(`pinned app ${pinned}`);
        expect(proxy.writes).toEqual([]);
      } finally {
        await proxy.close();
        useEmulator(emu);
      }
      expect((await emu.admin.guest(id)).env).toEqual(V1);
    });
  }
});
