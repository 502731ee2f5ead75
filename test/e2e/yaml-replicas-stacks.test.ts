/**
 * examples/yaml/replicas and examples/yaml/stacks — Pulumi YAML programs on the real engine, the
 * real YAML language host and the provider plugin, against the emulator: rolling rotation over
 * replicas (never two down with maxUnavailable 1), a replica added (only it restarts), a no-op
 * second up; dev and prod stacks from the shipped Pulumi.<stack>.yaml files (changing dev never
 * touches prod); leak scans.
 */
import { type E2eStack, e2eStack, expectNoLeak, exportState, QUIET, setSecrets } from "../support/e2e";
import { delta, maxConcurrentRestarts } from "../support/provider-harness";

jest.setTimeout(300_000);

describe("examples/yaml/replicas", () => {
  const TOKENS = ["tok_yaml_replicas_first_AAAA", "tok_yaml_replicas_second_BBBB"] as const;
  const COMPOSE =
    "services:\n  api:\n    image: ghcr.io/acme/api:2\n    environment:\n      - API_TOKEN=${API_TOKEN}\n      - LOG_LEVEL=${LOG_LEVEL}\n";
  let s: E2eStack;
  let ids: string[];

  const setCvms = async (list: string[]): Promise<void> => {
    await s.cli(["config", "rm", "cvmIds"]);
    for (const [i, id] of list.entries()) await s.cli(["config", "set", "--path", `cvmIds[${i}]`, id]);
  };
  const restarts = async (): Promise<Record<string, number>> => (await s.emu.admin.counts()).restarts;
  const envs = (list: string[]) => Promise.all(list.map(async (id) => (await s.emu.admin.guest(id)).env));

  beforeAll(async () => {
    s = await e2eStack("yaml/replicas", "dev", 200, "plugin");
    const first = await s.emu.admin.createCvm({ name: "replica-a", docker_compose_file: COMPOSE });
    ids = [first.id];
    for (const name of ["replica-b", "replica-c", "replica-d"]) {
      ids.push(
        (await s.emu.admin.createCvm({ name, app_id: first.app_id, docker_compose_file: COMPOSE })).id,
      );
    }
    await setCvms(ids.slice(0, 3));
    await setSecrets(s, { apiToken: TOKENS[0] });
  });

  afterAll(async () => {
    await s?.dispose();
  });

  test("first up: every replica sees the env; a second up is a no-op", async () => {
    await s.cli(["up", "--yes", ...QUIET]);
    expect(await envs(ids.slice(0, 3))).toEqual(Array(3).fill({ API_TOKEN: TOKENS[0], LOG_LEVEL: "info" }));
    const writes = (await s.emu.admin.counts()).writes;
    const before = await restarts();
    await s.cli(["preview", "--expect-no-changes", ...QUIET]);
    expect((await s.cli(["up", "--yes", ...QUIET])).stdout).toMatch(/2 unchanged/);
    expect((await s.emu.admin.counts()).writes).toBe(writes);
    expect(delta(before, await restarts())).toEqual({});
  });

  test("rotation restarts each replica once, in waves of one", async () => {
    await setSecrets(s, { apiToken: TOKENS[1] });
    const before = await restarts();
    const opsBefore = (await s.emu.admin.ops()).length;
    const preview = await s.cli(["preview", ...QUIET]);
    expect(preview.stdout).toContain("CvmSecrets api: 3 CVMs restart, 1 at a time: keys changed: API_TOKEN");
    const up = await s.cli(["up", "--yes", ...QUIET]);
    for (const [w, id] of ids.slice(0, 3).entries()) {
      expect(up.stdout).toContain(`CvmSecrets api: wave ${w + 1}/3: ${id} (restarting)`);
    }
    expect(delta(before, await restarts())).toEqual(Object.fromEntries(ids.slice(0, 3).map((id) => [id, 1])));
    expect(maxConcurrentRestarts((await s.emu.admin.ops()).slice(opsBefore))).toBe(1);
    expect(await envs(ids.slice(0, 3))).toEqual(Array(3).fill({ API_TOKEN: TOKENS[1], LOG_LEVEL: "info" }));
  });

  test("adding a replica restarts only it", async () => {
    await setCvms(ids);
    const before = await restarts();
    await s.cli(["up", "--yes", ...QUIET]);
    expect(delta(before, await restarts())).toEqual({ [ids[3] as string]: 1 });
    expect((await s.emu.admin.guest(ids[3] as string)).env).toEqual({
      API_TOKEN: TOKENS[1],
      LOG_LEVEL: "info",
    });
  });

  test("destroy clears every replica; leak scan", async () => {
    await s.cli(["destroy", "--yes", ...QUIET]);
    expect(await envs(ids)).toEqual(Array(4).fill({}));
    const state = await exportState(s);
    expectNoLeak([...s.transcript, state.text], [...TOKENS, s.emu.apiKey]);
  });
});

describe("examples/yaml/stacks", () => {
  const DEV = { databaseUrl: "postgres://dev-user:dev-pw-6150@db/dev", sessionKey: "dev-session-6151" };
  const PROD = { databaseUrl: "postgres://prod-user:prod-pw-6152@db/prod", sessionKey: "prod-session-6153" };
  const DEV2 = "dev-session-rotated-6154";
  const COMPOSE =
    "services:\n  api:\n    image: ghcr.io/acme/api:3\n    environment:\n      - DATABASE_URL=${DATABASE_URL}\n      - SESSION_KEY=${SESSION_KEY}\n      - LOG_LEVEL=${LOG_LEVEL}\n";
  let s: E2eStack;
  let devCvm: string;
  let prodCvms: string[];

  beforeAll(async () => {
    // The shipped Pulumi.dev.yaml and Pulumi.prod.yaml name these CVMs; they are used as is.
    s = await e2eStack("yaml/stacks", "dev", 150, "plugin");
    await s.cli(["stack", "init", "prod", ...QUIET]);
    devCvm = (await s.emu.admin.createCvm({ name: "api-dev-1", docker_compose_file: COMPOSE })).id;
    const p1 = await s.emu.admin.createCvm({ name: "api-prod-1", docker_compose_file: COMPOSE });
    const p2 = await s.emu.admin.createCvm({
      name: "api-prod-2",
      app_id: p1.app_id,
      docker_compose_file: COMPOSE,
    });
    prodCvms = [p1.id, p2.id];
    for (const [stack, secrets] of [
      ["dev", DEV],
      ["prod", PROD],
    ] as const) {
      const on = ["--stack", stack];
      await s.cli(["config", "set", "cvm-secrets:apiUrl", s.emu.url, ...on]);
      await s.cli(["config", "set", "--secret", "cvm-secrets:apiKey", s.emu.apiKey, ...on]);
      for (const [k, v] of Object.entries(secrets)) await s.cli(["config", "set", "--secret", k, v, ...on]);
    }
  });

  afterAll(async () => {
    await s?.dispose();
  });

  test("each stack configures its own CVMs with its own secrets", async () => {
    await s.cli(["up", "--yes", "--stack", "dev", ...QUIET]);
    await s.cli(["up", "--yes", "--stack", "prod", ...QUIET]);
    expect((await s.emu.admin.guest(devCvm)).env).toEqual({
      DATABASE_URL: DEV.databaseUrl,
      SESSION_KEY: DEV.sessionKey,
      LOG_LEVEL: "debug",
    });
    for (const id of prodCvms) {
      expect((await s.emu.admin.guest(id)).env).toEqual({
        DATABASE_URL: PROD.databaseUrl,
        SESSION_KEY: PROD.sessionKey,
        LOG_LEVEL: "info",
      });
    }
    const dev = JSON.parse((await s.cli(["stack", "output", "--json", "--stack", "dev"])).stdout);
    const prod = JSON.parse((await s.cli(["stack", "output", "--json", "--stack", "prod"])).stdout);
    expect([dev.stack, prod.stack]).toEqual(["dev", "prod"]);
    expect(dev.envKeys).toEqual(["DATABASE_URL", "LOG_LEVEL", "SESSION_KEY"]);
  });

  test("changing dev never touches prod; prod's next up is a no-op", async () => {
    const prodBefore = (await s.cli(["stack", "export", "--stack", "prod"])).stdout;
    const restarts = (await s.emu.admin.counts()).restarts;
    await s.cli(["config", "set", "--secret", "sessionKey", DEV2, "--stack", "dev"]);
    await s.cli(["up", "--yes", "--stack", "dev", ...QUIET]);
    const after = (await s.emu.admin.counts()).restarts;
    for (const id of prodCvms) expect(after[id]).toBe(restarts[id]);
    expect(after[devCvm]).toBe((restarts[devCvm] ?? 0) + 1);
    expect((await s.emu.admin.guest(devCvm)).env?.SESSION_KEY).toBe(DEV2);
    expect((await s.cli(["stack", "export", "--stack", "prod"])).stdout).toBe(prodBefore);
    await s.cli(["preview", "--expect-no-changes", "--stack", "prod", ...QUIET]);
    const writes = (await s.emu.admin.counts()).writes;
    await s.cli(["up", "--yes", "--stack", "prod", ...QUIET]);
    expect((await s.emu.admin.counts()).writes).toBe(writes);
  });

  test("leak scan over both stacks", async () => {
    const dev = (await s.cli(["stack", "export", "--stack", "dev"])).stdout;
    const prod = (await s.cli(["stack", "export", "--stack", "prod"])).stdout;
    expectNoLeak(
      [...s.transcript, dev, prod],
      [...Object.values(DEV), ...Object.values(PROD), DEV2, s.emu.apiKey],
    );
  });
});
