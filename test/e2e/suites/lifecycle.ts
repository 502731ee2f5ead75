/**
 * Shared by the lifecycle files (issue 11 on the real Pulumi engine against the emulator: no
 * operation wipes, mixes or silently loses a CVM's env): the program, a stack of it on its own
 * emulator, and a `pulumi up` killed mid-rollout. The cases are split across files so that no
 * file pins a CI worker for long: lifecycle.test.ts (one stack walking the ordinary operations),
 * lifecycle-killed.test.ts (killed mid-rollout, then revert, or refresh + up) and
 * lifecycle-two-stacks.test.ts (case 8 as two stacks of one project). Each file starts its own
 * emulator and stack.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { type Emulator, startEmulator } from "../../../emulator/index";
import { QUIET } from "../../support/e2e";
import { descendants, killAll } from "../../support/process-tree";
import { type PulumiWorkspace, pulumiWorkspace, tsProgram } from "../../support/pulumi";

export { QUIET };
export const V1 = "sk_life_value_one_1111";
export const V2 = "sk_life_value_two_2222";
export const OOB = "sk_life_out_of_band_3333";
export const OTHER = "sk_life_other_owner_4444";

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

/** An emulator, the program and its `dev` stack configured for it, and everything the runs printed. */
export interface World {
  emu: Emulator;
  pulumi: PulumiWorkspace;
  program: { dir: string; dispose(): void };
  transcript: string[];
}

/** A new emulator whose CVMs restart in `restartMs`, and a `dev` stack of the program pointed at it. */
export async function world(restartMs: number): Promise<World> {
  const transcript: string[] = [];
  const emu = await startEmulator({ restartMs, log: (line) => transcript.push(line) });
  const program = tsProgram("lifecycle", PROGRAM);
  const pulumi = pulumiWorkspace(program.dir);
  await pulumi.ok(["stack", "init", "dev", ...QUIET]);
  await pulumi.ok(["config", "set", "cvm-secrets:apiUrl", emu.url]);
  await pulumi.ok(["config", "set", "--secret", "cvm-secrets:apiKey", emu.apiKey]);
  return { emu, pulumi, program, transcript };
}

/** Removes the stack's workspace and program, and closes the emulator. */
export async function dispose(w: World | undefined): Promise<void> {
  w?.pulumi.dispose();
  w?.program.dispose();
  await w?.emu.close();
}

/** Three replicas of a new app as the stack's `cvms`, deployed with V2 when the stack has no resource yet. */
export async function replicas(w: World, prefix: string): Promise<string[]> {
  const app = await w.emu.admin.createApp();
  const ids: string[] = [];
  for (let i = 0; i < 3; i++)
    ids.push((await w.emu.admin.createCvm({ name: `${prefix}-${i}-node`, app_id: app.app_id })).id);
  await w.pulumi.ok(["config", "set", "cvms", JSON.stringify(ids)]);
  return ids;
}

/** The `API_KEY` each of `ids` runs, as the guest sees it. */
export async function envsOf(w: World, ids: string[]): Promise<Array<string | undefined>> {
  return Promise.all(ids.map(async (id) => (await w.emu.admin.guest(id)).env?.API_KEY));
}

/**
 * Deploys `value`'s other (V1 or V2) to `ids`, then kills `pulumi up` of `value` once the first
 * replica runs it and the second is restarting with it: guests end as value, value, previous.
 */
export async function killMidRollout(w: World, ids: string[], value: string): Promise<void> {
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
