/**
 * Issue 11, case 8 as two stacks of one project on the same CVM, on the real Pulumi engine
 * against the emulator: the second stack is refused without adopt, takes over with it; the first
 * stack's refresh, preview and destroy say so and leave the CVM alone (suites/lifecycle.ts).
 */
import { expectNoLeak } from "../support/e2e";
import { delta } from "../support/provider-harness";
import { dispose, OTHER, QUIET, V1, type World, world } from "./suites/lifecycle";

describe("case 8 as two stacks of one project on the same CVM", () => {
  let w: World | undefined;
  afterAll(async () => dispose(w));

  test("the second stack is refused without adopt; with adopt it takes over, the first says so and its destroy leaves the CVM alone", async () => {
    w = await world(100);
    const pulumi = w.pulumi;
    const app = await w.emu.admin.createApp();
    const a = (await w.emu.admin.createCvm({ name: "stacks-a-node", app_id: app.app_id })).id;
    const b = (await w.emu.admin.createCvm({ name: "stacks-b-node", app_id: app.app_id })).id;
    const run = async (stack: string, args: string[], allowFail = false) => {
      const r = await pulumi.run([...args, "--stack", stack, ...QUIET]);
      const text = `${r.stdout}\n${r.stderr}`;
      w!.transcript.push(text);
      if (r.code !== 0 && !allowFail) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${text}`);
      return { code: r.code, text };
    };
    const restartsOf = async (step: () => Promise<unknown>) => {
      const before = await w!.emu.admin.counts();
      await step();
      const after = await w!.emu.admin.counts();
      return { restarts: delta(before.restarts, after.restarts), writes: after.writes - before.writes };
    };
    const envOf = async (cvm: string) => (await w!.emu.admin.guest(cvm)).env;
    await pulumi.ok(["config", "set", "--stack", "dev", "cvms", JSON.stringify([a, b])]);
    await pulumi.ok(["config", "set", "--stack", "dev", "--secret", "value", V1]);
    expect((await restartsOf(() => run("dev", ["up", "--yes"]))).restarts).toEqual({ [a]: 1, [b]: 1 });

    // The same program (the same resource name) in a second stack, on the same machine.
    await pulumi.ok(["stack", "init", "other", ...QUIET]);
    await pulumi.ok(["config", "set", "--stack", "other", "cvm-secrets:apiUrl", w.emu.url]);
    await pulumi.ok(["config", "set", "--stack", "other", "--secret", "cvm-secrets:apiKey", w.emu.apiKey]);
    await pulumi.ok(["config", "set", "--stack", "other", "cvms", JSON.stringify([a])]);
    await pulumi.ok(["config", "set", "--stack", "other", "--secret", "value", OTHER]);
    const refused = await restartsOf(async () => {
      const r = await run("other", ["up", "--yes"], true);
      expect(r.code).not.toBe(0);
      expect(r.text).toContain(
        `cvms[0] (${a}) already carries an env its allow-list lets through that this resource did not push`,
      );
    });
    expect(refused.writes).toBe(0);
    expect(await envOf(a)).toEqual({ API_KEY: V1 });

    await pulumi.ok(["config", "set", "--stack", "other", "adopt", "true"]);
    const taken = await restartsOf(async () => {
      const r = await run("other", ["up", "--yes"]);
      expect(r.text).toContain("it is overwritten with this resource's env");
    });
    expect(taken.restarts).toEqual({ [a]: 1 });
    expect(await envOf(a)).toEqual({ API_KEY: OTHER });

    // The first stack: refresh and preview say so, in true words.
    const refresh = await run("dev", ["refresh", "--yes"]);
    expect(refresh.text).toContain(`${a}: its env is not the one this stack pushed`);
    const preview = await run("dev", ["preview"]);
    expect(preview.text).toContain(
      `1 CVM restarts: its env is not the one this stack pushed (changed outside this stack, or by a run interrupted on another machine) (${a})`,
    );
    // Its destroy clears what it still owns and leaves the other stack's CVM alone.
    const destroyed = await restartsOf(async () => {
      const r = await run("dev", ["destroy", "--yes"]);
      expect(r.text).toContain(`left ${a} alone (env not cleared)`);
    });
    expect(destroyed.restarts).toEqual({ [b]: 1 });
    expect(await envOf(a)).toEqual({ API_KEY: OTHER });
    expect((await envOf(b)) ?? {}).toEqual({});

    // The second stack sees no drift, and its destroy clears its CVM.
    await run("other", ["refresh", "--yes"]);
    await run("other", ["preview", "--expect-no-changes"]);
    expect((await restartsOf(() => run("other", ["destroy", "--yes"]))).restarts).toEqual({ [a]: 1 });
    expect((await envOf(a)) ?? {}).toEqual({});
    expectNoLeak(w.transcript, [V1, OTHER, w.emu.apiKey]);
  }, 420_000);
});
