/**
 * The Pulumi process killed mid-rollout (issue 7), on the real CLI and engine (file:// backend):
 * 3 replicas, maxUnavailable 1, a 2 s restart. The update is killed (SIGKILL to the whole
 * process group: CLI, language host, provider) while replica 2 restarts, i.e. after replica 1
 * runs the new env. Then the stale lock and pending operation are cleared, and `pulumi up`
 * converges.
 *
 * What the engine allows, measured: a dynamic provider's `update` is one call whose result the
 * engine writes to state only when it returns. A killed update therefore leaves the *old* state
 * (plus a pending "updating" operation and a lock file). The provider's rollout journal
 * (provider/impl/journal.ts, under PULUMI_HOME) records each replica once it runs the new env, so
 * the next `up` skips the replicas the killed run finished and restarts only the others; no
 * guest ever holds a mixed env; the result converges. A SIGINT instead lets the engine finish
 * the step in flight: the rollout completes, state is written, and the next `up` is a no-op.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { type Emulator, startEmulator } from "../../emulator";
import { descendants, killAll } from "../support/process-tree";
import { type PulumiWorkspace, pulumiWorkspace, scratchProgram } from "../support/pulumi";

const QUIET = ["--non-interactive", "--color", "never"];
const OLD = "sk_kill_old_value_1";
const NEW = "sk_kill_new_value_2";
const RESTART_MS = 2_000;

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets } from "pulumi-cvm-secrets/internal/provider/resources/cvm-secrets";

const cfg = new pulumi.Config();
const api = new CvmSecrets("api", {
  cvms: cfg.requireObject<string[]>("cvms"),
  env: { API_KEY: cfg.requireSecret("apiKeyValue") },
  rollout: { maxUnavailable: 1 },
});
export const envKeys = api.envKeys;
`;

interface Setup {
  emu: Emulator;
  pulumi: PulumiWorkspace;
  program: { dir: string; dispose(): void };
  ids: string[];
}

async function setup(): Promise<Setup> {
  const emu = await startEmulator({ restartMs: RESTART_MS });
  const app = await emu.admin.createApp();
  const ids: string[] = [];
  for (let i = 0; i < 3; i++)
    ids.push((await emu.admin.createCvm({ name: `kill-${i}-node`, app_id: app.app_id })).id);
  const program = scratchProgram({
    "Pulumi.yaml": "name: gauntlet-kill\nruntime: nodejs\ndescription: killed mid-rollout\n",
    "package.json": JSON.stringify({ name: "gauntlet-kill", private: true, main: "index.ts" }),
    "tsconfig.json": JSON.stringify({
      compilerOptions: { strict: true, target: "ES2022", module: "commonjs", skipLibCheck: true },
    }),
    "index.ts": PROGRAM,
  });
  const pulumi = pulumiWorkspace(program.dir);
  await pulumi.ok(["stack", "init", "dev", ...QUIET]);
  await pulumi.ok(["config", "set", "cvm-secrets:apiUrl", emu.url]);
  await pulumi.ok(["config", "set", "--secret", "cvm-secrets:apiKey", emu.apiKey]);
  await pulumi.ok(["config", "set", "cvms", JSON.stringify(ids)]);
  await pulumi.ok(["config", "set", "--secret", "apiKeyValue", OLD]);
  await pulumi.ok(["up", "--yes", "--skip-preview", ...QUIET]);
  for (const id of ids) expect((await emu.admin.guest(id)).env).toEqual({ API_KEY: OLD });
  await pulumi.ok(["config", "set", "--secret", "apiKeyValue", NEW]);
  return { emu, pulumi, program, ids };
}

/** `pulumi up` in its own process group, so a signal reaches the CLI and all its plugins. */
function spawnUp(s: Setup): { child: ChildProcess; done: Promise<{ code: number | null; output: string }> } {
  const child = spawn(
    `${s.pulumi.env.PATH?.split(":")[0]}/pulumi`,
    ["up", "--yes", "--skip-preview", ...QUIET],
    {
      cwd: s.program.dir,
      env: s.pulumi.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const done = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, output })),
  );
  return { child, done };
}

/** Resolves once replica 1 finished its restart and replica 2 started its own. */
async function midRollout(s: Setup, mark: number, deadlineMs = 120_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const ops = (await s.emu.admin.ops()).slice(mark);
    const r1Done = ops.some((o) => o.cvm === s.ids[0] && o.event === "restart-end");
    const r2Started = ops.some((o) => o.cvm === s.ids[1] && o.event === "restart-start");
    if (r1Done && r2Started) return;
    if (Date.now() > until) throw new Error(`rollout never reached replica 2: ${JSON.stringify(ops)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function settle(s: Setup): Promise<void> {
  for (;;) {
    const guests = await Promise.all(s.ids.map((id) => s.emu.admin.guest(id)));
    if (guests.every((g) => !g.in_progress)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function envs(s: Setup): Promise<Array<string | undefined>> {
  const out: Array<string | undefined> = [];
  for (const id of s.ids) {
    const env = (await s.emu.admin.guest(id)).env ?? {};
    // Exactly the old or the new env, never a mix or a partial one.
    expect(Object.keys(env)).toEqual(["API_KEY"]);
    expect([OLD, NEW]).toContain(env.API_KEY);
    out.push(env.API_KEY === NEW ? "new" : "old");
  }
  return out;
}

describe("the Pulumi process killed mid-rollout", () => {
  let s: Setup | undefined;
  afterEach(async () => {
    s?.pulumi.dispose();
    s?.program.dispose();
    await s?.emu.close();
    s = undefined;
  });

  test.each([
    // Every process of the run dies at once: replica 1 done, replica 2 pushed, replica 3 untouched.
    ["the whole process tree (crash, OOM kill)", "tree", ["new", "new", "old"]],
    // Ctrl-\\ or `kill -9 -<pgid>` of the CLI: the provider, in its own process group, is
    // orphaned and finishes the rollout, but nobody writes its result to state.
    ["the CLI's process group", "group", ["new", "new", "new"]],
  ] as const)(
    "SIGKILL to %s mid-rollout: the next up clears the pending operation and converges; replicas the killed run finished are not restarted again",
    async (_name, how, afterKill) => {
      s = await setup();
      const mark = (await s.emu.admin.ops()).length;
      const { child, done } = spawnUp(s);
      await midRollout(s, mark);
      const pid = child.pid as number;
      const tree = descendants(pid);
      if (how === "tree") killAll(tree);
      else process.kill(-pid, "SIGKILL");
      const killed = await done;
      expect(killed.code).not.toBe(0);
      // Long enough for an orphaned provider to finish replicas 2 and 3.
      await new Promise((r) => setTimeout(r, 2 * RESTART_MS + 3_000));
      await settle(s);
      const orphans = killAll(tree);
      console.log(
        `[gauntlet-kill] SIGKILL to ${how}: ${tree.size} processes, ${orphans} still alive ${2 * RESTART_MS + 3_000} ms later; guests ${JSON.stringify(await envs(s))}`,
      );
      expect(await envs(s)).toEqual(afterKill);

      // What the killed run left: the old resource state, a pending operation, maybe a lock.
      const exported = JSON.parse((await s.pulumi.ok(["stack", "export"])).stdout) as {
        deployment: {
          pending_operations?: Array<{ type: string }>;
          resources?: Array<Record<string, unknown>>;
        };
      };
      const pending = exported.deployment.pending_operations ?? [];
      console.log(
        `[gauntlet-kill] after SIGKILL: pending operations ${JSON.stringify(pending.map((p) => p.type))}`,
      );
      const api = (exported.deployment.resources ?? []).find((r) => String(r.urn).endsWith("::api")) as {
        outputs: { applied: Record<string, string>; fingerprints: unknown };
      };
      const applied = Object.values(api.outputs.applied);
      expect(new Set(applied).size).toBe(1); // still one digest for all three: the old state
      // A stale lock is cleared with `pulumi cancel`; the pending operation by export/import.
      const cancel = await s.pulumi.run(["cancel", "--yes", ...QUIET]);
      console.log(
        `[gauntlet-kill] pulumi cancel: exit ${cancel.code} ${cancel.stdout.trim()} ${cancel.stderr.trim()}`,
      );
      if (pending.length > 0) {
        exported.deployment.pending_operations = [];
        await s.pulumi.ok(["stack", "import"], { input: JSON.stringify(exported) });
      }

      const before = (await s.emu.admin.counts()).restarts;
      const again = await s.pulumi.run(["up", "--yes", "--skip-preview", ...QUIET]);
      if (again.code !== 0) throw new Error(`converging up failed:\n${again.stdout}\n${again.stderr}`);
      const after = (await s.emu.admin.counts()).restarts;
      const restarted = s.ids.map((id) => (after[id] ?? 0) - (before[id] ?? 0));
      console.log(`[gauntlet-kill] converging up restarted ${JSON.stringify(restarted)} (replicas 1-3)`);
      expect(await envs(s)).toEqual(["new", "new", "new"]);
      // The killed update's result never reached state; the journal knows replica 1 was done
      // before the kill, so it is not restarted again. The others restart at most once.
      expect(restarted[0]).toBe(0);
      for (const n of restarted) expect(n).toBeLessThanOrEqual(1);
      expect(restarted.reduce((x, y) => x + y, 0)).toBeLessThan(3);
      const writes = (await s.emu.admin.counts()).writes;
      await s.pulumi.ok(["up", "--yes", "--skip-preview", "--expect-no-changes", ...QUIET]);
      expect((await s.emu.admin.counts()).writes).toBe(writes);
      for (const text of [killed.output, again.stdout, again.stderr]) {
        expect(text).not.toContain(OLD);
        expect(text).not.toContain(NEW);
      }
    },
    300_000,
  );

  test("SIGINT: the engine lets the step in flight finish; the rollout completes and the next up is a no-op", async () => {
    s = await setup();
    const mark = (await s.emu.admin.ops()).length;
    const { child, done } = spawnUp(s);
    await midRollout(s, mark);
    process.kill(-(child.pid as number), "SIGINT");
    const stopped = await done;
    await settle(s);
    const state = await envs(s);
    console.log(`[gauntlet-kill] after SIGINT: exit ${stopped.code}, guests ${JSON.stringify(state)}`);
    const before = (await s.emu.admin.counts()).restarts;
    await s.pulumi.run(["cancel", "--yes", ...QUIET]);
    const again = await s.pulumi.run(["up", "--yes", "--skip-preview", ...QUIET]);
    if (again.code !== 0) throw new Error(`up after SIGINT failed:\n${again.stdout}\n${again.stderr}`);
    const after = (await s.emu.admin.counts()).restarts;
    const restarted = s.ids.map((id) => (after[id] ?? 0) - (before[id] ?? 0));
    console.log(`[gauntlet-kill] up after SIGINT restarted ${JSON.stringify(restarted)}`);
    expect(await envs(s)).toEqual(["new", "new", "new"]);
    // Replicas already running the new env are restarted again only if the engine lost the result.
    if (state.every((x) => x === "new")) expect(restarted).toEqual([0, 0, 0]);
    else {
      expect(restarted[0]).toBe(0);
      for (const n of restarted) expect(n).toBeLessThanOrEqual(1);
    }
  }, 300_000);
});
