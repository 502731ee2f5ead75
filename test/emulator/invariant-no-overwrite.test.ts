/**
 * Issue 20, invariant 2, as a property over generated API behaviour (test/support/api-behaviour.ts:
 * revision lists in any order and paging, a failing revisions route, no revision for the CVM,
 * tied timestamps, the allow-list missing or null), id forms (`cvm_…`, name, VM UUID), the CVM's
 * history (fresh, another party's env with or without an owner tag — the same URN with another
 * owner key, as another backend pushes, or with the URN-only tag — a cleared env) and how it
 * comes to the resource (at create, added to an existing resource, imported, already its own),
 * with `adopt` on or off:
 *
 *   no env written by another party is overwritten or cleared without `adopt`
 *   (an import with a known allow-list is the user's consent, as documented);
 *   and a CVM whose ownership cannot be read gets no write without that consent.
 *
 * Asserted on what the emulator's guest runs and on the writes the proxy saw. Fixed seed.
 */
import fc from "fast-check";
import { type Emulator, startEmulator } from "../../emulator/index";
import { importCvms } from "../../provider/cvm-secrets/import";
import * as impl from "../../provider/cvm-secrets/index";
import { type ApiBehaviour, apiBehaviour, behaviourProxy } from "../support/api-behaviour";
import type { HostileProxy } from "../support/hostile-proxy";
import { type Resource, up, useEmulator } from "../support/provider-harness";

const SEED = 20_020;
const RUNS = 200;
const STAGING = { API_KEY: "sk_staging_prop_1", DB_URL: "postgres://u:pw-staging-prop@db/s" };
const ROTATED = { ...STAGING, API_KEY: "sk_staging_prop_rotated" };
const OTHER = { API_KEY: "sk_other_party_2", DB_URL: "postgres://u:pw-other@db/o" };
const COMPOSE =
  "services:\n  app:\n    image: ghcr.io/acme/api:1\n    environment:\n      - API_KEY=${API_KEY}\n      - DB_URL=${DB_URL}\n";
const URN = (stack: string) => `urn:pulumi:${stack}::shop::pulumi-nodejs:dynamic:Resource::api`;
/** Staging's owner key, and the one of a stack of the same names in another backend. */
const STAGING_KEY = "5a".repeat(32);
const OTHER_BACKEND_KEY = "0b".repeat(32);

interface Scenario {
  behaviour: ApiBehaviour;
  /** What the target CVM carries before the run (written by another party, or nothing). */
  history: "fresh" | "foreign-untagged" | "foreign-tagged" | "other-backend" | "urn-only" | "cleared";
  /** How the target comes to the resource in the run. */
  membership: "create" | "added" | "imported" | "old";
  adopt: boolean;
  form: "id" | "name" | "uuid";
  /** The env an imported resource's first up gives: the program's, or the generated `{}`. */
  importEnv: "full" | "generated";
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  behaviour: apiBehaviour,
  history: fc.constantFrom(
    "fresh" as const,
    "foreign-untagged" as const,
    "foreign-tagged" as const,
    "other-backend" as const,
    "urn-only" as const,
    "cleared" as const,
  ),
  membership: fc.constantFrom("create" as const, "added" as const, "imported" as const, "old" as const),
  adopt: fc.boolean(),
  form: fc.constantFrom("id" as const, "name" as const, "uuid" as const),
  importEnv: fc.constantFrom("full" as const, "generated" as const),
});

let emu: Emulator;
/** How often each guarded situation came up, and how often the target was written: a property
 * whose precondition never held, or whose runs never wrote, would prove nothing. */
const seen = { guarded: 0, unreadable: 0, written: 0 };

let quiet: jest.SpyInstance;

beforeAll(async () => {
  // The provider's progress lines of a few hundred runs say nothing the assertions do not.
  quiet = jest.spyOn(console, "error").mockImplementation(() => undefined);
  emu = await startEmulator({ restartMs: 5 });
  useEmulator(emu);
});
afterAll(async () => {
  quiet.mockRestore();
  await emu.close();
});

async function newCvm(): Promise<{ id: string; name: string; vmUuid: string }> {
  const name = `t-${Math.random().toString(36).slice(2, 10)}`;
  const made = await emu.admin.createCvm({ name, docker_compose_file: COMPOSE });
  const record = (await (
    await fetch(`${emu.url}/cvms/${made.id}`, { headers: { "x-api-key": emu.apiKey } })
  ).json()) as { vm_uuid: string };
  return { id: made.id, name, vmUuid: record.vm_uuid };
}

/** Another party writes the target's env (directly against the emulator). */
async function otherParty(history: Scenario["history"], cvm: string): Promise<void> {
  if (history === "fresh") return;
  // Another backend (or a version before owner keys) holds a resource with staging's URN.
  const sameUrn = history === "other-backend" || history === "urn-only";
  const ownerUrn = history === "foreign-untagged" ? undefined : URN(sameUrn ? "staging" : "prod");
  const ownerKey = history === "other-backend" ? { ownerKey: OTHER_BACKEND_KEY } : {};
  const prod = await up(undefined, {
    resourceName: "api",
    ownerUrn,
    ...ownerKey,
    cvms: [cvm],
    env: OTHER,
    adopt: true,
  });
  if (history === "cleared") await impl.remove(prod.resource.id, prod.resource.outputs);
}

async function attempt(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch {
    // A refusal (or any failure) is fine: the assertions are on the guest and the writes.
  }
}

async function run(s: Scenario): Promise<void> {
  process.env.PHALA_CLOUD_API_PREFIX = emu.url;
  const target = await newCvm();
  const typed = s.form === "id" ? target.id : s.form === "name" ? target.name : target.vmUuid;
  const staging = (args: Record<string, unknown>) => ({
    ownerUrn: URN("staging"),
    ownerKey: STAGING_KEY,
    env: STAGING,
    ...args,
  });
  let before: Resource | undefined;
  if (s.membership === "added")
    before = (await up(undefined, staging({ cvms: [(await newCvm()).id] }))).resource;
  if (s.membership === "old") before = (await up(undefined, staging({ cvms: [target.id] }))).resource;
  await otherParty(s.history, target.id);
  const guestBefore = (await emu.admin.guest(target.id)).env ?? {};
  const proxy: HostileProxy = await behaviourProxy(emu.url, s.behaviour, target);
  process.env.PHALA_CLOUD_API_PREFIX = proxy.url;
  try {
    await attempt(async () => {
      if (s.membership === "create") await up(undefined, staging({ cvms: [typed], adopt: s.adopt }));
      if (s.membership === "added") {
        const cvms = [...(before!.inputs.cvms as string[]), typed];
        await up(before, staging({ cvms, adopt: s.adopt }));
      }
      if (s.membership === "old") await up(before, staging({ cvms: [typed], env: ROTATED, adopt: s.adopt }));
      if (s.membership === "imported") {
        const imported = await importCvms(typed, "api");
        if (!imported) throw new Error("import found no CVM");
        const resource = { id: imported.id, inputs: imported.inputs, outputs: imported.props };
        const env = s.importEnv === "full" ? STAGING : {};
        await up(resource, {
          ...imported.inputs,
          ownerUrn: URN("staging"),
          ownerKey: STAGING_KEY,
          env,
          adopt: s.adopt,
        });
      }
    });
  } finally {
    await proxy.close();
    process.env.PHALA_CLOUD_API_PREFIX = emu.url;
  }
  const guestAfter = (await emu.admin.guest(target.id)).env ?? {};
  const written = proxy.writes.filter((w) => w.includes(`/cvms/${target.id}/`));
  const b = s.behaviour;
  const anotherPartys = s.history !== "fresh" && s.history !== "cleared";
  // Import is the user's consent to replace what the CVM carries, when its allow-list is known
  // (docs/plugin-and-import.md: Import).
  const consent = s.adopt || (s.membership === "imported" && b.allowList === "as-is");
  const ownership = {
    unreadable: b.revisionsFail || b.hideTarget || (b.tied && s.history !== "fresh"),
  };
  const report = JSON.stringify({ s, written, guestBefore, guestAfter });
  if (written.length > 0) seen.written++;

  // Invariant 2: another party's env on a CVM that is not this resource's is never overwritten
  // or cleared without consent.
  if (anotherPartys && s.membership !== "old" && !consent) {
    seen.guarded++;
    expect({ report, written }).toEqual({ report, written: [] });
    expect({ report, guestAfter }).toEqual({ report, guestAfter: OTHER });
  }
  // Never cleared without adopt: an env the guest ran is not replaced by an empty one.
  if (Object.keys(guestBefore).length > 0 && !s.adopt) {
    expect({ report, cleared: Object.keys(guestAfter).length === 0 }).toEqual({ report, cleared: false });
  }
  // Unknown is never safe: no write to a CVM whose ownership cannot be read, without consent.
  if (ownership.unreadable && !consent) {
    seen.unreadable++;
    expect({ report, written }).toEqual({ report, written: [] });
  }
}

describe("invariant 2: no env written by another party is overwritten or cleared without adopt", () => {
  test(`over generated API behaviour (${RUNS} runs, seed ${SEED})`, async () => {
    await fc.assert(fc.asyncProperty(scenario, run), { seed: SEED, numRuns: RUNS, endOnFailure: true });
    console.log(`[invariant-no-overwrite] ${JSON.stringify(seen)} of ${RUNS} runs`);
    expect(seen.guarded).toBeGreaterThan(RUNS / 10);
    expect(seen.unreadable).toBeGreaterThan(RUNS / 10);
    expect(seen.written).toBeGreaterThan(RUNS / 10);
  }, 600_000);
});
