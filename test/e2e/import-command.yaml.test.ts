/**
 * `pulumi import` with code generation, in a Pulumi YAML project on the real engine and the real
 * YAML language host, through the provider plugin, against the emulator: CVMs whose env was set
 * in the dashboard are imported one at a time (the code printed) and in bulk
 * (`--file resources.json --out`); the generated YAML names the type and the CVMs and carries no
 * secret and nothing derived from the ciphertext. Pasted as generated (`env: {}`: the values
 * cannot be read back), the next `up` refuses and no CVM's env is cleared; with the env the user
 * gives from secret config, it pushes once to each CVM, said by its preview, then is a no-op.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse, stringify } from "yaml";
import { encryptEnv } from "../../provider/core/envelope";
import { type E2eStack, e2eStack, expectNoLeak, exportState, QUIET, setSecrets } from "../support/e2e";

jest.setTimeout(300_000);

const PROJECT = {
  name: "cvms-yaml-import",
  runtime: "yaml",
  description: "CVMs whose env was set in the dashboard, taken in by pulumi import",
};
const COMPOSE =
  "services:\n  api:\n    image: ghcr.io/acme/api:2\n    environment:\n      - API_KEY=${API_KEY}\n      - DB_URL=${DB_URL}\n";
// Loads the whole env from the file dstack writes: no compose check can tell a key is missing, so
// only the import guard stands between the generated `env: {}` and a cleared worker.
const WORKER_COMPOSE = "services:\n  worker:\n    image: ghcr.io/acme/worker:2\n    env_file: .env\n";
// Set in the dashboard, never known to this stack.
const DASHBOARD = { API_KEY: "sk_dashboard_api_7101", DB_URL: "postgres://u:pw-dashboard-7102@db/prod" };
const DASHBOARD_WORKER = { QUEUE_TOKEN: "queue-dashboard-token-7103" };
// What the user's program gives after the import.
const PROGRAM = { API_KEY: "sk_program_api_7201", DB_URL: "postgres://u:pw-program-7202@db/prod" };
const PROGRAM_WORKER = "queue-program-token-7203";

let s: E2eStack;
let api: string;
let workers: string[];
/** The ciphertexts the dashboard pushed (nothing derived from them may reach the code). */
const blobs: string[] = [];
const generated: Record<string, string> = {};

type Program = { resources?: Record<string, { type: string; properties: Record<string, unknown> }> };

const writes = async (): Promise<number> => (await s.emu.admin.counts()).writes;
const guestEnv = async (cvm: string) => (await s.emu.admin.guest(cvm)).env;
const writeProgram = (program: Record<string, unknown>): void =>
  writeFileSync(path.join(s.dir, "Pulumi.yaml"), stringify(program, { aliasDuplicateObjects: false }));

beforeAll(async () => {
  s = await e2eStack({ "Pulumi.yaml": stringify(PROJECT) }, "dev", 100, "yaml");
  const apiApp = await s.emu.admin.createApp();
  const apiBlob = encryptEnv(DASHBOARD, apiApp.encrypted_env_pubkey);
  api = (
    await s.emu.admin.createCvm({
      name: "legacy-api",
      app_id: apiApp.app_id,
      docker_compose_file: COMPOSE,
      allowed_envs: Object.keys(DASHBOARD),
      encrypted_env: apiBlob,
    })
  ).id;
  const workerApp = await s.emu.admin.createApp();
  const workerBlob = encryptEnv(DASHBOARD_WORKER, workerApp.encrypted_env_pubkey);
  workers = [];
  for (const name of ["legacy-worker-1", "legacy-worker-2"]) {
    const cvm = await s.emu.admin.createCvm({
      name,
      app_id: workerApp.app_id,
      docker_compose_file: WORKER_COMPOSE,
      allowed_envs: Object.keys(DASHBOARD_WORKER),
      encrypted_env: workerBlob,
    });
    workers.push(cvm.id);
  }
  blobs.push(apiBlob, workerBlob);
  expect(await guestEnv(api)).toEqual(DASHBOARD);
  for (const cvm of workers) expect(await guestEnv(cvm)).toEqual(DASHBOARD_WORKER);
}, 120_000);

afterAll(async () => {
  await s?.dispose();
});

/** What `text` must never hold: a value, the API key, ciphertext or a piece of it. */
function expectNothingSecret(text: string): void {
  expectNoLeak(
    [text],
    [
      ...Object.values(DASHBOARD),
      ...Object.values(DASHBOARD_WORKER),
      ...Object.values(PROGRAM),
      PROGRAM_WORKER,
      s.emu.apiKey,
      // Each blob, and its first 64 hex digits (the ephemeral public key) and its tail.
      ...blobs.flatMap((b) => [b, b.slice(0, 64), b.slice(-64)]),
    ],
  );
}

/** Generated code: nothing secret, and no fingerprint either (a value's change token). */
function expectCleanCode(code: string): void {
  expectNothingSecret(code);
  expect(code).not.toMatch(/fp-[0-9a-f]{16}/);
}

test("pulumi import prints the YAML of the resource: its type, the CVM as typed, env: {}; nothing written", async () => {
  const before = await writes();
  const r = await s.cli(["import", "cvm-secrets:index:CvmSecrets", "api", "legacy-api", "--yes", ...QUIET]);
  expect(r.stdout).toMatch(/= 1 imported/);
  // The import's message says what the code cannot: which keys the program must give.
  expect(`${r.stdout}${r.stderr}`).toContain("they allow API_KEY, DB_URL: give each of them in env");
  expect(r.stdout).toContain("Please copy the following code into your Pulumi application");
  const code = r.stdout.slice(r.stdout.indexOf("resources:"));
  generated.api = code;
  const parsed = parse(code) as Program;
  expect(parsed.resources?.api).toEqual({
    type: "cvm-secrets:CvmSecrets",
    properties: { cvms: ["legacy-api"], env: {} },
    options: { protect: true },
  });
  expectCleanCode(code);
  expect(await writes()).toBe(before);
  expect(await guestEnv(api)).toEqual(DASHBOARD);
});

test("pulumi import --file --out: the replicas as one resource, the code written to the file", async () => {
  const before = await writes();
  const file = path.join(s.dir, "resources.json");
  writeFileSync(
    file,
    JSON.stringify({
      resources: [{ type: "cvm-secrets:index:CvmSecrets", name: "workers", id: workers.join(",") }],
    }),
  );
  const out = path.join(s.dir, "workers.yaml");
  const r = await s.cli(["import", "--file", file, "--out", out, "--yes", ...QUIET]);
  expect(r.stdout).toMatch(/= 1 imported/);
  expect(r.stdout).not.toContain("Please copy the following code");
  const code = readFileSync(out, "utf8");
  generated.workers = code;
  expect((parse(code) as Program).resources?.workers).toEqual({
    type: "cvm-secrets:CvmSecrets",
    properties: { cvms: workers, env: {} },
    options: { protect: true },
  });
  expectCleanCode(code);
  expect(await writes()).toBe(before);
});

test("the generated code pasted as is: the preview says refused, up refuses, no CVM's env is cleared", async () => {
  const resources = Object.fromEntries(
    Object.values(generated).flatMap((code) => Object.entries((parse(code) as Program).resources ?? {})),
  );
  writeProgram({ ...PROJECT, resources });
  const before = await writes();
  const preview = await s.cli(["preview", "--diff", ...QUIET]);
  expect(`${preview.stdout}${preview.stderr}`).toContain(
    "refused at apply: the env leaves out API_KEY, DB_URL, which imported CVM legacy-api has",
  );
  const up = await s.cli(["up", "--yes", ...QUIET], { allowFail: true });
  expect(up.code).not.toBe(0);
  expect(`${up.stdout}${up.stderr}`).toContain(
    "the env leaves out API_KEY, DB_URL, which imported CVM legacy-api has",
  );
  expect(`${up.stdout}${up.stderr}`).toContain("the env leaves out QUEUE_TOKEN, which imported CVMs");
  expect(await writes()).toBe(before);
  expect(await guestEnv(api)).toEqual(DASHBOARD);
  for (const cvm of workers) expect(await guestEnv(cvm)).toEqual(DASHBOARD_WORKER);
});

test("env given from secret config: one push per CVM, said by the preview; then a no-op", async () => {
  const resources = Object.fromEntries(
    Object.values(generated).flatMap((code) => Object.entries((parse(code) as Program).resources ?? {})),
  );
  resources.api!.properties.env = { API_KEY: "${apiToken}", DB_URL: "${dbUrl}" };
  resources.workers!.properties.env = { QUEUE_TOKEN: "${queueToken}" };
  const secret = { type: "string", secret: true };
  writeProgram({ ...PROJECT, config: { apiToken: secret, dbUrl: secret, queueToken: secret }, resources });
  await setSecrets(s, { apiToken: PROGRAM.API_KEY, dbUrl: PROGRAM.DB_URL, queueToken: PROGRAM_WORKER });
  const before = await writes();
  const preview = await s.cli(["preview", "--diff", ...QUIET]);
  const said = `${preview.stdout}${preview.stderr}`;
  expect(said).toContain(
    "1 CVM restarts: imported: its env was set outside this stack and cannot be read back (legacy-api)",
  );
  expect(said).toContain(
    `2 CVMs restart, 1 at a time: imported: its env was set outside this stack and cannot be read back (${workers.join(", ")})`,
  );
  expect(said).not.toContain("refused");
  expect(await writes()).toBe(before);

  const up = await s.cli(["up", "--yes", ...QUIET]);
  expect(up.stdout).toMatch(/~ 2 updated/);
  expect(await guestEnv(api)).toEqual(PROGRAM);
  for (const cvm of workers) expect(await guestEnv(cvm)).toEqual({ QUEUE_TOKEN: PROGRAM_WORKER });
  expect((await writes()) - before).toBe(3);

  await s.cli(["preview", "--expect-no-changes", ...QUIET]);
  const again = await s.cli(["up", "--yes", ...QUIET]);
  expect(again.stdout).not.toMatch(/updated/);
  expect((await writes()) - before).toBe(3);
});

test("leak scan: every CLI output, the generated code, the program, state and the emulator log", async () => {
  const state = await exportState(s);
  const program = readFileSync(path.join(s.dir, "Pulumi.yaml"), "utf8");
  for (const text of [...s.transcript, ...Object.values(generated), program, state.text])
    expectNothingSecret(text);
});
