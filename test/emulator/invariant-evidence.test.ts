/**
 * Invariant 3 (issue 20), property-based over generated API behaviour: no CVM is recorded as
 * running a push unless its newest app revision carries that ciphertext. Each run: one to three
 * replicas of one app with a first env, then a second `up` whose push to each replica meets a
 * generated fault — none, an answer lost after the API applied it, a CVM made busy for another
 * reason while the push is dropped, a failing boot — in waves of one or all. The state the `up`
 * leaves (or the partial state of its error) is compared with the emulator's revisions and guest
 * view: every CVM recorded as running an env (`applied`) has a newest revision carrying the
 * ciphertext recorded for it (`pushed`) and runs that env. Then an `up` without faults converges.
 */
import fc from "fast-check";
import { type Emulator, startEmulator } from "../../emulator/index";
import { phalaClient } from "../../provider/api/phala";
import { ciphertextDigest } from "../../provider/cvm-secrets/records/ownership";
import { resetSettings } from "../../provider/runtime/settings";
import { type EvidenceScenario, evidenceScenarios, type PushFault } from "../support/api-faults";
import { type HostileProxy, hostileProxy } from "../support/hostile-proxy";
import { type Props, type Resource, up, useEmulator } from "../support/provider-harness";

const SEED = 20_2003;
const RUNS = 250;

let emu: Emulator;
let proxy: HostileProxy;
/** Per CVM id: the fault its next push meets (consumed by it). */
const pending = new Map<string, PushFault>();

beforeAll(async () => {
  emu = await startEmulator({ restartMs: 30 });
  proxy = await hostileProxy(emu.url, () => undefined, {
    onWrite: async (method, path) => {
      const cvm = /^\/cvms\/([^/]+)\/envs$/.exec(path)?.[1];
      const fault = method === "PATCH" && cvm ? pending.get(cvm) : undefined;
      if (!cvm || fault === undefined) return "forward";
      pending.delete(cvm);
      if (fault === "answer-lost") return "lose-answer";
      if (fault !== "busy-and-dropped") return "forward";
      const restart = await fetch(`${emu.url}/cvms/${cvm}/restart`, {
        method: "POST",
        headers: { "x-api-key": emu.apiKey },
      });
      if (restart.status >= 300) throw new Error(`restart answered ${restart.status}`);
      return "drop";
    },
  });
});
afterAll(async () => {
  await proxy.close();
  await emu.close();
});

type Records = { applied?: Record<string, string>; pushed?: Record<string, string> };

/** Every CVM `state` records as running an env: its newest revision carries the ciphertext recorded, and it runs that env. */
async function expectEvidence(
  s: EvidenceScenario,
  state: Records,
  ids: readonly string[],
  envOf: ReadonlyMap<string, Record<string, string>>,
): Promise<void> {
  const client = phalaClient({ baseUrl: emu.url, apiKey: emu.apiKey });
  for (const cvm of ids) {
    const applied = state.applied?.[cvm];
    if (applied === undefined) continue;
    const info = await client.getCvm(cvm);
    const newest = await client.latestRevision(info.appId, info.vmUuid as string);
    expect([s, cvm, ciphertextDigest(newest?.encryptedEnv ?? "")]).toEqual([s, cvm, state.pushed?.[cvm]]);
    expect([s, cvm, (await emu.admin.guest(cvm)).env]).toEqual([s, cvm, envOf.get(applied)]);
  }
}

let run = 0;
async function check(s: EvidenceScenario): Promise<void> {
  run += 1;
  useEmulator(emu);
  const ids: string[] = [];
  let app: string | undefined;
  for (const [i] of s.faults.entries()) {
    const created = await emu.admin.createCvm({ name: `inv-evidence-${run}-${i}`, app_id: app });
    app ??= created.app_id;
    ids.push(created.id);
  }
  const v1 = { API_KEY: `inv-evidence-first-${run}` };
  const v2 = { API_KEY: `inv-evidence-second-${run}` };
  const args = (env: Record<string, string>): Props => ({
    cvms: ids,
    env,
    composeCheck: "off",
    rollout: { maxUnavailable: s.maxUnavailable, readyTimeoutSeconds: 10 },
  });
  const first = await up(undefined, args(v1));
  const d1 = (first.resource.outputs as Records).applied?.[ids[0]!] as string;

  for (const [i, fault] of s.faults.entries()) pending.set(ids[i]!, fault);
  for (const [i, fault] of s.faults.entries()) {
    if (fault === "boot-error")
      await emu.admin.addFault({ cvm: ids[i], bootError: "simulated: boot failed", times: 1 });
  }
  process.env.PHALA_CLOUD_API_PREFIX = proxy.url;
  resetSettings();
  let after: Resource;
  try {
    after = (await up(first.resource, args(v2))).resource;
  } catch (error) {
    const e = error as { id?: string; properties?: Props };
    if (!e.properties) throw error;
    after = { id: e.id as string, inputs: first.resource.inputs, outputs: e.properties };
  } finally {
    pending.clear();
    await emu.admin.clearFaults();
    useEmulator(emu);
  }
  const fingerprints = after.inputs.fingerprints;
  const d2 = Object.values((after.outputs as Records).applied ?? {}).find((d) => d !== d1);
  const envOf = new Map([[d1, v1]]);
  if (d2) envOf.set(d2, v2);
  expect(fingerprints).toBeDefined();
  await expectEvidence(s, after.outputs as Records, ids, envOf);

  // Without faults, the next up converges: every replica runs the second env, and state says so.
  const next = await up(after, args(v2));
  for (const cvm of ids) expect([s, cvm, (await emu.admin.guest(cvm)).env]).toEqual([s, cvm, v2]);
  const settled = next.resource.outputs as Records;
  const digests = new Set(ids.map((cvm) => settled.applied?.[cvm]));
  expect([s, digests.size, digests.has(undefined)]).toEqual([s, 1, false]);
  await expectEvidence(s, settled, ids, new Map([[[...digests][0]!, v2]]));
}

test("no CVM is recorded as running a push unless its newest revision carries that ciphertext", async () => {
  await fc.assert(
    fc.asyncProperty(evidenceScenarios, (s) => check(s)),
    { seed: SEED, numRuns: RUNS },
  );
}, 900_000);

test("the generator covers every fault, alone and among others", () => {
  const samples = fc.sample(evidenceScenarios, { seed: SEED, numRuns: RUNS });
  for (const fault of ["none", "answer-lost", "busy-and-dropped", "boot-error"]) {
    expect([fault, samples.some((s) => s.faults.length === 1 && s.faults[0] === fault)]).toEqual([
      fault,
      true,
    ]);
    expect([
      fault,
      samples.some((s) => s.faults.length > 1 && s.faults.includes(fault as PushFault)),
    ]).toEqual([fault, true]);
  }
});
