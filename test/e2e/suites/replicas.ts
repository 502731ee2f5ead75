/**
 * Replicas on the real Pulumi engine against the emulator: rolling rotation (never two CVMs
 * down with maxUnavailable 1, progress in order), a no-op second up, adding and removing a
 * replica (only that CVM restarts), adding and removing a key, faults during `up` (retried, or a
 * clear failure after which the next `up` finishes only what is left), a deleted CVM, destroy,
 * and a leak scan. Run for the dynamic classes (replicas.dynamic.test.ts), through the provider plugin
 * (replicas.plugin.test.ts) and as Pulumi YAML (replicas.yaml.test.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  type E2eStack,
  e2eStack,
  expectNoLeak,
  exportState,
  type Flavour,
  QUIET,
  setSecrets,
} from "../../support/e2e";
import { delta, maxConcurrentRestarts } from "../../support/provider-harness";
import { expectMessagesOn, said, saidPattern } from "./messages";

const TOKENS = [
  "tok_e2e_replicas_first_AAAA",
  "tok_e2e_replicas_second_BBBB",
  "tok_e2e_replicas_third_CCCC",
  "tok_e2e_replicas_fourth_DDDD",
];
const COMPOSE =
  "services:\n  api:\n    image: ghcr.io/acme/api:2\n    environment:\n      - API_TOKEN=${API_TOKEN}\n      - LOG_LEVEL=${LOG_LEVEL}\n";

export function replicasSuite(flavour: Flavour): void {
  let s: E2eStack;
  let ids: string[];

  async function setCvms(list: string[]): Promise<void> {
    await s.cli(["config", "rm", "cvmIds"]).catch(() => undefined);
    for (const [i, id] of list.entries()) await s.cli(["config", "set", "--path", `cvmIds[${i}]`, id]);
  }

  async function restarts(): Promise<Record<string, number>> {
    return (await s.emu.admin.counts()).restarts;
  }

  async function envs(list: string[]): Promise<Array<Record<string, string> | null>> {
    return Promise.all(list.map(async (id) => (await s.emu.admin.guest(id)).env));
  }

  /**
   * Adds `FEATURE_X=on` to the env, or takes it away. The TypeScript example reads extra keys
   * from stack config (`extraEnv`); Pulumi YAML has no way to merge maps, so there the key is
   * written into the program's `env`, as a user of the YAML example would add one.
   */
  async function featureX(on: boolean): Promise<void> {
    if (flavour !== "yaml") {
      await s.cli(
        on ? ["config", "set", "--path", "extraEnv.FEATURE_X", "on"] : ["config", "rm", "extraEnv"],
      );
      return;
    }
    const file = path.join(s.dir, "Pulumi.yaml");
    const text = readFileSync(file, "utf8");
    const without = "        LOG_LEVEL: ${logLevel}\n";
    const withKey = `${without}        FEATURE_X: "on"\n`;
    expect(text).toContain(on ? without : withKey);
    writeFileSync(file, on ? text.replace(without, withKey) : text.replace(withKey, without));
  }

  beforeAll(async () => {
    s = await e2eStack("replicas", "dev", 200, flavour);
    const first = await s.emu.admin.createCvm({ name: "replica-a", docker_compose_file: COMPOSE });
    ids = [first.id];
    for (const name of ["replica-b", "replica-c", "replica-d"]) {
      ids.push(
        (await s.emu.admin.createCvm({ name, app_id: first.app_id, docker_compose_file: COMPOSE })).id,
      );
    }
    await setCvms(ids.slice(0, 3));
    await setSecrets(s, { apiToken: TOKENS[0] as string });
  }, 120_000);

  afterAll(async () => {
    await s?.dispose();
  });

  test("first up: every replica sees the env", async () => {
    await s.cli(["up", "--yes", ...QUIET]);
    expect(await envs(ids.slice(0, 3))).toEqual(Array(3).fill({ API_TOKEN: TOKENS[0], LOG_LEVEL: "info" }));
  }, 240_000);

  test("second up and preview --expect-no-changes: nothing happens, zero writes, zero restarts", async () => {
    const writes = (await s.emu.admin.counts()).writes;
    const before = await restarts();
    await s.cli(["preview", "--expect-no-changes", ...QUIET]);
    expect((await s.cli(["up", "--yes", ...QUIET])).stdout).toMatch(/3 unchanged/); // the stack, the OwnerKey, the CvmSecrets
    expect((await s.emu.admin.counts()).writes).toBe(writes);
    expect(delta(before, await restarts())).toEqual({});
  }, 240_000);

  test("rotation restarts each replica once, never two at a time, with progress in order", async () => {
    await setSecrets(s, { apiToken: TOKENS[1] as string });
    const before = await restarts();
    const opsBefore = (await s.emu.admin.ops()).length;
    const preview = await s.cli(["preview", ...QUIET]);
    const plan = said(flavour, "3 CVMs restart, 1 at a time: keys changed: API_TOKEN");
    expect(preview.stdout).toContain(plan);
    expectMessagesOn(preview.stdout, flavour, [plan]);
    const up = await s.cli(["up", "--yes", ...QUIET]);
    // Progress as it happens, in order: each wave, each push, each CVM running again and how long.
    const at = (line: RegExp): number => {
      const i = up.stdout.search(line);
      expect({ line: String(line), found: i >= 0 }).toEqual({ line: String(line), found: true });
      return i;
    };
    const progress = ids
      .slice(0, 3)
      .flatMap((id, w) => [
        `wave ${w + 1}/3: ${id} \\(restarting\\)`,
        `${id}: env pushed; waiting until it is running again`,
        `${id}: running again after \\d+\\.\\d s`,
      ]);
    const order = progress.map((source) => at(new RegExp(said(flavour, source))));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // And where the CLI files them: under the resource (plugin) or the stack (dynamic).
    expectMessagesOn(
      up.stdout,
      flavour,
      progress.map((source) => saidPattern(flavour, source)),
    );
    expect(delta(before, await restarts())).toEqual(Object.fromEntries(ids.slice(0, 3).map((id) => [id, 1])));
    expect(maxConcurrentRestarts((await s.emu.admin.ops()).slice(opsBefore))).toBe(1);
    expect(await envs(ids.slice(0, 3))).toEqual(Array(3).fill({ API_TOKEN: TOKENS[1], LOG_LEVEL: "info" }));
  }, 240_000);

  test("adding a replica restarts only it; removing one restarts (clears) only it", async () => {
    await setCvms(ids);
    let before = await restarts();
    await s.cli(["up", "--yes", ...QUIET]);
    expect(delta(before, await restarts())).toEqual({ [ids[3] as string]: 1 });
    expect((await s.emu.admin.guest(ids[3] as string)).env).toEqual({
      API_TOKEN: TOKENS[1],
      LOG_LEVEL: "info",
    });

    await setCvms([ids[0], ids[2], ids[3]] as string[]);
    before = await restarts();
    await s.cli(["up", "--yes", ...QUIET]);
    expect(delta(before, await restarts())).toEqual({ [ids[1] as string]: 1 });
    expect((await s.emu.admin.guest(ids[1] as string)).env).toEqual({});
    await setCvms(ids.slice(0, 3));
    await s.cli(["up", "--yes", ...QUIET]);
  }, 300_000);

  test("adding and removing a key: allowed_envs follows, the guest sees exactly the new set", async () => {
    const three = ids.slice(0, 3);
    await featureX(true);
    const preview = await s.cli(["preview", ...QUIET]);
    expect(preview.stdout).toContain("keys added: FEATURE_X");
    const up = await s.cli(["up", "--yes", ...QUIET]);
    // The compose does not reference FEATURE_X: a warning, with the engine's warning severity.
    const warning = "cvm_\\w+: .*FEATURE_X";
    expect(up.stdout).toMatch(new RegExp(`warning: ${said(flavour, warning)}`));
    expectMessagesOn(up.stdout, flavour, [saidPattern(flavour, warning, { warning: true })]);
    for (const id of three) {
      const guest = await s.emu.admin.guest(id);
      expect(guest.allowed_envs.sort()).toEqual(["API_TOKEN", "FEATURE_X", "LOG_LEVEL"]);
      expect(guest.env).toEqual({ API_TOKEN: TOKENS[1], LOG_LEVEL: "info", FEATURE_X: "on" });
    }
    await featureX(false);
    await s.cli(["up", "--yes", ...QUIET]);
    for (const id of three) {
      const guest = await s.emu.admin.guest(id);
      expect(guest.allowed_envs.sort()).toEqual(["API_TOKEN", "LOG_LEVEL"]);
      expect(guest.env).toEqual({ API_TOKEN: TOKENS[1], LOG_LEVEL: "info" });
    }
  }, 300_000);

  test("transient faults during up (429, 503, a dropped connection) are retried to success", async () => {
    await setSecrets(s, { apiToken: TOKENS[2] as string });
    await s.emu.admin.addFault({ route: "PATCH /cvms/{id}/envs", status: 429, retryAfter: 1, times: 1 });
    await s.emu.admin.addFault({ route: "PATCH /cvms/{id}/envs", status: 503, times: 1 });
    await s.emu.admin.addFault({ route: "GET /cvms/{id}", drop: true, times: 1 });
    await s.cli(["up", "--yes", ...QUIET]);
    expect(await envs(ids.slice(0, 3))).toEqual(Array(3).fill({ API_TOKEN: TOKENS[2], LOG_LEVEL: "info" }));
  }, 240_000);

  test("a boot error on the second replica fails clearly; the next up finishes only what is left", async () => {
    await setSecrets(s, { apiToken: TOKENS[3] as string });
    const [a, b, c] = ids as [string, string, string];
    await s.emu.admin.addFault({ cvm: b, bootError: "simulated: image pull failed", times: 1 });
    const failed = await s.cli(["up", "--yes", ...QUIET], { allowFail: true });
    expect(failed.code).not.toBe(0);
    const text = `${failed.stdout}${failed.stderr}`;
    expect(text).toContain(`Done (running with the new env): ${a}`);
    expect(text).toContain(`Not done: ${b}, ${c}`);
    expect(text).toContain("simulated: image pull failed");
    // Nothing half-applied: a has the new env, b is stopped, c still has the old one.
    expect((await s.emu.admin.guest(a)).env).toEqual({ API_TOKEN: TOKENS[3], LOG_LEVEL: "info" });
    expect((await s.emu.admin.guest(c)).env).toEqual({ API_TOKEN: TOKENS[2], LOG_LEVEL: "info" });

    const before = await restarts();
    const preview = await s.cli(["preview", ...QUIET]);
    expect(preview.stdout).toContain("the last rollout did not finish here");
    await s.cli(["up", "--yes", ...QUIET]);
    expect(delta(before, await restarts())).toEqual({ [b]: 1, [c]: 1 });
    expect(await envs([a, b, c])).toEqual(Array(3).fill({ API_TOKEN: TOKENS[3], LOG_LEVEL: "info" }));
    await s.cli(["preview", "--expect-no-changes", ...QUIET]);
  }, 300_000);

  test("refresh after a CVM was deleted: preview says so; dropping it from cvms needs no write", async () => {
    const gone = ids[2] as string;
    const res = await fetch(`${s.emu.url}/cvms/${gone}`, {
      method: "DELETE",
      headers: { "x-api-key": s.emu.apiKey },
    });
    expect(res.status).toBe(204);
    await s.cli(["refresh", "--yes", ...QUIET]);
    const preview = await s.cli(["preview", ...QUIET]);
    expect(preview.stdout).toContain(
      `${gone} was not found at the last refresh: cannot be updated until removed from cvms`,
    );
    expect(preview.stdout).toContain("no CVM restarts");
    await setCvms(ids.slice(0, 2));
    const before = (await s.emu.admin.counts()).writes;
    await s.cli(["up", "--yes", ...QUIET]);
    expect((await s.emu.admin.counts()).writes).toBe(before);
    await s.cli(["preview", "--expect-no-changes", ...QUIET]);
  }, 300_000);

  test("destroy clears the env on every CVM it still holds; the removed replica stays clear", async () => {
    await s.cli(["destroy", "--yes", ...QUIET]);
    expect(await envs([ids[0], ids[1], ids[3]] as string[])).toEqual([{}, {}, {}]);
  }, 240_000);

  test("leak scan over every run", async () => {
    const state = await exportState(s);
    expectNoLeak([...s.transcript, state.text], [...TOKENS, s.emu.apiKey]);
  }, 60_000);
}
