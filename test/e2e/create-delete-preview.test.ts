/**
 * Issue 13 on the real Pulumi engine against the emulator: a create and a delete say, before
 * anything happens, which CVMs get (or lose) their env and restart. The engine calls no `create`
 * during a preview and no provider method at all for a delete until it runs, so the create is
 * told by `check` (a message, in the preview and again just before the create) and the delete by
 * the `onDelete` input the engine shows for a deleted resource (`--diff`, `--json`). Three
 * replicas of one app, typed in two id forms, through: preview and up of a create, a no-op
 * preview, the destroy preview (text, --diff, --json), retainOnRemove, `up --replace`, and the
 * resource removed from the program. Every step counts writes and restarts against what was
 * said, and a leak scan covers every run.
 */
import { type Emulator, startEmulator } from "../../emulator/index";
import { expectNoLeak, QUIET } from "../support/e2e";
import { delta } from "../support/provider-harness";
import { type PulumiWorkspace, pulumiWorkspace, tsProgram } from "../support/pulumi";

const VALUE = "sk_preview_value_5555";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets } from "pulumi-cvm-secrets";

const cfg = new pulumi.Config();
if (!cfg.getBoolean("gone")) {
  const api = new CvmSecrets("api", {
    cvms: cfg.requireObject<string[]>("cvms"),
    env: { API_KEY: cfg.requireSecret("value") },
    rollout: { maxUnavailable: 2 },
    retainOnRemove: cfg.getBoolean("retain"),
  });
  exports.envKeys = api.envKeys;
}
`;

let emu: Emulator;
let pulumi: PulumiWorkspace;
let program: { dir: string; dispose(): void };
const transcript: string[] = [];
let ids: string[];
let urn: string;

/** Runs pulumi; returns stdout and stderr together, or stdout alone with `json`. */
async function run(args: string[], { json = false } = {}): Promise<string> {
  const r = await pulumi.run([...args, ...QUIET]);
  const text = `${r.stdout}\n${r.stderr}`;
  transcript.push(text);
  if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${text}`);
  return json ? r.stdout : text;
}

/** Runs `step`; returns the restarts per CVM and the number of writes it caused. */
async function measured<T>(
  step: () => Promise<T>,
): Promise<{ result: T; restarts: Record<string, number>; writes: number }> {
  const before = await emu.admin.counts();
  const result = await step();
  const after = await emu.admin.counts();
  return { result, restarts: delta(before.restarts, after.restarts), writes: after.writes - before.writes };
}

/** How often `needle` occurs in `text`. */
function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

const env = async (): Promise<Array<Record<string, string> | null>> =>
  Promise.all(ids.map(async (id) => (await emu.admin.guest(id)).env));

/** The `onDelete` of the delete step in `pulumi destroy --preview-only --json` (or preview --json). */
function onDeleteIn(json: string): unknown {
  const doc = JSON.parse(json) as {
    steps: Array<{ op: string; urn: string; oldState?: { inputs?: Record<string, unknown> } }>;
  };
  return doc.steps.find((s) => s.op === "delete" && s.urn === urn)?.oldState?.inputs?.onDelete;
}

beforeAll(async () => {
  emu = await startEmulator({ restartMs: 100, log: (line) => transcript.push(line) });
  const app = await emu.admin.createApp();
  ids = [];
  for (const name of ["prev-a-node", "prev-b-node", "prev-c-node"])
    ids.push((await emu.admin.createCvm({ name, app_id: app.app_id })).id);
  program = tsProgram("create-delete-preview", PROGRAM);
  pulumi = pulumiWorkspace(program.dir);
  await pulumi.ok(["stack", "init", "dev", ...QUIET]);
  await pulumi.ok(["config", "set", "cvm-secrets:apiUrl", emu.url]);
  await pulumi.ok(["config", "set", "--secret", "cvm-secrets:apiKey", emu.apiKey]);
  // The second replica by its name: the message names the resolved id and the form typed.
  await pulumi.ok(["config", "set", "cvms", JSON.stringify([ids[0], "prev-b-node", ids[2]])]);
  await pulumi.ok(["config", "set", "--secret", "value", VALUE]);
  urn = "urn:pulumi:dev::create-delete-preview::pulumi-nodejs:dynamic/cvm-secrets:CvmSecrets::api";
}, 120_000);

afterAll(async () => {
  pulumi?.dispose();
  program?.dispose();
  await emu?.close();
});

const CREATE = () =>
  `CvmSecrets api: will push the env to ${ids[0]}, ${ids[1]} (prev-b-node), ${ids[2]} and restart them, ` +
  "2 at a time; a CVM that carries an env pushed by anything but this resource (or the one it replaces) is refused " +
  "(adopt is not set); deleting this resource later clears their env (retainOnRemove is not set)";
const CLEARS =
  "clears its env and restarts it (2 at a time) if it still runs this resource's push, else leaves it alone";

test("the preview of a create names every CVM that gets the env and restarts, and writes nothing", async () => {
  const { result: text, writes } = await measured(() => run(["preview"]));
  expect(text).toContain(CREATE());
  expect(writes).toBe(0);
  expect(await env()).toEqual([{}, {}, {}]);
}, 240_000);

test("up says it once before the preview's summary and once before the rollout, then does exactly that", async () => {
  const { result: text, restarts } = await measured(() => run(["up", "--yes"]));
  const [preview, update] = text.split("Updating (dev):") as [string, string];
  expect(update).toBeDefined();
  // Once per run of the program (the engine prints a message live and again under Diagnostics).
  const live = (part: string) => occurrences(part.slice(0, part.indexOf("Diagnostics:")), CREATE());
  expect([live(preview), live(update)]).toEqual([1, 1]);
  // In the update, before the rollout it announces.
  expect(update.indexOf(CREATE())).toBeLessThan(update.indexOf("CvmSecrets api: wave 1/2"));
  expect(restarts).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
  expect(await env()).toEqual(Array(3).fill({ API_KEY: VALUE }));
}, 240_000);

test("a preview of the existing resource does not announce a create", async () => {
  const text = await run(["preview", "--expect-no-changes"]);
  expect(text).not.toContain("will push the env");
}, 240_000);

test("the destroy preview shows per CVM that it loses its env and restarts (--diff and --json), and calls no API", async () => {
  const { result, writes } = await measured(async () => {
    const requests = (await emu.admin.counts()).requests;
    const diff = await run(["destroy", "--preview-only", "--diff"]);
    const json = await run(["destroy", "--preview-only", "--json"], { json: true });
    return { diff, json, requests, after: (await emu.admin.counts()).requests };
  });
  expect(writes).toBe(0);
  expect(result.after).toEqual(result.requests);
  expect(result.diff).toContain("onDelete");
  expect(occurrences(result.diff, `"${CLEARS}"`)).toBe(3);
  for (const label of [ids[0]!, `${ids[1]} (prev-b-node)`, ids[2]!]) {
    expect(result.diff).toMatch(new RegExp(`${literal(label)}\\s*: "${literal(CLEARS)}"`));
  }
  expect(onDeleteIn(result.json)).toEqual({
    [ids[0]!]: CLEARS,
    [`${ids[1]} (prev-b-node)`]: CLEARS,
    [ids[2]!]: CLEARS,
  });
}, 240_000);

test("with retainOnRemove the destroy preview says every CVM keeps its env; without it again, clears", async () => {
  await pulumi.ok(["config", "set", "retain", "true"]);
  await run(["up", "--yes"]);
  const diff = await run(["destroy", "--preview-only", "--diff"]);
  expect(occurrences(diff, '"keeps its env (retainOnRemove); no restart"')).toBe(3);
  expect(diff).not.toContain("clears its env");
  await pulumi.ok(["config", "rm", "retain"]);
  await run(["up", "--yes"]);
  // The setting removed from the program is unset: the delete clears again.
  const again = await run(["destroy", "--preview-only", "--diff"]);
  expect(occurrences(again, `"${CLEARS}"`)).toBe(3);
}, 300_000);

test("up --replace announces the replacement's push and does it; the replaced resource's delete leaves the CVMs", async () => {
  const { result: text, restarts } = await measured(() => run(["up", "--yes", "--replace", urn]));
  // In the preview and again before the create.
  expect(occurrences(text, CREATE())).toBeGreaterThanOrEqual(2);
  expect(restarts).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
  for (const id of ids) expect(text).toContain(`left ${id} alone (env not cleared)`);
  expect(await env()).toEqual(Array(3).fill({ API_KEY: VALUE }));
}, 300_000);

test("removed from the program: the preview shows what its delete does, and up does exactly that", async () => {
  await pulumi.ok(["config", "set", "gone", "true"]);
  const diff = await run(["preview", "--diff"]);
  expect(diff).toContain("- 2 to delete"); // the CvmSecrets and its OwnerKey
  expect(occurrences(diff, `"${CLEARS}"`)).toBe(3);
  expect(onDeleteIn(await run(["preview", "--json"], { json: true }))).toEqual({
    [ids[0]!]: CLEARS,
    [`${ids[1]} (prev-b-node)`]: CLEARS,
    [ids[2]!]: CLEARS,
  });
  const { restarts } = await measured(() => run(["up", "--yes"]));
  expect(restarts).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
  expect(await env()).toEqual([{}, {}, {}]);
}, 300_000);

test("leak scan over every run", () => {
  expectNoLeak(transcript, [VALUE, emu.apiKey]);
});

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
