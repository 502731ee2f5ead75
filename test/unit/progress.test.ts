import { describeRolloutEvent } from "../../provider/cvm-secrets/steps/progress";
import { type RolloutEvent, rollOut } from "../../provider/cvm-secrets/steps/rollout";
import { engineAddress, logTo } from "../../provider/runtime/engine-log";

describe("rollout progress events", () => {
  test("each wave, push and ready is told in order, with the time since the push", async () => {
    const events: RolloutEvent[] = [];
    const result = await rollOut(
      ["a", "b", "c"].map((cvm) => ({ cvm, reason: "r" })),
      2,
      {
        push: async () => undefined,
        waitReady: () => new Promise((r) => setTimeout(r, 20)),
        progress: (e) => events.push(e),
      },
    );
    expect(result.done).toEqual(["a", "b", "c"]);
    expect(events.map((e) => `${e.kind}:${"cvm" in e ? e.cvm : e.cvms.join("+")}`)).toEqual([
      "wave:a+b",
      "pushed:a",
      "pushed:b",
      "ready:a",
      "ready:b",
      "wave:c",
      "pushed:c",
      "ready:c",
    ]);
    for (const e of events) if (e.kind === "ready") expect(e.ms).toBeGreaterThanOrEqual(15);
  });

  test("a refused push and a failed boot are told; a throwing listener never changes the rollout", async () => {
    const events: RolloutEvent[] = [];
    const result = await rollOut(
      ["a", "b"].map((cvm) => ({ cvm, reason: "r" })),
      2,
      {
        push: async (t) => {
          if (t.cvm === "a") throw new Error("refused");
          return undefined;
        },
        waitReady: async () => {
          throw new Error("boot error");
        },
        progress: (e) => {
          events.push(e);
          throw new Error("listener bug");
        },
      },
    );
    expect(result.untouched).toEqual(["a"]);
    expect(result.failed.map((f) => f.cvm)).toEqual(["b"]);
    expect(events.filter((e) => e.kind === "failed")).toEqual([
      { kind: "failed", cvm: "a", pushed: false, ms: expect.any(Number) },
      { kind: "failed", cvm: "b", pushed: true, ms: expect.any(Number) },
    ]);
  });
});

describe("describeRolloutEvent", () => {
  test.each<[RolloutEvent, string]>([
    [{ kind: "wave", wave: 2, waves: 3, cvms: ["cvm_b"] }, "wave 2/3: cvm_b (restarting)"],
    [{ kind: "pushed", cvm: "cvm_b" }, "cvm_b: env pushed; waiting until it is running again"],
    [{ kind: "ready", cvm: "cvm_b", ms: 3240 }, "cvm_b: running again after 3.2 s"],
    [{ kind: "ready", cvm: "cvm_b", ms: 61_400 }, "cvm_b: running again after 61 s"],
    [
      { kind: "failed", cvm: "cvm_b", pushed: true, ms: 600_000 },
      "cvm_b: not running again after 600 s; the rollout stops",
    ],
    [
      { kind: "failed", cvm: "cvm_b", pushed: false, ms: 5 },
      "cvm_b: the push was refused; the rollout stops",
    ],
  ])("%j", (event, words) => {
    expect(describeRolloutEvent(event)).toBe(words);
  });

  test("a clear says so", () => {
    expect(describeRolloutEvent({ kind: "pushed", cvm: "c" }, "env cleared")).toBe(
      "c: env cleared; waiting until it is running again",
    );
  });
});

describe("engine log", () => {
  test("the engine address is the dynamic-provider host's first argument, and only there", () => {
    const host = "/x/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js";
    expect(engineAddress(["node", host, "127.0.0.1:40123"])).toBe("127.0.0.1:40123");
    expect(engineAddress(["node", host.replace("/index.js", ""), "[::1]:5"])).toBe("[::1]:5");
    expect(engineAddress(["node", "/x/jest", "127.0.0.1:40123"])).toBeUndefined();
    expect(engineAddress(["node", host, "--flag"])).toBeUndefined();
    expect(engineAddress(["node", host])).toBeUndefined();
  });

  test("messages are delivered one at a time, in order, each with its severity", async () => {
    const got: string[] = [];
    const log = logTo(async (severity, message) => {
      await new Promise((r) => setTimeout(r, message === "one" ? 20 : 0));
      got.push(`${severity}:${message}`);
    });
    log.info("one");
    log.warn("two");
    log.info("three");
    await log.flush();
    expect(got).toEqual(["info:one", "warning:two", "info:three"]);
  });

  test("an undeliverable message falls back to stderr with its severity, and later ones still go", async () => {
    const written: string[] = [];
    const spy = jest.spyOn(console, "error").mockImplementation((line) => {
      written.push(String(line));
    });
    try {
      const sent: string[] = [];
      const log = logTo(async (_severity, message) => {
        if (message === "lost") throw new Error("engine gone");
        sent.push(message);
      });
      log.warn("lost");
      log.info("after");
      await log.flush();
      expect(written).toEqual(["warning: lost"]);
      expect(sent).toEqual(["after"]);
    } finally {
      spy.mockRestore();
    }
  });
});
