// settle, the pure last phase of an apply: the state it leaves, case by case.
import type { CvmInfo } from "../../provider/api/phala";
import type { KeyAnchor } from "../../provider/core/key-anchor";
import type { Plan, PlanWrite } from "../../provider/core/plan";
import type { Checked, CheckedCvm, Decision } from "../../provider/cvm-secrets/apply/preflight";
import type { Rolled } from "../../provider/cvm-secrets/apply/roll";
import { type PlannedState, settle } from "../../provider/cvm-secrets/apply/settle";
import type { CvmSecretsOutputs } from "../../provider/cvm-secrets/state";
import type { RolloutResult } from "../../provider/cvm-secrets/steps/rollout";

const APP = "a1".repeat(20);
const OTHER_APP = "c3".repeat(20);
const KEY = "ab".repeat(32);
const OLD = "digest-old";
const NEW = "digest-new";
const AT = "2026-12-06T18:00:00.000Z";
const SUMMARY = "2 CVMs restart: changed A";

/** The old state: cvm_a and cvm_b of APP run the old env; cvm_c of OTHER_APP too. */
function oldState(): CvmSecretsOutputs {
  return {
    cvms: ["cvm_a", "cvm_b", "cvm_c"],
    env: { A: "old" },
    fingerprints: { A: "fp-old" },
    envKeys: ["A"],
    applied: { cvm_a: OLD, cvm_b: OLD, cvm_c: OLD },
    pushed: { cvm_a: "sha-a0", cvm_b: "sha-b0", cvm_c: "sha-c0" },
    appIds: { cvm_a: APP, cvm_b: APP, cvm_c: OTHER_APP },
    encryptionPublicKeys: { [APP]: KEY, [OTHER_APP]: KEY },
    composeHashes: { cvm_a: "h-a0", cvm_b: "h-b0", cvm_c: "h-c0" },
    observedEncryptionPublicKeys: { [APP]: KEY },
    retainOnRemove: true,
    lastRollout: { at: "earlier", restarted: ["cvm_a"], reason: "first deploy" },
  };
}

const write = (cvm: string, action: PlanWrite["action"] = "push-env"): PlanWrite => ({
  cvm,
  action,
  sendEnvKeys: false,
  reason: "changed A",
});

const info = (cvm: string, appId = APP): CvmInfo => ({
  id: cvm,
  name: cvm,
  appId,
  status: "running",
  inProgress: false,
  kms: { onChain: false },
});

function planned(cvms: string[], writes: PlanWrite[], caughtUp: PlannedState["caughtUp"] = []): PlannedState {
  const plan: Plan = {
    changed: true,
    writes,
    blocked: [],
    unsupplied: { cvms: [], keys: [] },
    keys: { added: [], removed: [], changed: ["A"] },
    rekeyedApps: [],
    summary: SUMMARY,
  };
  return {
    inputs: { cvms, env: { A: "new" }, fingerprints: { A: "fp-new" } },
    ids: Object.fromEntries(["cvm_a", "cvm_b", "cvm_c"].map((c) => [c, c])),
    fingerprints: { A: "fp-new" },
    digest: NEW,
    envKeys: ["A"],
    plan,
    targets: new Set(cvms),
    removed: new Set(writes.filter((w) => w.action === "clear-env").map((w) => w.cvm)),
    caughtUp,
  };
}

function checked(
  writes: PlanWrite[],
  decisions: Record<string, Decision> = {},
  ranAlready: Checked["ranAlready"] = [],
): Checked {
  const cvms = writes.map(
    (w): CheckedCvm => ({
      write: w,
      info: decisions[w.cvm] === "gone" ? undefined : info(w.cvm, w.cvm === "cvm_c" ? OTHER_APP : APP),
      newest: decisions[w.cvm] === "gone" ? undefined : { kind: "ours" },
      decision: decisions[w.cvm] ?? "push",
    }),
  );
  const anchorByApp = new Map<string, KeyAnchor>([[APP, { anchor: "unsigned", quote: "none" }]]);
  return { cvms, keyByApp: new Map([[APP, KEY]]), anchorByApp, ranAlready };
}

function rolled(rollout: Partial<RolloutResult>, sent: Record<string, string> = {}, hashes = {}): Rolled {
  return {
    rollout: { done: [], failed: [], untouched: [], ...rollout },
    sent: new Map(Object.entries(sent)),
    composeHashes: new Map(Object.entries(hashes)),
    at: AT,
  };
}

const pushAB = [write("cvm_a"), write("cvm_b")];

const cases: Array<{
  name: string;
  args: [PlannedState, Checked, Rolled];
  expected: Partial<CvmSecretsOutputs>;
}> = [
  {
    name: "all pushed: both run the new env, with what was sent and the hash each reported",
    args: [
      planned(["cvm_a", "cvm_b"], pushAB),
      checked(pushAB),
      rolled(
        { done: ["cvm_a", "cvm_b"] },
        { cvm_a: "sha-a1", cvm_b: "sha-b1" },
        { cvm_a: "h-a1", cvm_b: "h-b1" },
      ),
    ],
    expected: {
      applied: { cvm_a: NEW, cvm_b: NEW },
      pushed: { cvm_a: "sha-a1", cvm_b: "sha-b1" },
      appIds: { cvm_a: APP, cvm_b: APP },
      composeHashes: { cvm_a: "h-a1", cvm_b: "h-b1" },
      pendingComposeHashes: undefined,
      lastRollout: { at: AT, restarted: ["cvm_a", "cvm_b"], reason: SUMMARY },
    },
  },
  {
    name: "partial failure: done, pushed but not ready, untouched — state says which carries what",
    args: [
      planned(["cvm_a", "cvm_b", "cvm_c"], [...pushAB, write("cvm_c")]),
      checked([...pushAB, write("cvm_c")]),
      rolled(
        { done: ["cvm_a"], failed: [{ cvm: "cvm_b", error: new Error("boot error") }], untouched: ["cvm_c"] },
        { cvm_a: "sha-a1", cvm_b: "sha-b1" },
        { cvm_a: "h-a1" },
      ),
    ],
    expected: {
      // cvm_b: pushed, not known to run it; cvm_c: still the old env.
      applied: { cvm_a: NEW, cvm_c: OLD },
      pushed: { cvm_a: "sha-a1", cvm_b: "sha-b1", cvm_c: "sha-c0" },
      appIds: { cvm_a: APP, cvm_b: APP, cvm_c: OTHER_APP },
      composeHashes: { cvm_a: "h-a1", cvm_b: "h-b0", cvm_c: "h-c0" },
      lastRollout: { at: AT, restarted: ["cvm_a", "cvm_b"], reason: SUMMARY },
    },
  },
  {
    name: "a 465: nothing written, the hash to register kept for the app (named by the CVM when the API omits it)",
    args: [
      planned(["cvm_a", "cvm_b"], pushAB),
      checked(pushAB),
      rolled({
        untouched: ["cvm_a", "cvm_b"],
        pendingRegistration: {
          kind: "registration-required",
          cvm: "cvm_a",
          composeHash: "0xfeed",
          appId: "",
        },
      }),
    ],
    expected: {
      applied: { cvm_a: OLD, cvm_b: OLD },
      pushed: { cvm_a: "sha-a0", cvm_b: "sha-b0" },
      pendingComposeHashes: { [APP]: "0xfeed" },
      lastRollout: { at: "earlier", restarted: ["cvm_a"], reason: "first deploy" },
    },
  },
  {
    name: "nothing to do: the old records, the new inputs, settings the program dropped gone",
    args: [
      planned(["cvm_a", "cvm_b"], []),
      { cvms: [], keyByApp: new Map(), anchorByApp: new Map(), ranAlready: [] },
      rolled({}),
    ],
    expected: {
      applied: { cvm_a: OLD, cvm_b: OLD },
      pushed: { cvm_a: "sha-a0", cvm_b: "sha-b0" },
      appIds: { cvm_a: APP, cvm_b: APP },
      composeHashes: { cvm_a: "h-a0", cvm_b: "h-b0" },
      env: { A: "new" },
      retainOnRemove: undefined,
      observedEncryptionPublicKeys: undefined,
      pendingComposeHashes: undefined,
      lastRollout: { at: "earlier", restarted: ["cvm_a"], reason: "first deploy" },
    },
  },
  {
    name: "an interrupted run caught up: recorded as running the new env, not restarted",
    args: [
      planned(["cvm_a", "cvm_b"], [write("cvm_b")], [{ cvm: "cvm_a", pushed: "sha-a1" }]),
      checked([write("cvm_b")], { cvm_b: "already-running" }, [{ cvm: "cvm_b", pushed: undefined }]),
      rolled({}),
    ],
    expected: {
      applied: { cvm_a: NEW, cvm_b: NEW },
      pushed: { cvm_a: "sha-a1", cvm_b: "sha-b0" },
      lastRollout: { at: "earlier", restarted: ["cvm_a"], reason: "first deploy" },
    },
  },
  {
    name: "a CVM removed and cleared leaves state",
    args: [
      planned(["cvm_a", "cvm_b"], [write("cvm_c", "clear-env")]),
      checked([write("cvm_c", "clear-env")]),
      rolled({ done: ["cvm_c"] }, { cvm_c: "sha-c1" }, { cvm_c: "h-c1" }),
    ],
    expected: {
      applied: { cvm_a: OLD, cvm_b: OLD },
      pushed: { cvm_a: "sha-a0", cvm_b: "sha-b0" },
      appIds: { cvm_a: APP, cvm_b: APP },
      composeHashes: { cvm_a: "h-a0", cvm_b: "h-b0" },
      lastRollout: { at: AT, restarted: ["cvm_c"], reason: SUMMARY },
    },
  },
  {
    name: "a CVM removed whose clear failed keeps its app id (delete must find it)",
    args: [
      planned(["cvm_a", "cvm_b"], [write("cvm_c", "clear-env")]),
      checked([write("cvm_c", "clear-env")]),
      rolled({ failed: [{ cvm: "cvm_c", error: new Error("timeout") }] }, { cvm_c: "sha-c1" }),
    ],
    expected: {
      applied: { cvm_a: OLD, cvm_b: OLD },
      pushed: { cvm_a: "sha-a0", cvm_b: "sha-b0" },
      appIds: { cvm_a: APP, cvm_b: APP, cvm_c: OTHER_APP },
      composeHashes: { cvm_a: "h-a0", cvm_b: "h-b0", cvm_c: "h-c0" },
    },
  },
  {
    name: "a CVM removed but left alone (someone else's env) or already gone leaves state too",
    args: [
      planned(["cvm_a"], [write("cvm_b", "clear-env"), write("cvm_c", "clear-env")]),
      checked([write("cvm_b", "clear-env"), write("cvm_c", "clear-env")], {
        cvm_b: "leave-alone",
        cvm_c: "gone",
      }),
      rolled({}),
    ],
    expected: {
      applied: { cvm_a: OLD },
      pushed: { cvm_a: "sha-a0" },
      appIds: { cvm_a: APP },
      composeHashes: { cvm_a: "h-a0", cvm_b: "h-b0", cvm_c: "h-c0" },
    },
  },
];

describe("settle", () => {
  test.each(cases)("$name", ({ args, expected }) => {
    const old = oldState();
    const before = JSON.stringify(old);
    const outs = settle(old, ...args);
    for (const [key, value] of Object.entries(expected)) {
      expect([key, outs[key as keyof CvmSecretsOutputs]]).toEqual([key, value]);
    }
    expect(JSON.stringify(old)).toBe(before); // pure: the old state is not touched
  });

  test("a 465 naming its app records the hash for that app; a later done CVM of an app clears its entry", () => {
    const old = { ...oldState(), pendingComposeHashes: { [APP]: "0xold" } };
    const registration = settle(
      old,
      planned(["cvm_a", "cvm_b", "cvm_c"], [write("cvm_c")]),
      checked([write("cvm_c")]),
      rolled({
        untouched: ["cvm_c"],
        pendingRegistration: {
          kind: "registration-required",
          cvm: "cvm_c",
          composeHash: "0xbeef",
          appId: OTHER_APP,
        },
      }),
    );
    expect(registration.pendingComposeHashes).toEqual({ [APP]: "0xold", [OTHER_APP]: "0xbeef" });
    const phase2 = settle(
      old,
      planned(["cvm_a", "cvm_b"], pushAB),
      checked(pushAB),
      rolled({ done: ["cvm_a"] }),
    );
    expect(phase2.pendingComposeHashes).toBeUndefined();
  });
});
