/**
 * The app pin holds for every id form `cvms` may name a CVM in (name, VM UUID, `app_<hex>`,
 * `cvm_…`), and for state written before ids were resolved (pins keyed by the typed form): an
 * API that reports another app and a key it holds gets no write and no ciphertext.
 */
import { type Emulator, startEmulator } from "../../emulator/index";
import { ErrorCodes } from "../../provider/errors";
import { resetSettings } from "../../provider/runtime/settings";
import { hostileProxy } from "../support/hostile-proxy";
import { failedUp, type Resource, up, useEmulator } from "../support/provider-harness";

const V1 = { API_KEY: "sk_pins_first_7171" };
const V2 = { API_KEY: "sk_pins_rotated_8282" };
/** The per-CVM records of state (migrate.ts PER_CVM_KEYS). */
const PER_CVM = ["applied", "pushed", "appIds", "composeHashes"] as const;

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator({ restartMs: 30 });
  useEmulator(emu);
});
afterEach(async () => {
  await emu.close();
});

type Form = "name" | "vm_uuid" | "app" | "cvm";

async function cvmNamedBy(form: Form): Promise<{ id: string; typed: string }> {
  const created = (await emu.admin.createCvm({ name: `pins-${form.replace("_", "-")}` })) as Record<
    string,
    string
  > & { id: string; app_id: string };
  const app = created.app_id.startsWith("app_") ? created.app_id : `app_${created.app_id}`;
  const typed = { name: created.name!, vm_uuid: created.vm_uuid!, app, cvm: created.id }[form];
  return { id: created.id, typed };
}

/** A proxy that reports the attacker's app and key for every CVM. */
async function liar() {
  const attacker = await emu.admin.createApp();
  const proxy = await hostileProxy(emu.url, (method, path, body) => {
    if (method !== "GET" || !/^\/cvms\/[^/]+$/.test(path)) return undefined;
    const cvm = body as { kms_info: Record<string, unknown> };
    return {
      ...cvm,
      app_id: attacker.app_id,
      kms_info: { ...cvm.kms_info, encrypted_env_pubkey: attacker.encrypted_env_pubkey },
    };
  });
  process.env.PHALA_CLOUD_API_PREFIX = proxy.url;
  resetSettings();
  return proxy;
}

/** The resource as a version before ids were resolved wrote it: records keyed by the typed form. */
function writtenByTypedForm(resource: Resource, id: string, typed: string): Resource {
  const rekey = (props: Record<string, unknown>): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...props };
    delete copy.cvmIds;
    for (const key of PER_CVM) {
      const record = copy[key] as Record<string, string> | undefined;
      if (record?.[id] !== undefined) copy[key] = { [typed]: record[id] };
    }
    return copy;
  };
  return { id: resource.id, inputs: rekey(resource.inputs), outputs: rekey(resource.outputs) };
}

describe.each<Form>(["name", "vm_uuid", "app", "cvm"])("cvms names the CVM by its %s", (form) => {
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
