import fc from "fast-check";
import { envDigest } from "../../provider/core/fingerprint";
import {
  describeUnsupplied,
  IMPORTED,
  INTERRUPTED,
  OUTSIDE,
  type PlanState,
  planUpdate,
} from "../../provider/core/plan";

// The plan only compares tokens: here a token per (key, value) stands for check's carried one.
const fp = (env: Record<string, string>) =>
  Object.fromEntries(
    Object.keys(env)
      .sort()
      .map((k) => [k, `fp-${k}=${env[k]}`]),
  );

/** The state after a successful apply of `env` to `cvms`. */
function applied(env: Record<string, string>, cvms: string[], extra: Partial<PlanState> = {}): PlanState {
  const fingerprints = fp(env);
  const digest = envDigest(fingerprints);
  return {
    cvms,
    fingerprints,
    applied: Object.fromEntries(cvms.map((c) => [c, digest])),
    appIds: Object.fromEntries(cvms.map((c) => [c, "app1"])),
    encryptionKeys: { app1: "k1" },
    observedKeys: {},
    allowKeyChange: false,
    retainOnRemove: false,
    ...extra,
  };
}

function desired(env: Record<string, string>, cvms: string[], extra: Partial<PlanState> = {}): PlanState {
  return {
    cvms,
    fingerprints: fp(env),
    applied: {},
    encryptionKeys: {},
    observedKeys: {},
    allowKeyChange: false,
    retainOnRemove: false,
    ...extra,
  };
}

const ENV = { A: "1", B: "2" };
const CVMS = ["c1", "c2", "c3"];

describe("planUpdate: the decision table in the header of provider/core/plan.ts", () => {
  test.each([
    ["nothing changed", desired(ENV, CVMS)],
    ["key order changed", desired({ B: "2", A: "1" }, CVMS)],
    ["only composeCheck changed", desired(ENV, CVMS, { composeCheck: "off" })],
  ])("%s: no writes, no restart", (_name, next) => {
    const plan = planUpdate(applied(ENV, CVMS), next);
    expect(plan.changed).toBe(false);
    expect(plan.writes).toEqual([]);
    expect(plan.summary).toBe("no CVM restarts");
  });

  test("a value changed: every target, key set unchanged so no env_keys", () => {
    const plan = planUpdate(applied(ENV, CVMS), desired({ ...ENV, B: "3" }, CVMS));
    expect(plan.changed).toBe(true);
    expect(plan.writes.map((w) => [w.cvm, w.action, w.sendEnvKeys])).toEqual([
      ["c1", "push-env", false],
      ["c2", "push-env", false],
      ["c3", "push-env", false],
    ]);
    expect(plan.keys).toEqual({ added: [], changed: ["B"], removed: [] });
    expect(plan.summary).toBe("3 CVMs restart, 1 at a time: keys changed: B (c1, c2, c3)");
  });

  test("a key added or removed: every target with env_keys", () => {
    const added = planUpdate(applied(ENV, CVMS), desired({ ...ENV, C: "x" }, CVMS));
    expect(added.writes.every((w) => w.action === "push-env" && w.sendEnvKeys)).toBe(true);
    expect(added.writes).toHaveLength(3);
    expect(added.summary).toContain("keys added: C");
    const removed = planUpdate(applied(ENV, CVMS), desired({ A: "1" }, CVMS));
    expect(removed.writes.every((w) => w.sendEnvKeys)).toBe(true);
    expect(removed.summary).toContain("keys removed: B");
  });

  test("registry credential rotated: every target, reason names the registry", () => {
    const before = { ...ENV, DSTACK_DOCKER_USERNAME: "u", DSTACK_DOCKER_PASSWORD: "p1" };
    const plan = planUpdate(
      applied(before, CVMS),
      desired({ ...before, DSTACK_DOCKER_PASSWORD: "p2" }, CVMS),
    );
    expect(plan.writes).toHaveLength(3);
    expect(plan.summary).toContain("registry credential rotated (DSTACK_DOCKER_PASSWORD)");
    expect(plan.summary).not.toContain("keys changed");
  });

  test("a CVM added: only the new CVM, with env_keys", () => {
    const plan = planUpdate(applied(ENV, CVMS), desired(ENV, [...CVMS, "c4"]));
    expect(plan.writes).toEqual([
      { cvm: "c4", action: "push-env", sendEnvKeys: true, reason: "new replica" },
    ]);
    expect(plan.summary).toBe("1 CVM restarts: new replica (c4)");
  });

  test("a CVM removed: only that CVM, cleared", () => {
    const plan = planUpdate(applied(ENV, CVMS), desired(ENV, ["c1", "c3"]));
    expect(plan.writes).toEqual([
      { cvm: "c2", action: "clear-env", sendEnvKeys: true, reason: "removed from cvms" },
    ]);
  });

  test("a CVM removed with retainOnRemove: no write, but state changes", () => {
    const plan = planUpdate(applied(ENV, CVMS), desired(ENV, ["c1", "c3"], { retainOnRemove: true }));
    expect(plan.writes).toEqual([]);
    expect(plan.changed).toBe(true);
  });

  test("a CVM added and another removed in one update", () => {
    const plan = planUpdate(applied(ENV, CVMS), desired(ENV, ["c1", "c2", "c9"]));
    expect(plan.writes.map((w) => `${w.action}:${w.cvm}`)).toEqual(["push-env:c9", "clear-env:c3"]);
  });

  test("value change plus new replica: every target once", () => {
    const plan = planUpdate(applied(ENV, CVMS), desired({ A: "9", B: "2" }, [...CVMS, "c4"]));
    expect(plan.writes.map((w) => w.cvm)).toEqual(["c1", "c2", "c3", "c4"]);
    expect(new Set(plan.writes.map((w) => w.cvm)).size).toBe(4);
  });

  test("the app's key changed on the server: every CVM of that app, flagged as refused when pinned", () => {
    const old = applied(ENV, CVMS, { observedKeys: { app1: "k2" } });
    const plan = planUpdate(old, desired(ENV, CVMS));
    expect(plan.writes).toHaveLength(3);
    expect(plan.rekeyedApps).toEqual(["app1"]);
    expect(plan.summary).toContain("encryption key changed");
    expect(plan.summary).toContain("refused at apply");
    const allowed = planUpdate(old, desired(ENV, CVMS, { allowKeyChange: true }));
    expect(allowed.writes).toHaveLength(3);
  });

  test("an unknown input during preview is reported as a change, without guessing writes", () => {
    const plan = planUpdate(applied(ENV, CVMS), desired(ENV, CVMS, { unknown: true }));
    expect(plan.changed).toBe(true);
    expect(plan.writes).toEqual([]);
    expect(plan.summary).toContain("not known until apply");
    const registry = planUpdate(
      applied(ENV, CVMS),
      desired(ENV, CVMS, { unknown: true, unknownInput: "the registry credential" }),
    );
    expect(registry.summary).toBe(
      "the registry credential is known only at apply; up to 3 CVMs restart if what they see changes",
    );
  });

  test("a rollout that stopped half-way: only the CVMs not done", () => {
    const next = { ...ENV, B: "new" };
    const state = applied(ENV, CVMS);
    const half: PlanState = {
      ...state,
      fingerprints: fp(next),
      // c1 done, c2 pushed but not ready (unknown), c3 untouched (still the older env and allow-list)
      applied: { c1: envDigest(fp(next)), c3: envDigest(fp(ENV)) },
    };
    const plan = planUpdate(half, desired(next, CVMS));
    expect(plan.writes.map((w) => w.cvm)).toEqual(["c2", "c3"]);
    expect(plan.writes.every((w) => w.reason === "the last rollout did not finish here")).toBe(true);
    expect(plan.writes.every((w) => w.sendEnvKeys)).toBe(true);
  });

  test("a rollout that stopped while adding a key: the untouched CVM still gets env_keys", () => {
    const next = { ...ENV, C: "new" };
    const half: PlanState = {
      ...applied(ENV, CVMS),
      fingerprints: fp(next),
      applied: { c1: envDigest(fp(next)), c2: envDigest(fp(ENV)), c3: envDigest(fp(ENV)) },
    };
    const plan = planUpdate(half, desired(next, CVMS));
    expect(plan.writes.map((w) => [w.cvm, w.sendEnvKeys])).toEqual([
      ["c2", true],
      ["c3", true],
    ]);
  });

  test("drift found by refresh: that CVM only", () => {
    const state = applied(ENV, CVMS);
    const plan = planUpdate({ ...state, applied: { ...state.applied, c2: "drift" } }, desired(ENV, CVMS));
    expect(plan.writes.map((w) => [w.cvm, w.reason])).toEqual([
      ["c2", "allowed_envs changed outside this stack"],
    ]);
  });

  test("a CVM refresh did not find: flagged while listed, nothing to clear once removed", () => {
    const state = applied(ENV, CVMS);
    const gone = { ...state, applied: { ...state.applied, c2: "gone" } };
    const listed = planUpdate(gone, desired(ENV, CVMS));
    expect(listed.writes).toEqual([]);
    expect(listed.blocked).toEqual(["c2"]);
    expect(listed.changed).toBe(true);
    // Not "restarts": it cannot be updated at all until it is removed.
    expect(listed.summary).toBe(
      "no CVM restarts; c2 was not found at the last refresh: cannot be updated until removed from cvms",
    );
    const removed = planUpdate(gone, desired(ENV, ["c1", "c3"]));
    expect(removed.writes).toEqual([]);
    expect(removed.changed).toBe(true); // state must drop it
  });

  test("first create: every target with env_keys", () => {
    const empty: PlanState = desired({}, []);
    const plan = planUpdate(empty, desired(ENV, CVMS));
    expect(plan.writes.map((w) => [w.cvm, w.sendEnvKeys])).toEqual([
      ["c1", true],
      ["c2", true],
      ["c3", true],
    ]);
  });

  test("summary says how many at a time", () => {
    const plan = planUpdate(
      applied(ENV, CVMS),
      desired({ A: "x", B: "2" }, CVMS, { rollout: { maxUnavailable: 2 } }),
    );
    expect(plan.summary.startsWith("3 CVMs restart, 2 at a time:")).toBe(true);
  });
});

describe("planUpdate: properties", () => {
  const envArb = fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), fc.string(), { maxKeys: 12 });
  const cvmsArb = fc.uniqueArray(fc.stringMatching(/^cvm_[a-z0-9]{1,6}$/), { minLength: 1, maxLength: 5 });

  test("plan(a, a) is a no-op for any env", () => {
    fc.assert(
      fc.property(envArb, cvmsArb, (env, cvms) => {
        const plan = planUpdate(applied(env, cvms), desired(env, cvms));
        return !plan.changed && plan.writes.length === 0;
      }),
    );
  });

  test("order never matters", () => {
    fc.assert(
      fc.property(envArb, cvmsArb, (env, cvms) => {
        const reversed = Object.fromEntries(Object.entries(env).reverse());
        return planUpdate(applied(env, cvms), desired(reversed, cvms)).writes.length === 0;
      }),
    );
  });

  test("any value change restarts every target", () => {
    fc.assert(
      fc.property(envArb, cvmsArb, fc.string(), (env, cvms, suffix) => {
        const keys = Object.keys(env);
        fc.pre(keys.length > 0);
        const key = keys[0] as string;
        const changed = { ...env, [key]: `${env[key]}${suffix}!` };
        const plan = planUpdate(applied(env, cvms), desired(changed, cvms));
        return (
          plan.changed &&
          plan.writes.length === cvms.length &&
          plan.writes.every((w) => w.action === "push-env")
        );
      }),
    );
  });

  test("the summary never contains a value", () => {
    fc.assert(
      fc.property(envArb, cvmsArb, fc.string({ minLength: 6 }), (env, cvms, secret) => {
        const keys = Object.keys(env);
        fc.pre(
          keys.length > 0 && !keys.some((k) => k.includes(secret)) && !cvms.some((c) => c.includes(secret)),
        );
        const plan = planUpdate(applied(env, cvms), desired({ ...env, [keys[0] as string]: secret }, cvms));
        return !plan.summary.includes(secret);
      }),
    );
  });
});

describe("planUpdate: identity, ownership and recorded changes (issue 11)", () => {
  const withForms = (state: PlanState, forms: string[], labels: Record<string, string>): PlanState => ({
    ...state,
    forms,
    labels,
  });

  test("the same CVMs under another id form: no write, recorded, preview says nothing restarts", () => {
    const old = withForms(applied(ENV, CVMS), ["c1", "c2", "c3"], { c1: "c1", c2: "c2", c3: "c3" });
    const next = withForms(desired(ENV, CVMS), ["api-1", "c2", "c3"], { c1: "api-1", c2: "c2", c3: "c3" });
    const plan = planUpdate(old, next);
    expect(plan.writes).toEqual([]);
    expect(plan.changed).toBe(true);
    expect(plan.summary).toBe("no CVM restarts; records the same CVMs under another id form (c1 → api-1)");
  });

  test("reordering cvms: nothing at all", () => {
    const old = withForms(applied(ENV, CVMS), CVMS, {});
    const plan = planUpdate(old, withForms(desired(ENV, ["c3", "c1", "c2"]), ["c3", "c1", "c2"], {}));
    expect(plan.changed).toBe(false);
    expect(plan.writes).toEqual([]);
  });

  test.each([
    ["retainOnRemove set", { retainOnRemove: true }, "records retainOnRemove: true"],
    ["rollout settings changed", { rollout: { maxUnavailable: 3 } }, "records rollout settings"],
  ])("%s: takes effect without a write or a restart", (_name, extra, text) => {
    const plan = planUpdate(applied(ENV, CVMS), desired(ENV, CVMS, extra));
    expect(plan.writes).toEqual([]);
    expect(plan.changed).toBe(true);
    expect(plan.summary).toBe(`no CVM restarts; ${text}`);
  });

  test("a CVM an interrupted run moved, then the value reverted: the journal makes it a write", () => {
    const old = applied(ENV, CVMS);
    const moved = envDigest(fp({ ...ENV, B: "new" }));
    const plan = planUpdate({ ...old, journal: { c1: moved, c2: moved } }, desired(ENV, CVMS));
    expect(plan.writes.map((w) => [w.cvm, w.reason, w.sendEnvKeys])).toEqual([
      ["c1", "an interrupted rollout of this stack pushed another env to it", true],
      ["c2", "an interrupted rollout of this stack pushed another env to it", true],
    ]);
  });

  test("a CVM an interrupted run already moved to the new env: recorded, not restarted", () => {
    const next = { ...ENV, B: "new" };
    const plan = planUpdate(
      { ...applied(ENV, CVMS), journal: { c1: envDigest(fp(next)) } },
      desired(next, CVMS),
    );
    expect(plan.writes.map((w) => w.cvm)).toEqual(["c2", "c3"]);
    expect(plan.summary).toContain(
      "records the env an interrupted run of this stack already rolled out (c1)",
    );
  });

  test("a journal that agrees with state changes nothing", () => {
    const old = applied(ENV, CVMS);
    const plan = planUpdate({ ...old, journal: { ...old.applied } }, desired(ENV, CVMS));
    expect(plan.changed).toBe(false);
  });

  test("a CVM refresh found running someone else's push: repaired, in true words", () => {
    const old = applied(ENV, CVMS);
    const plan = planUpdate({ ...old, applied: { ...old.applied, c3: "foreign" } }, desired(ENV, CVMS));
    expect(plan.writes.map((w) => [w.cvm, w.sendEnvKeys])).toEqual([["c3", true]]);
    expect(plan.summary).toBe(
      "1 CVM restarts: its env is not the one this stack pushed (changed outside this stack, or by a run interrupted on another machine) (c3)",
    );
  });

  test("refresh's owner tags name who wrote: outside this stack, or an unrecorded run of this stack", () => {
    const old = applied(ENV, CVMS);
    const plan = planUpdate(
      { ...old, applied: { ...old.applied, c1: INTERRUPTED, c3: OUTSIDE } },
      desired(ENV, CVMS),
    );
    expect(plan.writes.map((w) => [w.cvm, w.sendEnvKeys])).toEqual([
      ["c1", true],
      ["c3", true],
    ]);
    expect(plan.summary).toContain("its env was changed outside this stack (c3)");
    expect(plan.summary).toContain(
      "an interrupted run of this stack pushed an env state never recorded (no journal of it here) (c1)",
    );
    // A journal never overrides a marker.
    const journaled = planUpdate(
      { ...old, applied: { ...old.applied, c3: OUTSIDE }, journal: { c3: old.applied.c1! } },
      desired(ENV, CVMS),
    );
    expect(journaled.writes.map((w) => w.cvm)).toEqual(["c3"]);
  });

  test("a first deploy says so", () => {
    const plan = planUpdate(desired({}, []), desired(ENV, ["c1"]));
    expect(plan.summary).toBe("1 CVM restarts: first deploy (c1)");
  });

  test("labels: the summary names CVMs as the user typed them", () => {
    const plan = planUpdate(
      applied(ENV, CVMS),
      desired({ ...ENV, B: "9" }, CVMS, { labels: { c1: "api-1", c2: "api-2", c3: "api-3" } }),
    );
    expect(plan.summary).toBe("3 CVMs restart, 1 at a time: keys changed: B (api-1, api-2, api-3)");
  });

  test("a re-keyed app with kms.allowKeyChange: the summary does not say refused", () => {
    const old = { ...applied(ENV, CVMS), observedKeys: { app1: "k2" } };
    const allowed = planUpdate(old, desired(ENV, CVMS, { allowKeyChange: true }));
    expect(allowed.summary).not.toContain("refused");
    expect(allowed.summary).toContain("the new key is accepted (kms.allowKeyChange) for app1");
    expect(planUpdate(old, desired(ENV, CVMS)).summary).toContain(
      "refused at apply unless kms.allowKeyChange",
    );
  });
});

describe("planUpdate: a CVM taken in by `pulumi import` (its env never read)", () => {
  /** The state `pulumi import` records: no fingerprints, the keys the CVMs allow, `imported`. */
  function imported(cvms: string[], envKeys: string[]): PlanState {
    return {
      ...applied({}, cvms),
      applied: Object.fromEntries(cvms.map((c) => [c, IMPORTED])),
      envKeys,
    };
  }

  test("the env the CVM had, given again: one push, said why", () => {
    const plan = planUpdate(imported(["c1"], ["A", "B"]), desired(ENV, ["c1"]));
    expect(plan.writes.map((w) => [w.cvm, w.action])).toEqual([["c1", "push-env"]]);
    expect(plan.unsupplied).toEqual({ cvms: [], keys: [] });
    expect(plan.summary).toBe(
      "1 CVM restarts: imported: its env was set outside this stack and cannot be read back (c1)",
    );
  });

  test("the generated env: {} left as is: refused at apply, naming the keys it would take away", () => {
    const plan = planUpdate(
      imported(["c1", "c2"], ["A", "B"]),
      desired({}, ["c1", "c2"], { labels: { c1: "api-1", c2: "api-2" } }),
    );
    expect(plan.changed).toBe(true);
    expect(plan.unsupplied).toEqual({ cvms: ["c1", "c2"], keys: ["A", "B"] });
    expect(plan.summary).toContain(
      "refused at apply: the env leaves out A, B, which imported CVMs api-1, api-2 have",
    );
    expect(plan.summary).toContain("give each in env, or set adopt: true");
  });

  test("a key left out is refused too; adopt: true says the env is meant to be exactly this one", () => {
    const old = imported(["c1"], ["A", "B", "DSTACK_DOCKER_PASSWORD"]);
    const partial = planUpdate(old, desired({ A: "1" }, ["c1"]));
    expect(partial.unsupplied.keys).toEqual(["B", "DSTACK_DOCKER_PASSWORD"]);
    expect(describeUnsupplied(partial.unsupplied)).toContain(
      "(the DSTACK_ registry variables through registry)",
    );
    const adopted = planUpdate(old, desired({ A: "1" }, ["c1"], { adopt: true }));
    expect(adopted.unsupplied.keys).toEqual([]);
    expect(adopted.writes.map((w) => w.cvm)).toEqual(["c1"]);
    expect(adopted.summary).not.toContain("refused");
  });

  test("once pushed, the CVM is this resource's: a key removed later is an ordinary change", () => {
    const plan = planUpdate({ ...applied(ENV, ["c1"]), envKeys: ["A", "B"] }, desired({ A: "1" }, ["c1"]));
    expect(plan.unsupplied.keys).toEqual([]);
    expect(plan.summary).toBe("1 CVM restarts: keys removed: B (c1)");
  });

  test("a CVM that allowed no key: an empty env takes nothing away", () => {
    const plan = planUpdate(imported(["c1"], []), desired({}, ["c1"]));
    expect(plan.unsupplied.keys).toEqual([]);
    expect(plan.writes.map((w) => w.cvm)).toEqual(["c1"]);
  });
});
