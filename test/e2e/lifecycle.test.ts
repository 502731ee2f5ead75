/**
 * Issue 11 on the real Pulumi engine against the emulator: no operation wipes, mixes or silently
 * loses a CVM's env. One stack walks through the cases in order — another id form of the same
 * CVM (case 1), two forms at once (2), reordering, an out-of-band change with the same key set
 * (7), refresh with nothing changed, `up --replace` (3), a rename without and with an alias, and
 * following the guard's advice (4), two resources adopting one CVM (8), `retainOnRemove` set on
 * an existing resource (5). After every step it checks each CVM's guest view and restart count
 * and the preview text. Case 6 (killed mid-rollout, then the value reverted) has its own stack
 * with slower restarts so the kill lands mid-rollout.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { type Emulator, startEmulator } from "../../emulator/index";
import { encryptEnv } from "../../provider/core/envelope";
import { expectNoLeak } from "../support/e2e";
import { descendants, killAll } from "../support/process-tree";
import { delta } from "../support/provider-harness";
import { type PulumiWorkspace, pulumiWorkspace, tsProgram } from "../support/pulumi";

const QUIET = ["--non-interactive", "--color", "never"];
const V1 = "sk_life_value_one_1111";
const V2 = "sk_life_value_two_2222";
const OOB = "sk_life_out_of_band_3333";
const OTHER = "sk_life_other_owner_4444";

/** `main` (named by config, optionally aliased) and an optional second resource adopting CVMs. */
const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets } from "pulumi-cvm-secrets";

const cfg = new pulumi.Config();
const alias = cfg.get("aliasOf");
const main = new CvmSecrets(
  cfg.get("resourceName") ?? "main",
  {
    cvms: cfg.requireObject<string[]>("cvms"),
    env: { API_KEY: cfg.requireSecret("value") },
    rollout: { maxUnavailable: cfg.getNumber("maxUnavailable") ?? 1 },
    retainOnRemove: cfg.getBoolean("retain"),
    adopt: cfg.getBoolean("adopt"),
  },
  { aliases: alias ? [{ name: alias }] : undefined, deleteBeforeReplace: cfg.getBoolean("dbr") },
);
const second = cfg.getObject<string[]>("secondCvms");
if (second) {
  new CvmSecrets(cfg.get("secondName") ?? "second", {
    cvms: second,
    env: { API_KEY: cfg.requireSecret("secondValue") },
    adopt: cfg.getBoolean("secondAdopt") ?? true,
  });
}
export const envKeys = main.envKeys;
`;

interface World {
  emu: Emulator;
  pulumi: PulumiWorkspace;
  program: { dir: string; dispose(): void };
  transcript: string[];
}

async function world(restartMs: number): Promise<World> {
  const transcript: string[] = [];
  const emu = await startEmulator({ restartMs, log: (line) => transcript.push(line) });
  const program = tsProgram("lifecycle", PROGRAM);
  const pulumi = pulumiWorkspace(program.dir);
  await pulumi.ok(["stack", "init", "dev", ...QUIET]);
  await pulumi.ok(["config", "set", "cvm-secrets:apiUrl", emu.url]);
  await pulumi.ok(["config", "set", "--secret", "cvm-secrets:apiKey", emu.apiKey]);
  return { emu, pulumi, program, transcript };
}

async function dispose(w: World | undefined): Promise<void> {
  w?.pulumi.dispose();
  w?.program.dispose();
  await w?.emu.close();
}

describe("issue 11: ordinary operations keep every CVM's env", () => {
  let w: World;
  let a: { id: string; vm_uuid: string; name: string; app: string };
  let b: { id: string; vm_uuid: string; name: string; app: string };
  let appKey: string;

  async function run(args: string[], allowFail = false): Promise<{ code: number; text: string }> {
    const r = await w.pulumi.run([...args, ...QUIET]);
    const text = `${r.stdout}\n${r.stderr}`;
    w.transcript.push(text);
    if (r.code !== 0 && !allowFail) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${text}`);
    return { code: r.code, text };
  }
  const config = async (values: Record<string, unknown>): Promise<void> => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) await w.pulumi.run(["config", "rm", key]);
      else if (key === "value" || key === "secondValue")
        await w.pulumi.ok(["config", "set", "--secret", key, String(value)]);
      else
        await w.pulumi.ok(["config", "set", key, typeof value === "string" ? value : JSON.stringify(value)]);
    }
  };
  const guests = async (): Promise<Array<Record<string, string> | null>> =>
    Promise.all([a, b].map(async (c) => (await w.emu.admin.guest(c.id)).env));
  const counts = async () => w.emu.admin.counts();
  /** Runs `step` and returns the restarts per CVM and the number of writes it caused. */
  async function measured(
    step: () => Promise<unknown>,
  ): Promise<{ restarts: Record<string, number>; writes: number }> {
    const before = await counts();
    await step();
    const after = await counts();
    return { restarts: delta(before.restarts, after.restarts), writes: after.writes - before.writes };
  }

  beforeAll(async () => {
    w = await world(100);
    const app = await w.emu.admin.createApp();
    appKey = app.encrypted_env_pubkey;
    const mk = async (name: string) => {
      const info = (await w.emu.admin.createCvm({ name, app_id: app.app_id })) as unknown as {
        id: string;
        vm_uuid: string;
        name: string;
      };
      return { id: info.id, vm_uuid: info.vm_uuid, name, app: app.app_id };
    };
    a = await mk("life-a-node");
    b = await mk("life-b-node");
    await config({ cvms: [a.id, b.id], value: V1 });
    const first = await measured(() => run(["up", "--yes"]));
    expect(first.restarts).toEqual({ [a.id]: 1, [b.id]: 1 });
    expect(await guests()).toEqual([{ API_KEY: V1 }, { API_KEY: V1 }]);
  }, 240_000);

  afterAll(async () => {
    await dispose(w);
  });

  test("case 1: another id form of the same CVMs is a no-op; later rotations still reach the guests", async () => {
    await config({ cvms: [a.name, `${b.vm_uuid} `] });
    const preview = await run(["preview"]);
    expect(preview.text).toContain("no CVM restarts; records the same CVMs under another id form");
    expect(preview.text).not.toMatch(/\d+ CVMs? restart/);
    const same = await measured(() => run(["up", "--yes"]));
    expect(same).toEqual({ restarts: {}, writes: 0 });
    expect(await guests()).toEqual([{ API_KEY: V1 }, { API_KEY: V1 }]);
    // The no-op stays a no-op, with no API call at all in the preview.
    const requests = (await counts()).requests;
    await run(["preview", "--expect-no-changes"]);
    expect((await counts()).requests).toEqual(requests);

    await config({ value: V2 });
    const rotated = await measured(() => run(["up", "--yes"]));
    expect(rotated.restarts).toEqual({ [a.id]: 1, [b.id]: 1 });
    expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
  }, 360_000);

  test("case 2: two forms of one CVM are refused before any write, naming both", async () => {
    await config({ cvms: [a.name, a.id, `${b.vm_uuid} `] });
    const refused = await measured(async () => {
      const r = await run(["up", "--yes"], true);
      expect(r.code).not.toBe(0);
      expect(r.text).toContain("cvms[1]");
      expect(r.text).toContain("names the same CVM as cvms[0] (two id forms of one CVM); list each CVM once");
    });
    expect(refused.writes).toBe(0);
    await config({ cvms: [a.name, `${b.vm_uuid} `] });
    expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
  }, 240_000);

  test("reordering cvms changes nothing", async () => {
    await config({ cvms: [`${b.vm_uuid} `, a.name] });
    await run(["preview", "--expect-no-changes"]);
    await config({ cvms: [a.name, `${b.vm_uuid} `] });
  }, 120_000);

  test("case 7: an out-of-band change with the same key set is found by refresh and repaired on that CVM only", async () => {
    const res = await fetch(`${w.emu.url}/cvms/${a.id}/envs`, {
      method: "PATCH",
      headers: { "x-api-key": w.emu.apiKey, "content-type": "application/json" },
      body: JSON.stringify({ encrypted_env: encryptEnv({ API_KEY: OOB }, appKey) }),
    });
    expect(res.status).toBe(202);
    await new Promise((r) => setTimeout(r, 400));
    expect((await w.emu.admin.guest(a.id)).env).toEqual({ API_KEY: OOB });
    await run(["preview", "--expect-no-changes"]); // without refresh nothing can know
    // Refresh reads the outputs only, and the owner key is a secret input: it cannot tell an
    // outside write from an unrecorded push of this stack, and says both (up tells them apart).
    const refresh = await run(["refresh", "--yes"]);
    expect(refresh.text).toContain(`${a.id}: its env is not the one this stack pushed`);
    const preview = await run(["preview"]);
    expect(preview.text).toContain(
      `1 CVM restarts: its env is not the one this stack pushed (changed outside this stack, or by a run interrupted on another machine) (${a.name})`,
    );
    const repaired = await measured(() => run(["up", "--yes"]));
    expect(repaired.restarts).toEqual({ [a.id]: 1 });
    expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
  }, 240_000);

  test("refresh with nothing changed reports no drift", async () => {
    const r = await measured(() => run(["refresh", "--yes"]));
    expect(r.writes).toBe(0);
    await run(["preview", "--expect-no-changes"]);
  }, 120_000);

  const mainUrn = async (): Promise<string> => {
    const stack = JSON.parse((await w.pulumi.ok(["stack", "export"])).stdout) as {
      deployment: { resources: Array<{ urn: string; type: string }> };
    };
    return stack.deployment.resources.find((r) => r.urn.endsWith("::main"))!.urn;
  };
  /** A fresh CI runner: no rollout journal of any earlier run. */
  const freshRunner = (): void =>
    rmSync(path.join(w.pulumi.env.PULUMI_HOME!, "cvm-secrets", "journal"), { recursive: true, force: true });

  test("case 3: up --replace on a fresh runner keeps the replacement's env (the old delete leaves the CVMs alone)", async () => {
    freshRunner();
    const replaced = await measured(async () => {
      const r = await run(["up", "--yes", "--replace", await mainUrn()]);
      expect(r.text).toContain(
        `${a.id}: its env was pushed by this stack's main (the resource this one replaces`,
      );
      expect(r.text).toContain(`left ${a.id} alone (env not cleared)`);
      expect(r.text).toContain(`left ${b.id} alone (env not cleared)`);
    });
    expect(replaced.restarts).toEqual({ [a.id]: 1, [b.id]: 1 });
    expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
    await run(["preview", "--expect-no-changes"]);
  }, 240_000);

  test("case 3b: up --replace with deleteBeforeReplace on a fresh runner: cleared, then pushed", async () => {
    await config({ dbr: true });
    freshRunner();
    const replaced = await measured(async () => {
      const r = await run(["up", "--yes", "--replace", await mainUrn()]);
      expect(r.text).not.toContain("alone");
    });
    // The delete clears (allow-list kept, env empty: nobody's env), then the replacement pushes.
    expect(replaced.restarts).toEqual({ [a.id]: 2, [b.id]: 2 });
    expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
    await config({ dbr: undefined });
    await run(["preview", "--expect-no-changes"]);
  }, 300_000);

  test("case 4: a rename without an alias is refused with advice that does not wipe; with an alias it is a no-op", async () => {
    await config({ resourceName: "renamed" });
    const refused = await measured(async () => {
      const r = await run(["up", "--yes"], true);
      expect(r.code).not.toBe(0);
      expect(r.text).toContain("aliases");
      expect(r.text).toContain("leaves it alone when deleted");
    });
    expect(refused.writes).toBe(0);
    expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
    // A failed create left nothing behind; the alias makes the rename a no-op.
    await config({ aliasOf: "main" });
    const aliased = await measured(() => run(["up", "--yes"]));
    expect(aliased).toEqual({ restarts: {}, writes: 0 });
    await run(["preview", "--expect-no-changes"]);

    // Following the advice without an alias: adopt, then the old delete leaves the CVMs alone.
    await config({ resourceName: "adopted", aliasOf: undefined, adopt: true });
    const adopted = await measured(async () => {
      const r = await run(["up", "--yes"]);
      expect(r.text).toContain(`left ${a.id} alone (env not cleared)`);
    });
    expect(adopted.restarts).toEqual({ [a.id]: 1, [b.id]: 1 });
    expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
    await config({ adopt: undefined });
    await run(["up", "--yes"]);
  }, 300_000);

  test("case 8: two resources adopting one CVM are never silent, and one's delete leaves the other's env", async () => {
    await config({ secondCvms: [a.id], secondValue: OTHER });
    const taken = await measured(async () => {
      const r = await run(["up", "--yes"]);
      expect(r.text).toContain(`${a.id}: its latest app revision`);
      expect(r.text).toContain("it is overwritten with this resource's env");
    });
    expect(taken.restarts).toEqual({ [a.id]: 1 });
    expect((await w.emu.admin.guest(a.id)).env).toEqual({ API_KEY: OTHER });
    const refresh = await run(["refresh", "--yes"]);
    expect(refresh.text).toContain(`${a.id}: its env is not the one this stack pushed`);
    // The first resource takes it back (warning), then the second's delete leaves it alone.
    const back = await measured(async () => {
      const r = await run(["up", "--yes"]);
      expect(r.text).toContain(`${a.id}: its latest app revision`);
    });
    expect(back.restarts).toEqual({ [a.id]: 1 });
    await config({ secondCvms: undefined });
    const removed = await measured(async () => {
      const r = await run(["up", "--yes"]);
      expect(r.text).toContain(`left ${a.id} alone (env not cleared)`);
    });
    expect(removed).toEqual({ restarts: {}, writes: 0 });
    expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
  }, 300_000);

  test("a resource recreated on a CVM another resource cleared needs no adopt: an empty env is nobody's", async () => {
    const c = (await w.emu.admin.createCvm({ name: "life-c-node", app_id: a.app })).id;
    await config({ secondCvms: [c], secondValue: OTHER, secondAdopt: false });
    expect((await measured(() => run(["up", "--yes"]))).restarts).toEqual({ [c]: 1 });
    await config({ secondCvms: undefined });
    expect((await measured(() => run(["up", "--yes"]))).restarts).toEqual({ [c]: 1 });
    const cleared = await w.emu.admin.guest(c);
    expect(cleared.allowed_envs).toEqual(["API_KEY"]); // allow-list kept, nothing behind it
    expect(cleared.env ?? {}).toEqual({});
    // Another resource (another URN), no adopt: takes the cleared CVM.
    await config({ secondCvms: [c], secondName: "third" });
    expect((await measured(() => run(["up", "--yes"]))).restarts).toEqual({ [c]: 1 });
    expect((await w.emu.admin.guest(c)).env).toEqual({ API_KEY: OTHER });
    await config({ secondCvms: undefined, secondName: undefined, secondAdopt: undefined });
    await run(["up", "--yes"]);
    expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
  }, 300_000);

  test("case 5: retainOnRemove set on an existing resource takes effect at once, without a restart", async () => {
    await config({ retain: true });
    const preview = await run(["preview"]);
    expect(preview.text).toContain("no CVM restarts; records retainOnRemove: true");
    const set = await measured(() => run(["up", "--yes"]));
    expect(set).toEqual({ restarts: {}, writes: 0 });
    const destroyed = await measured(() => run(["destroy", "--yes"]));
    expect(destroyed).toEqual({ restarts: {}, writes: 0 });
    expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
  }, 240_000);

  test("leak scan over every run", () => {
    expectNoLeak(w.transcript, [V1, V2, OOB, OTHER, w.emu.apiKey]);
  });
});

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

/** Three replicas of a new app as the stack's `cvms`, deployed with V2 when the stack has no resource yet. */
async function replicas(w: World, prefix: string): Promise<string[]> {
  const app = await w.emu.admin.createApp();
  const ids: string[] = [];
  for (let i = 0; i < 3; i++)
    ids.push((await w.emu.admin.createCvm({ name: `${prefix}-${i}-node`, app_id: app.app_id })).id);
  await w.pulumi.ok(["config", "set", "cvms", JSON.stringify(ids)]);
  return ids;
}

async function envsOf(w: World, ids: string[]): Promise<Array<string | undefined>> {
  return Promise.all(ids.map(async (id) => (await w.emu.admin.guest(id)).env?.API_KEY));
}

/**
 * Deploys `value`'s other (V1 or V2) to `ids`, then kills `pulumi up` of `value` once the first
 * replica runs it and the second is restarting with it: guests end as value, value, previous.
 */
async function killMidRollout(w: World, ids: string[], value: string): Promise<void> {
  const previous = value === V1 ? V2 : V1;
  await w.pulumi.ok(["config", "set", "--secret", "value", previous]);
  await w.pulumi.ok(["up", "--yes", "--skip-preview", ...QUIET]);
  await w.pulumi.ok(["config", "set", "--secret", "value", value]);
  const mark = (await w.emu.admin.ops()).length;
  const child = spawnUp(w);
  for (const until = Date.now() + 60_000; ; ) {
    const ops = (await w.emu.admin.ops()).slice(mark);
    if (
      ops.some((o) => o.cvm === ids[0] && o.event === "restart-end") &&
      ops.some((o) => o.cvm === ids[1] && o.event === "restart-start")
    )
      break;
    if (Date.now() > until) throw new Error("the rollout never reached replica 2");
    await new Promise((r) => setTimeout(r, 20));
  }
  killAll(descendants(child.pid as number));
  await new Promise((r) => setTimeout(r, 2_500));
  expect(await envsOf(w, ids)).toEqual([value, value, previous]);
  await clearPending(w);
}

/** `pulumi up` in its own process group. */
function spawnUp(w: World): ChildProcess {
  return spawn(`${w.pulumi.env.PATH?.split(":")[0]}/pulumi`, ["up", "--yes", "--skip-preview", ...QUIET], {
    cwd: w.program.dir,
    env: w.pulumi.env,
    detached: true,
    stdio: "ignore",
  });
}

/** What a user does after a killed run: cancel the lock, drop the pending operation. */
async function clearPending(w: World): Promise<void> {
  await w.pulumi.run(["cancel", "--yes", ...QUIET]);
  const exported = JSON.parse((await w.pulumi.ok(["stack", "export"])).stdout) as {
    deployment: { pending_operations?: unknown[] };
  };
  if ((exported.deployment.pending_operations ?? []).length > 0) {
    exported.deployment.pending_operations = [];
    await w.pulumi.ok(["stack", "import"], { input: JSON.stringify(exported) });
  }
}
