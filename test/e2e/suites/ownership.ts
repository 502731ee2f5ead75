/**
 * Ownership on the real engine (issue 20, cases a, b and e): one stack of the replicas example,
 * several `up`s against the emulator, some of them through a hostile loopback proxy.
 *   a. another party's CVM added to an existing resource's `cvms` is refused without `adopt`,
 *      before any write;
 *   b. a revisions route that fails (403) is unknown, never "nothing to protect": the rotation is
 *      refused before any write, naming what could not be read;
 *   e. a repair `refresh` asked for is not dropped as "already runs this env" while the revisions
 *      cannot be read; once they can, the next `up` repairs the CVM;
 *   8. the owner tag across backends: `pulumi up --replace` of the CvmSecrets on a fresh
 *      PULUMI_HOME (no journal) takes its CVM over without `adopt` (the OwnerKey stays), while the
 *      same project, stack and resource names in another backend (a second workspace: its own
 *      state, its own OwnerKey) are refused before any write, and push with `adopt`. The
 *      OwnerKey's key appears in no state export without --show-secrets and in no CLI output.
 * Run for the dynamic classes (ownership.dynamic.test.ts) and through the provider plugin
 * (ownership.plugin.test.ts).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { encryptEnv } from "../../../provider/core/envelope";
import {
  type E2eStack,
  e2eStack,
  expectNoLeak,
  exportState,
  flavourEnv,
  QUIET,
  setSecrets,
  type TypeScriptFlavour,
} from "../../support/e2e";
import { failing, type HostileProxy, hostileProxy } from "../../support/hostile-proxy";
import { pulumiWorkspace } from "../../support/pulumi";

const TOKENS = ["tok_e2e_ownership_first_EEEE", "tok_e2e_ownership_rotated_FFFF"];
const DASHBOARD = { API_TOKEN: "tok_e2e_dashboard_GGGG", LOG_LEVEL: "debug" };
const COMPOSE =
  "services:\n  api:\n    image: ghcr.io/acme/api:2\n    environment:\n      - API_TOKEN=${API_TOKEN}\n      - LOG_LEVEL=${LOG_LEVEL}\n";

export function ownershipSuite(flavour: TypeScriptFlavour): void {
  jest.setTimeout(300_000);
  let s: E2eStack;
  let ours: string;
  let prods: string;
  let proxy: HostileProxy;

  async function setCvms(list: string[]): Promise<void> {
    await s.cli(["config", "rm", "cvmIds"]).catch(() => undefined);
    for (const [i, id] of list.entries()) await s.cli(["config", "set", "--path", `cvmIds[${i}]`, id]);
  }

  /** Someone writes a CVM's env in the dashboard (a push through the API), and it boots with it. */
  async function dashboardWrites(cvm: string): Promise<void> {
    const headers = { "x-api-key": s.emu.apiKey, "content-type": "application/json" };
    const record = (await (await fetch(`${s.emu.url}/cvms/${cvm}`, { headers })).json()) as {
      kms_info: { encrypted_env_pubkey: string };
    };
    const encrypted = encryptEnv(DASHBOARD, record.kms_info.encrypted_env_pubkey);
    const res = await fetch(`${s.emu.url}/cvms/${cvm}/envs`, {
      method: "PATCH",
      headers,
      body: JSON.stringify({ encrypted_env: encrypted, env_keys: Object.keys(DASHBOARD) }),
    });
    expect(res.status).toBe(202);
    for (let i = 0; i < 200; i++) {
      if (JSON.stringify((await s.emu.admin.guest(cvm)).env) === JSON.stringify(DASHBOARD)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${cvm} did not boot with the dashboard's env`);
  }

  /** Points the stack at the API directly, or through the proxy whose revisions route fails. */
  async function revisionsFail(on: boolean): Promise<void> {
    await s.cli(["config", "set", "cvm-secrets:apiUrl", on ? proxy.url : s.emu.url]);
  }

  async function writes(): Promise<number> {
    return (await s.emu.admin.counts()).writes;
  }

  beforeAll(async () => {
    s = await e2eStack("replicas", "staging", 100, flavour);
    ours = (await s.emu.admin.createCvm({ name: "staging-api", docker_compose_file: COMPOSE })).id;
    prods = (await s.emu.admin.createCvm({ name: "prod-api", docker_compose_file: COMPOSE })).id;
    // A token without the apps scope: every revisions read answers 403.
    proxy = await hostileProxy(s.emu.url, (method, path) =>
      method === "GET" && /^\/apps\/[^/]+\/revisions$/.test(path) ? failing(403, "Forbidden") : undefined,
    );
    await setCvms([ours]);
    await setSecrets(s, { apiToken: TOKENS[0]! });
    await s.cli(["up", "--yes", ...QUIET]);
    await dashboardWrites(prods); // prod's env, set by someone else
  }, 300_000);

  afterAll(async () => {
    await proxy?.close();
    if (s) expectNoLeak(s.transcript, [...TOKENS, DASHBOARD.API_TOKEN, ...ownerKeys]);
    await s?.dispose();
  });

  /** The OwnerKey keys read back (stack export --show-secrets, kept out of the transcript). */
  const ownerKeys: string[] = [];

  test("a: prod's CVM added to staging's cvms is refused before any write; prod keeps its env", async () => {
    await setCvms([ours, prods]);
    const before = await writes();
    const up = await s.cli(["up", "--yes", ...QUIET], { allowFail: true });
    expect(up.code).not.toBe(0);
    expect(up.stdout).toContain(`cvms[1] (${prods}) already carries an env its allow-list lets through`);
    expect(up.stdout).toContain("adopt: true");
    expect(await writes()).toBe(before);
    expect((await s.emu.admin.guest(prods)).env).toEqual(DASHBOARD);
    await setCvms([ours]);
  });

  test("b: with the revisions route failing, a rotation is refused before any write, saying what could not be read", async () => {
    await setSecrets(s, { apiToken: TOKENS[1]! });
    await revisionsFail(true);
    const before = await writes();
    const up = await s.cli(["up", "--yes", ...QUIET], { allowFail: true });
    await revisionsFail(false);
    expect(up.code).not.toBe(0);
    expect(up.stdout).toContain(`cvms[0] (${ours}): who pushed the env it carries cannot be read`);
    // The status as the API error words it: a bare "403" would also match inside a random id.
    expect(up.stdout).toContain("failed: HTTP 403");
    expect(proxy.writes).toEqual([]);
    expect(await writes()).toBe(before);
    expect((await s.emu.admin.guest(ours)).env).toEqual({ API_TOKEN: TOKENS[0], LOG_LEVEL: "info" });
    await setSecrets(s, { apiToken: TOKENS[0]! });
    // Nothing to do; it records the direct API URL as the provider's config, which `refresh`
    // (which does not run the program) uses.
    expect((await s.cli(["up", "--yes", ...QUIET])).stdout).toMatch(/3 unchanged/);
    expect(await writes()).toBe(before);
  });

  test("e: a repair refresh asked for is not dropped while the revisions cannot be read; then it happens", async () => {
    await dashboardWrites(ours); // someone else writes staging's CVM
    // Refresh finds its newest revision is not this stack's push: the next up is to repair it
    // (the last up below proves it: with nothing changed in the program, it pushes).
    await s.cli(["refresh", "--yes", ...QUIET]);
    await revisionsFail(true);
    const blind = await s.cli(["up", "--yes", ...QUIET], { allowFail: true });
    await revisionsFail(false);
    expect({ failed: blind.code !== 0, out: blind.stdout }).toEqual({
      failed: true,
      out: expect.stringContaining("who pushed the env it carries cannot be read"),
    });
    expect(blind.stdout).not.toContain("already runs this env");
    expect((await s.emu.admin.guest(ours)).env).toEqual(DASHBOARD);
    await s.cli(["up", "--yes", ...QUIET]);
    expect((await s.emu.admin.guest(ours)).env).toEqual({ API_TOKEN: TOKENS[0], LOG_LEVEL: "info" });
  });

  test("8: `pulumi up --replace` on a fresh PULUMI_HOME takes the CVM over without adopt", async () => {
    const started = Date.now();
    const urn = String(
      (await exportState(s)).resources.find((r) => String(r.type).endsWith(":CvmSecrets"))?.urn,
    );
    const home = mkdtempSync(path.join(tmpdir(), "cvms-home-"));
    try {
      const before = await writes();
      // The stack named: the selected one is recorded in PULUMI_HOME.
      const up = await s.cli(["up", "--yes", "--stack", "staging", "--replace", urn, ...QUIET], {
        env: { PULUMI_HOME: home },
      });
      expect(up.stdout).not.toContain("already carries");
      expect(up.stdout).toContain(`${ours}: its env was pushed by this stack's api`);
      expect(await writes()).toBe(before + 1);
      expect((await s.emu.admin.guest(ours)).env).toEqual({ API_TOKEN: TOKENS[0], LOG_LEVEL: "info" });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    console.log(`[ownership ${flavour}] replace: ${Date.now() - started} ms`);
  });

  test("8: the same names in another backend are refused before any write; adopt pushes", async () => {
    const started = Date.now();
    // A second workspace: the same program, project, stack and config, another state backend.
    const dir = mkdtempSync(path.join(tmpdir(), "cvms-other-backend-"));
    cpSync(s.dir, dir, { recursive: true });
    const index = path.join(dir, "index.ts");
    // Only adopt added (from config), to take the CVM over once the refusal was seen.
    writeFileSync(
      index,
      readFileSync(index, "utf8").replace(
        'const api = new CvmSecrets("api", {',
        'const api = new CvmSecrets("api", {\n  adopt: cfg.getBoolean("adopt"),',
      ),
    );
    const other = pulumiWorkspace(dir, flavourEnv(flavour));
    const run = async (args: string[]) => {
      const result = await other.run(args, { timeoutMs: 240_000 });
      s.transcript.push(`$ pulumi ${args[0]} (other backend)\n${result.stdout}\n${result.stderr}`);
      return result;
    };
    try {
      expect((await run(["stack", "init", "staging", ...QUIET])).code).toBe(0);
      const before = await writes();
      const refused = await run(["up", "--yes", ...QUIET]);
      expect(refused.code).not.toBe(0);
      expect(refused.stdout).toContain(
        `cvms[0] (${ours}) already carries an env its allow-list lets through`,
      );
      expect(refused.stdout).toContain("adopt: true");
      expect(await writes()).toBe(before);
      expect((await s.emu.admin.guest(ours)).env).toEqual({ API_TOKEN: TOKENS[0], LOG_LEVEL: "info" });
      expect((await run(["config", "set", "adopt", "true"])).code).toBe(0);
      const adopted = await run(["up", "--yes", ...QUIET]);
      expect(adopted.code).toBe(0);
      expect(await writes()).toBe(before + 1);
      ownerKeys.push(await ownerKeyOf((args) => other.run(args)));
    } finally {
      other.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
    ownerKeys.push(await ownerKeyOf((args) => s.pulumi.run(args)));
    expect(new Set(ownerKeys).size).toBe(2);
    for (const key of ownerKeys) expect(key).toMatch(/^[0-9a-f]{64}$/);
    // Without --show-secrets the state holds the keys encrypted only.
    expect((await exportState(s)).text).not.toContain(ownerKeys[1]);
    console.log(`[ownership ${flavour}] other backend: ${Date.now() - started} ms`);
  });
}

/** The stack's OwnerKey key, read with --show-secrets by a command whose output is not kept. */
async function ownerKeyOf(
  run: (args: string[]) => Promise<{ code: number; stdout: string }>,
): Promise<string> {
  const shown = await run(["stack", "export", "--show-secrets"]);
  expect(shown.code).toBe(0);
  const resources = (
    JSON.parse(shown.stdout) as { deployment: { resources: Array<Record<string, unknown>> } }
  ).deployment.resources;
  // A secret shown: `{ <signature>, plaintext: <the value as JSON> }`.
  const outputs = resources.find((r) => String(r.type).endsWith(":OwnerKey"))?.outputs as {
    key?: { plaintext?: string };
  };
  const key = outputs?.key?.plaintext === undefined ? undefined : JSON.parse(outputs.key.plaintext);
  if (typeof key !== "string") throw new Error("no secret OwnerKey key in the state");
  return key;
}
