/**
 * The Pulumi process killed mid-rollout, for the fault matrix in RESULTS.md (the same scenario
 * as test/e2e/gauntlet-kill.dynamic.test.ts): 3 replicas, maxUnavailable 1, a 2 s restart; the real CLI
 * is interrupted while replica 2 restarts; then `pulumi cancel`, the pending operation cleared
 * by `stack export`/`import`, and `pulumi up` again.
 */
import { spawn } from "node:child_process";
import { type Emulator, startEmulator } from "pulumi-cvm-secrets/emulator";
import { descendants, killAll } from "../test/support/process-tree.ts";
import { PULUMI_BIN, QUIET, type Workspace, workspace } from "./engine.ts";
import type { CaseResult } from "./faults.ts";

const OLD = "sk_kill_old_value_1";
const NEW = "sk_kill_new_value_2";
const RESTART_MS = 2_000;

const PROGRAM = `"use strict";
const pulumi = require("@pulumi/pulumi");
const { CvmSecrets } = require("pulumi-cvm-secrets");
const cfg = new pulumi.Config();
new CvmSecrets("api", {
  cvms: JSON.parse(process.env.BENCH_CVMS),
  env: { API_KEY: cfg.requireSecret("apiKeyValue") },
  rollout: { maxUnavailable: 1 },
});
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function guests(emu: Emulator, ids: string[]): Promise<{ labels: string[]; mixed: boolean }> {
  const labels: string[] = [];
  let mixed = false;
  for (const id of ids) {
    const env = (await emu.admin.guest(id)).env ?? {};
    const keys = Object.keys(env);
    if (keys.length !== 1 || (env.API_KEY !== OLD && env.API_KEY !== NEW)) mixed = true;
    labels.push(env.API_KEY === NEW ? "new" : "old");
  }
  return { labels, mixed };
}

async function settle(emu: Emulator, ids: string[]): Promise<void> {
  for (;;) {
    const all = await Promise.all(ids.map((id) => emu.admin.guest(id)));
    if (all.every((g) => !g.in_progress)) return;
    await sleep(50);
  }
}

type How = "tree" | "group" | "sigint";

async function scenario(how: How): Promise<CaseResult> {
  const started = Date.now();
  const emu = await startEmulator({ restartMs: RESTART_MS });
  const app = await emu.admin.createApp();
  const ids: string[] = [];
  for (let i = 0; i < 3; i++)
    ids.push((await emu.admin.createCvm({ name: `kill-${i}-node`, app_id: app.app_id })).id);
  const ws: Workspace = workspace({ BENCH_CVMS: JSON.stringify(ids) }, PROGRAM);
  try {
    await ws.ok(["stack", "init", "dev", ...QUIET]);
    await ws.ok(["config", "set", "cvm-secrets:apiUrl", emu.url]);
    await ws.ok(["config", "set", "--secret", "cvm-secrets:apiKey", emu.apiKey]);
    await ws.ok(["config", "set", "--secret", "apiKeyValue", OLD]);
    await ws.ok(["up", "--yes", "--skip-preview", ...QUIET]);
    await ws.ok(["config", "set", "--secret", "apiKeyValue", NEW]);

    const mark = (await emu.admin.ops()).length;
    const child = spawn(PULUMI_BIN, ["up", "--yes", "--skip-preview", ...QUIET], {
      cwd: ws.dir,
      env: ws.env,
      detached: true,
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    for (;;) {
      const ops = (await emu.admin.ops()).slice(mark);
      if (
        ops.some((o) => o.cvm === ids[0] && o.event === "restart-end") &&
        ops.some((o) => o.cvm === ids[1] && o.event === "restart-start")
      )
        break;
      await sleep(25);
    }
    const pid = child.pid as number;
    const tree = descendants(pid);
    // Replicas restarting at the kill: with the provider killed too, nobody sees them come up.
    const atKill = (await emu.admin.ops()).slice(mark);
    const inFlight = ids.filter(
      (id) =>
        atKill.some((o) => o.cvm === id && o.event === "restart-start") &&
        !atKill.some((o) => o.cvm === id && o.event === "restart-end"),
    );
    if (how === "tree") killAll(tree);
    else process.kill(-pid, how === "group" ? "SIGKILL" : "SIGINT");
    await exited;
    await sleep(2 * RESTART_MS + 3_000);
    await settle(emu, ids);
    killAll(tree); // an orphaned provider (group kill) is still alive
    const after = await guests(emu, ids);

    await ws.run(["cancel", "--yes", ...QUIET]);
    const exported = JSON.parse((await ws.ok(["stack", "export"])).stdout) as {
      deployment: { pending_operations?: unknown[] };
    };
    if ((exported.deployment.pending_operations ?? []).length > 0) {
      exported.deployment.pending_operations = [];
      const importer = spawn(PULUMI_BIN, ["stack", "import", ...QUIET], {
        cwd: ws.dir,
        env: ws.env,
        stdio: ["pipe", "ignore", "ignore"],
      });
      importer.stdin?.end(JSON.stringify(exported));
      await new Promise((r) => importer.on("close", r));
    }
    const before = (await emu.admin.counts()).restarts;
    const again = await ws.run(["up", "--yes", "--skip-preview", ...QUIET]);
    const counts = (await emu.admin.counts()).restarts;
    const restarted = ids.filter((id) => (counts[id] ?? 0) > (before[id] ?? 0));
    const final = await guests(emu, ids);
    // Not done = not on the new env, or (provider killed) pushed but never seen ready by it.
    const expected = ids.filter(
      (id, i) => after.labels[i] !== "new" || (how === "tree" && inFlight.includes(id)),
    );
    const label = (x: string): string => `r${ids.indexOf(x) + 1}`;
    const writes = (await emu.admin.counts()).writes;
    const noop = await ws.run(["up", "--yes", "--skip-preview", "--expect-no-changes", ...QUIET]);
    const converged =
      again.code === 0 &&
      final.labels.every((l) => l === "new") &&
      restarted.join() === expected.join() &&
      noop.code === 0 &&
      (await emu.admin.counts()).writes === writes;
    const what = {
      tree: "SIGKILL to the whole process tree",
      group: "SIGKILL to the CLI's process group",
      sigint: "SIGINT to the CLI",
    }[how];
    return {
      name: `${what} while replica 2 restarts`,
      site: "the Pulumi process (real CLI, file:// backend)",
      expect: "fails",
      outcome: "failed",
      survived: !after.mixed && !final.mixed && again.code === 0,
      detail: `${how === "sigint" ? "interrupted" : "killed"}; guests afterwards ${after.labels.join("/")}; next up exit ${again.code}`,
      mixed: after.mixed || final.mixed,
      restarted: restarted.map(label),
      expected: expected.map(label),
      converged,
      ms: Date.now() - started,
    };
  } finally {
    ws.dispose();
    await emu.close();
  }
}

export async function runKill(log: (line: string) => void): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  for (const how of ["tree", "group", "sigint"] as const) {
    const r = await scenario(how);
    log(
      `[bench] kill ${how}: ${r.detail}; next up restarted ${r.restarted.join(",") || "none"} (${r.ms} ms)`,
    );
    out.push(r);
  }
  return out;
}
