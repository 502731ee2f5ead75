/**
 * Issue 11, case 6 and its neighbour, on the real Pulumi engine against the emulator: `pulumi up`
 * killed mid-rollout (slow restarts so the kill lands between replicas), then the value reverted
 * (a plain up repairs exactly the CVMs the killed run moved), or refresh + up with and without
 * this machine's rollout journal. Each describe block has its own emulator and stack
 * (suites/lifecycle.ts).
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { expectNoLeak } from "../support/e2e";
import { delta } from "../support/provider-harness";
import {
  dispose,
  envsOf,
  killMidRollout,
  QUIET,
  replicas,
  V1,
  V2,
  type World,
  world,
} from "./suites/lifecycle";

describe("case 6: killed mid-rollout, then the value reverted", () => {
  let w: World | undefined;
  afterAll(async () => dispose(w));

  test("a plain up repairs exactly the CVMs the killed run moved (refresh + up: next block)", async () => {
    w = await world(1_500);
    const ids = await replicas(w, "kill");
    await killMidRollout(w, ids, V2);
    const envOf = async () => envsOf(w!, ids);

    // The user reverts: state (never written by the killed run) still says V1 everywhere.
    await w.pulumi.ok(["config", "set", "--secret", "value", V1]);
    const preview = await w.pulumi.ok(["preview", ...QUIET]);
    expect(preview.stdout).toContain(
      `2 CVMs restart, 1 at a time: an interrupted rollout of this stack pushed another env to it (${ids[0]}, ${ids[1]})`,
    );
    const before = (await w.emu.admin.counts()).restarts;
    await w.pulumi.ok(["up", "--yes", "--skip-preview", ...QUIET]);
    expect(delta(before, (await w.emu.admin.counts()).restarts)).toEqual({ [ids[0]!]: 1, [ids[1]!]: 1 });
    expect(await envOf()).toEqual([V1, V1, V1]);
    await w.pulumi.ok(["preview", "--expect-no-changes", ...QUIET]);
    expectNoLeak([preview.stdout, preview.stderr], [V1, V2]);
  }, 300_000);
});

describe("refresh + up after a killed rollout", () => {
  let w: World | undefined;
  afterAll(async () => dispose(w));

  test("with this machine's journal: refresh learns what the killed run did and up restarts only the CVM it never reached", async () => {
    w = await world(1_500);
    const ids = await replicas(w, "refresh");
    await killMidRollout(w, ids, V2);
    const refresh = await w.pulumi.ok(["refresh", "--yes", ...QUIET]);
    expect(refresh.stdout).toContain(`${ids[0]} runs the env an interrupted run of this stack pushed`);
    expect(refresh.stdout).toContain(`${ids[1]} runs the env an interrupted run of this stack pushed`);
    const preview = await w.pulumi.ok(["preview", ...QUIET]);
    expect(preview.stdout).toContain(`1 CVM restarts: keys changed: API_KEY (${ids[2]})`);
    const before = (await w.emu.admin.counts()).restarts;
    await w.pulumi.ok(["up", "--yes", "--skip-preview", ...QUIET]);
    expect(delta(before, (await w.emu.admin.counts()).restarts)).toEqual({ [ids[2]!]: 1 });
    expect(await envsOf(w, ids)).toEqual([V2, V2, V2]);
    await w.pulumi.ok(["preview", "--expect-no-changes", ...QUIET]);
    expectNoLeak([refresh.stdout, refresh.stderr, preview.stdout, preview.stderr], [V1, V2]);
  }, 300_000);

  test("on a fresh runner (no journal): refresh says it cannot tell whose the unrecorded pushes are, and up repairs every replica", async () => {
    const ids = await replicas(w!, "fresh");
    await killMidRollout(w!, ids, V1);
    rmSync(path.join(w!.pulumi.env.PULUMI_HOME!, "cvm-secrets", "journal"), { recursive: true, force: true });
    // Refresh reads the outputs only, and the owner key is a secret input: it cannot tell these
    // unrecorded pushes of this stack from an outside write, and says both; up recognises them.
    const refresh = await w!.pulumi.ok(["refresh", "--yes", ...QUIET]);
    expect(refresh.stdout).toContain(`${ids[0]}: its env is not the one this stack pushed`);
    const preview = await w!.pulumi.ok(["preview", ...QUIET]);
    expect(preview.stdout).toContain(
      `3 CVMs restart, 1 at a time: its env is not the one this stack pushed (changed outside this stack, or by a run interrupted on another machine) (${ids[0]}, ${ids[1]}); keys changed: API_KEY (${ids[2]})`,
    );
    const before = (await w!.emu.admin.counts()).restarts;
    await w!.pulumi.ok(["up", "--yes", "--skip-preview", ...QUIET]);
    // What the killed run pushed is unknown without its journal: each replica is pushed once.
    expect(delta(before, (await w!.emu.admin.counts()).restarts)).toEqual({
      [ids[0]!]: 1,
      [ids[1]!]: 1,
      [ids[2]!]: 1,
    });
    expect(await envsOf(w!, ids)).toEqual([V1, V1, V1]);
    await w!.pulumi.ok(["preview", "--expect-no-changes", ...QUIET]);
  }, 300_000);
});
