import type { RegistrationRequired } from "../../provider/api/phala";
import {
  type RolloutPort,
  type RolloutTarget,
  rollOut,
  waves,
} from "../../provider/cvm-secrets/steps/rollout";

const targets = (n: number): RolloutTarget[] =>
  Array.from({ length: n }, (_, i) => ({ cvm: `cvm_${i + 1}`, reason: "changed A" }));

/** A port whose CVMs take `ms` to restart, recording how many are restarting at once. */
function fakePort(ms: number, fail: Partial<Record<string, "push" | "boot" | "465">> = {}) {
  let restarting = 0;
  const log: string[] = [];
  const state = { maxConcurrent: 0, log };
  const port: RolloutPort = {
    async push(t) {
      log.push(`push ${t.cvm}`);
      if (fail[t.cvm] === "push") throw new Error(`push refused for ${t.cvm}`);
      if (fail[t.cvm] === "465") return registration(t.cvm);
      restarting++;
      state.maxConcurrent = Math.max(state.maxConcurrent, restarting);
      return undefined;
    },
    async waitReady(t) {
      await new Promise((r) => setTimeout(r, ms));
      restarting--;
      log.push(`ready ${t.cvm}`);
      if (fail[t.cvm] === "boot") throw new Error(`${t.cvm} stopped: boot error`);
    },
  };
  return { port, state };
}

/** A 465 answer naming a hash derived from the CVM, so a test can tell whose answer was kept. */
function registration(cvm: string): RegistrationRequired {
  return { kind: "registration-required", composeHash: `hash-of-${cvm}`, appId: "ab".repeat(20) };
}

describe("waves", () => {
  test("splits in order, last wave partial", () => {
    expect(waves([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(waves([1, 2], 5)).toEqual([[1, 2]]);
    expect(waves([], 1)).toEqual([]);
    expect(waves([1, 2], 0)).toEqual([[1], [2]]);
  });
});

describe("rollOut", () => {
  test.each([1, 2, 3])("never more than maxUnavailable=%i restarting at once", async (k) => {
    const { port, state } = fakePort(5);
    const result = await rollOut(targets(7), k, port);
    expect(result.done).toHaveLength(7);
    expect(result.error).toBeUndefined();
    expect(state.maxConcurrent).toBe(k);
  });

  test("a wave starts only after the previous one is ready", async () => {
    const { port, state } = fakePort(5);
    await rollOut(targets(3), 1, port);
    expect(state.log).toEqual([
      "push cvm_1",
      "ready cvm_1",
      "push cvm_2",
      "ready cvm_2",
      "push cvm_3",
      "ready cvm_3",
    ]);
  });

  test("a boot error stops the rollout and tells exactly which CVMs carry the new env", async () => {
    const { port } = fakePort(2, { cvm_2: "boot" });
    const result = await rollOut(targets(4), 1, port);
    expect(result.done).toEqual(["cvm_1"]);
    expect(result.failed.map((f) => f.cvm)).toEqual(["cvm_2"]);
    expect(result.untouched).toEqual(["cvm_3", "cvm_4"]);
    expect(result.error?.message).toMatch(/boot error/);
  });

  test("a refused push leaves that CVM untouched; its wave-mates still settle", async () => {
    const { port } = fakePort(2, { cvm_3: "push" });
    const result = await rollOut(targets(5), 2, port);
    expect(result.done).toEqual(["cvm_1", "cvm_2", "cvm_4"]);
    expect(result.untouched).toEqual(["cvm_3", "cvm_5"]);
    expect(result.failed).toEqual([]);
  });

  test("a 465 answer stops the rollout as a value: that CVM untouched, what to register kept, no error", async () => {
    const { port } = fakePort(2, { cvm_2: "465" });
    const events: string[] = [];
    const result = await rollOut(targets(4), 2, {
      ...port,
      progress: (e) => events.push(`${e.kind}${"cvm" in e ? ` ${e.cvm}` : ""}`),
    });
    expect(result.done).toEqual(["cvm_1"]);
    expect(result.failed).toEqual([]);
    expect(result.untouched).toEqual(["cvm_2", "cvm_3", "cvm_4"]);
    expect(result.error).toBeUndefined();
    expect(result.pendingRegistration).toEqual({ ...registration("cvm_2"), cvm: "cvm_2" });
    // Told like any push that was not taken.
    expect(events).toContain("failed cvm_2");
    expect(events).not.toContain("pushed cvm_2");
  });

  test("the first stop in wave order wins: an earlier error over a later 465, an earlier 465 over both", async () => {
    const first = await rollOut(
      targets(3),
      3,
      fakePort(1, { cvm_1: "boot", cvm_2: "465", cvm_3: "465" }).port,
    );
    expect(first.error?.message).toMatch(/cvm_1 stopped: boot error/);
    expect(first.pendingRegistration).toBeUndefined();
    expect(first.failed.map((f) => f.cvm)).toEqual(["cvm_1"]);
    expect(first.untouched).toEqual(["cvm_2", "cvm_3"]);

    const second = await rollOut(
      targets(3),
      3,
      fakePort(1, { cvm_1: "465", cvm_2: "push", cvm_3: "465" }).port,
    );
    expect(second.error).toBeUndefined();
    expect(second.pendingRegistration?.cvm).toBe("cvm_1");
    expect(second.pendingRegistration?.composeHash).toBe("hash-of-cvm_1");
    expect(second.untouched).toEqual(["cvm_1", "cvm_2", "cvm_3"]);
  });
});
