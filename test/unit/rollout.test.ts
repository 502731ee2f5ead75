import {
  type RolloutPort,
  type RolloutTarget,
  rollOut,
  waves,
} from "../../provider/cvm-secrets/steps/rollout";

const targets = (n: number): RolloutTarget[] =>
  Array.from({ length: n }, (_, i) => ({ cvm: `cvm_${i + 1}`, reason: "changed A" }));

/** A port whose CVMs take `ms` to restart, recording how many are restarting at once. */
function fakePort(ms: number, fail: Partial<Record<string, "push" | "boot">> = {}) {
  let restarting = 0;
  const log: string[] = [];
  const state = { maxConcurrent: 0, log };
  const port: RolloutPort = {
    async push(t) {
      log.push(`push ${t.cvm}`);
      if (fail[t.cvm] === "push") throw new Error(`push refused for ${t.cvm}`);
      restarting++;
      state.maxConcurrent = Math.max(state.maxConcurrent, restarting);
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
});
