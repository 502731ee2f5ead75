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
 * (provider/cvm-secrets/records/journal.ts, under PULUMI_HOME) records each replica once it runs the new env, so
 * the next `up` skips the replicas the killed run finished and restarts only the others; no
 * guest ever holds a mixed env; the result converges. A SIGINT instead lets the engine finish
 * the step in flight: the rollout completes, state is written, and the next `up` is a no-op.
 *
 * Through the provider plugin the same holds: the plugin is one more long-lived process the
 * engine starts (in a process group of its own, so a signal to the CLI's group misses it, as it
 * misses the dynamic-provider host), its `update` is one call as well, and it keeps the same
 * journal under the PULUMI_HOME the engine passes it. The tree kill must reach it; each CVM's
 * guest is checked after every step.
 *
 * Run for the dynamic classes (gauntlet-kill.dynamic.test.ts) and through the provider plugin
 * (gauntlet-kill.plugin.test.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { type Emulator, startEmulator } from "../../../emulator/index";
import { PROVIDER_TRACE, PROVIDER_TRACE_ENV, runCaptured } from "../../support/cli-logs";
import { expectNoLeak, flavourEnv, forFlavour, QUIET, type TypeScriptFlavour } from "../../support/e2e";
import { commandLines, descendants, killAll } from "../../support/process-tree";
import { type PulumiWorkspace, pulumiWorkspace, REPO_ROOT, scratchProgram } from "../../support/pulumi";

const OLD = "sk_kill_old_value_1";
const NEW = "sk_kill_new_value_2";
const RESTART_MS = 2_000;

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets } from "pulumi-cvm-secrets";

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

/** The executable of the provider process the engine starts for the flavour. */
const PROVIDER_PROCESS: Record<TypeScriptFlavour, RegExp> = {
  dynamic: /@pulumi\/pulumi\/cmd\/dynamic-provider|pulumi-resource-pulumi-nodejs/,
  plugin: /pulumi-resource-cvm-secrets/,
};

async function setup(flavour: TypeScriptFlavour): Promise<Setup> {
  const emu = await startEmulator({ restartMs: RESTART_MS });
  const app = await emu.admin.createApp();
  const ids: string[] = [];
  for (let i = 0; i < 3; i++)
    ids.push((await emu.admin.createCvm({ name: `kill-${i}-node`, app_id: app.app_id })).id);
  const program = scratchProgram({
    "Pulumi.yaml": "name: gauntlet-kill\nruntime: nodejs\ndescription: killed mid-rollout\n",
    "package.json": JSON.stringify({ name: "gauntlet-kill", private: true, main: "index.ts" }),
    "tsconfig.json": JSON.stringify({
      compilerOptions: {
        strict: true,
        target: "ES2022",
        module: "commonjs",
        moduleResolution: "node",
        skipLibCheck: true,
      },
    }),
    "index.ts": forFlavour(PROGRAM, flavour),
  });
  const pulumi = pulumiWorkspace(program.dir, flavourEnv(flavour));
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
    path.join(REPO_ROOT, ".toolchain", "bin", "pulumi"),
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

/**
 * Resolves once the API has seen no request for longer than a restart takes (a readiness stream
 * spans one): a provider orphaned by the kill has then finished, its journal written.
 */
async function quiet(s: Setup, deadlineMs = 60_000): Promise<void> {
  const quietMs = RESTART_MS + 2_000;
  let last = JSON.stringify((await s.emu.admin.counts()).requests);
  let since = Date.now();
  for (const until = Date.now() + deadlineMs; Date.now() < until; ) {
    await new Promise((r) => setTimeout(r, 200));
    const now = JSON.stringify((await s.emu.admin.counts()).requests);
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
  throw new Error("the API never went quiet after the kill");
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

/** Scans a converging `up` in every place it writes, the provider's own stderr among them. */
async function convergingUp(s: Setup): Promise<string[]> {
  const { code, captured } = await runCaptured(
    s.pulumi,
    "converging up --debug",
    ["up", "--yes", "--skip-preview", "--debug", ...QUIET],
    { env: PROVIDER_TRACE_ENV },
  );
  const texts = captured.map((c) => c.text);
  if (code !== 0) throw new Error(`converging up failed:\n${texts.slice(0, 2).join("\n")}`);
  // The provider process's stderr was there to scan: its trace of the calls it served.
  expect(texts.join("\n")).toMatch(PROVIDER_TRACE);
  return texts;
}

/** Restarts per replica (in `ids` order) since `before`. */
function restartsSince(s: Setup, before: Record<string, number>, after: Record<string, number>): number[] {
  return s.ids.map((id) => (after[id] ?? 0) - (before[id] ?? 0));
}

export function gauntletKillSuite(flavour: TypeScriptFlavour): void {
  let s: Setup | undefined;
  afterEach(async () => {
    s?.pulumi.dispose();
    s?.program.dispose();
    await s?.emu.close();
    s = undefined;
  });

  test.each([
    // Every process of the run dies at once: replica 1 done, replica 2 pushed, replica 3
    // untouched. The journal has replica 1 done and replica 2's push in flight (it may run either
    // env): the next up restarts replicas 2 and 3.
    ["the whole process tree (crash, OOM kill)", "tree", ["new", "new", "old"], [0, 1, 1]],
    // Ctrl-\\ or `kill -9 -<pgid>` of the CLI: the provider, in its own process group, is
    // orphaned and finishes the rollout, but nobody writes its result to state. Its journal
    // has every replica done: the next up restarts none.
    ["the CLI's process group", "group", ["new", "new", "new"], [0, 0, 0]],
  ] as const)(
    "SIGKILL to %s mid-rollout: the next up clears the pending operation and converges; replicas the killed run finished are not restarted again",
    async (_name, how, afterKill, restartsAfter) => {
      s = await setup(flavour);
      const mark = (await s.emu.admin.ops()).length;
      const { child, done } = spawnUp(s);
      await midRollout(s, mark);
      const pid = child.pid as number;
      const tree = descendants(pid);
      // The provider process the engine started is in the tree (a plugin is a child of the CLI).
      const providers = [...commandLines(tree)].filter(([, cmd]) => PROVIDER_PROCESS[flavour].test(cmd));
      expect(providers.length).toBeGreaterThan(0);
      if (how === "tree") killAll(tree);
      else process.kill(-pid, "SIGKILL");
      const killed = await done;
      expect(killed.code).not.toBe(0);
      const survivors = () =>
        [...commandLines(providers.map(([p]) => p))].filter(([, cmd]) => PROVIDER_PROCESS[flavour].test(cmd));
      // The tree kill reaches the provider; the group kill misses it (a process group of its own).
      if (how === "tree") {
        for (const until = Date.now() + 5_000; survivors().length > 0 && Date.now() < until; )
          await new Promise((r) => setTimeout(r, 50));
        expect(survivors()).toEqual([]);
      } else expect(survivors().length).toBeGreaterThan(0);
      // Long enough for an orphaned provider to finish replicas 2 and 3.
      await new Promise((r) => setTimeout(r, 2 * RESTART_MS + 3_000));
      await settle(s);
      await quiet(s);
      const orphans = killAll(tree);
      console.log(
        `[gauntlet-kill ${flavour}] SIGKILL to ${how}: ${tree.size} processes, ${orphans} still alive ${2 * RESTART_MS + 3_000} ms later; guests ${JSON.stringify(await envs(s))}`,
      );
      expect(await envs(s)).toEqual(afterKill);

      // What the killed run left: the old resource state, a pending operation, maybe a lock.
      const exportedText = (await s.pulumi.ok(["stack", "export"])).stdout;
      const exported = JSON.parse(exportedText) as {
        deployment: {
          pending_operations?: Array<{ type: string }>;
          resources?: Array<Record<string, unknown>>;
        };
      };
      const pending = exported.deployment.pending_operations ?? [];
      console.log(
        `[gauntlet-kill ${flavour}] after SIGKILL: pending operations ${JSON.stringify(pending.map((p) => p.type))}`,
      );
      const api = (exported.deployment.resources ?? []).find((r) => String(r.urn).endsWith("::api")) as {
        outputs: { applied: Record<string, string>; fingerprints: unknown };
      };
      const applied = Object.values(api.outputs.applied);
      expect(new Set(applied).size).toBe(1); // still one digest for all three: the old state
      // A stale lock is cleared with `pulumi cancel`; the pending operation by export/import.
      const cancel = await s.pulumi.run(["cancel", "--yes", ...QUIET]);
      console.log(
        `[gauntlet-kill ${flavour}] pulumi cancel: exit ${cancel.code} ${cancel.stdout.trim()} ${cancel.stderr.trim()}`,
      );
      if (pending.length > 0) {
        exported.deployment.pending_operations = [];
        await s.pulumi.ok(["stack", "import"], { input: JSON.stringify(exported) });
      }

      const before = (await s.emu.admin.counts()).restarts;
      const again = await convergingUp(s);
      const restarted = restartsSince(s, before, (await s.emu.admin.counts()).restarts);
      console.log(
        `[gauntlet-kill ${flavour}] converging up restarted ${JSON.stringify(restarted)} (replicas 1-3)`,
      );
      expect(await envs(s)).toEqual(["new", "new", "new"]);
      // The killed update's result never reached state; the journal knows which replicas were
      // done before the kill (and, for an orphaned provider, after it): only the others restart.
      expect(restarted).toEqual(restartsAfter);
      const writes = (await s.emu.admin.counts()).writes;
      await s.pulumi.ok(["up", "--yes", "--skip-preview", "--expect-no-changes", ...QUIET]);
      expect((await s.emu.admin.counts()).writes).toBe(writes);
      expectNoLeak([killed.output, exportedText, ...again], [OLD, NEW]);
    },
    300_000,
  );

  test("SIGINT: the engine lets the step in flight finish; the rollout completes and the next up is a no-op", async () => {
    s = await setup(flavour);
    const mark = (await s.emu.admin.ops()).length;
    const { child, done } = spawnUp(s);
    await midRollout(s, mark);
    process.kill(-(child.pid as number), "SIGINT");
    const stopped = await done;
    await settle(s);
    const state = await envs(s);
    console.log(
      `[gauntlet-kill ${flavour}] after SIGINT: exit ${stopped.code}, guests ${JSON.stringify(state)}`,
    );
    // The step in flight was the whole rollout: every replica runs the new env.
    expect(state).toEqual(["new", "new", "new"]);
    const before = await s.emu.admin.counts();
    await s.pulumi.run(["cancel", "--yes", ...QUIET]);
    const again = await convergingUp(s);
    const after = await s.emu.admin.counts();
    const restarted = restartsSince(s, before.restarts, after.restarts);
    console.log(`[gauntlet-kill ${flavour}] up after SIGINT restarted ${JSON.stringify(restarted)}`);
    expect(await envs(s)).toEqual(["new", "new", "new"]);
    // The engine wrote the rollout's result: the next up restarts nothing and writes nothing.
    expect(restarted).toEqual([0, 0, 0]);
    expect(after.writes).toBe(before.writes);
    expectNoLeak([stopped.output, ...again], [OLD, NEW]);
  }, 300_000);
}
