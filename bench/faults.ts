/**
 * The fault gauntlet (issue 7): every fault the emulator can inject, at every call site of a
 * rollout, over 3 replicas. Shared by test/emulator/gauntlet-faults.test.ts (which passes the
 * TypeScript sources) and `npm run bench` (which uses the compiled package), so RESULTS.md and
 * the test run the very same matrix.
 *
 * For each case: create (old env) on 3 CVMs, inject the fault on the second replica (or on every
 * CVM), rotate one value with maxUnavailable 1 while sampling every guest env, then clear the
 * faults and `up` again with the state the engine would keep.
 *   survived  = the rotation succeeded (after retries), or failed with a clear message: it names
 *               the CVM and what failed, and carries no secret value
 *   mixed     = some guest ever held an env equal to neither the old nor the new env
 *   converged = the next `up` left every guest on the new env, restarted exactly the CVMs the
 *               failed run had not finished, and a further `up` was a no-op (zero writes)
 */
import type { Emulator, EmulatorOptions, FaultSpec } from "../emulator/index.ts";

type Props = Record<string, unknown>;

/** The provider and emulator entry points (source in tests, compiled dist in the bench). */
export interface MatrixDeps {
  startEmulator: (options?: EmulatorOptions) => Promise<Emulator>;
  impl: {
    check(olds: Props, news: Props): Promise<{ inputs?: Props; failures?: unknown[] }>;
    diff(id: string, olds: Props, news: Props): Promise<{ changes?: boolean }>;
    create(inputs: Props): Promise<{ id: string; outs?: Props }>;
    update(id: string, olds: Props, news: Props): Promise<{ outs?: Props }>;
  };
  resetSettings(): void;
}

export interface FaultCase {
  name: string;
  site: string;
  /** "ethereum" for the signed-key fetch (only on-chain apps make it). */
  kms?: "phala" | "ethereum";
  /** The fault; `cvm: "b"` targets the second replica. */
  fault: Omit<FaultSpec, "cvm"> & { cvm?: "b" };
  /** What must happen: the rotation succeeds after retries, or fails with a clear error. */
  expect: "succeeds" | "fails";
}

export interface CaseResult {
  name: string;
  site: string;
  expect: "succeeds" | "fails";
  outcome: "succeeded" | "failed";
  survived: boolean;
  /** Why `survived` is false, or the first line of the error. */
  detail: string;
  mixed: boolean;
  /** Replicas (r1–r3) restarted by the converging `up`, and the ones it should have restarted. */
  restarted: string[];
  expected: string[];
  converged: boolean;
  ms: number;
}

const OLD = { API_KEY: "sk_gauntlet_old_value_1", DB_URL: "postgres://u:gauntlet-old-2@db/app" };
const NEW = { ...OLD, API_KEY: "sk_gauntlet_new_value_3" };
const SECRET_VALUES = [...Object.values(OLD), NEW.API_KEY];
const COMPOSE =
  "services:\n  app:\n    image: ghcr.io/acme/api:1\n    environment:\n      - API_KEY=${API_KEY}\n      - DB_URL=${DB_URL}\n";

const KEY_FETCH = "GET /cvms/{id}";
const PUBKEY = "GET /kms/{kms}/pubkey/{app_id}";
const PATCH = "PATCH /cvms/{id}/envs";
const STATE = "GET /cvms/{id}/state";

function sites(): Array<{ site: string; route: string; kms?: "ethereum" }> {
  return [
    { site: "key fetch (GET /cvms/{id})", route: KEY_FETCH },
    { site: "signed key (GET /kms/{kms}/pubkey/{app_id}, on-chain)", route: PUBKEY, kms: "ethereum" },
    { site: "env push (PATCH /cvms/{id}/envs)", route: PATCH },
    { site: "readiness (GET /cvms/{id}/state)", route: STATE },
  ];
}

/** The matrix: every injectable fault at every call site, plus persistent failures and boot errors. */
export function faultCases(): FaultCase[] {
  const out: FaultCase[] = [];
  for (const { site, route, kms } of sites()) {
    // The signed-key fetch happens once per app, not per CVM: target any CVM.
    const cvm = route === PUBKEY ? undefined : ("b" as const);
    const on = (fault: FaultCase["fault"], name: string, expect: FaultCase["expect"]): void => {
      out.push({ name: `${name} @ ${route}`, site, kms, fault: { route, cvm, ...fault }, expect });
    };
    on({ status: 429, retryAfter: 1, times: 2 }, "429 Retry-After 1 s ×2", "succeeds");
    on({ status: 503, times: 2 }, "503 ×2", "succeeds");
    on({ status: 500, times: 1 }, "500 ×1", "succeeds");
    on({ status: 409, times: 2 }, "409 busy ×2", "succeeds");
    on({ latencyMs: 800, times: 3 }, "latency 800 ms ×3", "succeeds");
    on({ drop: true, times: 2 }, "dropped connection ×2", "succeeds");
    // Past the retry budget (6 attempts): fails clearly, or falls back (the state stream → polling).
    on({ status: 500 }, "500 persistent", route === STATE ? "succeeds" : "fails");
    on({ drop: true }, "dropped connection persistent", route === STATE ? "succeeds" : "fails");
  }
  out.push({
    name: "boot error on replica 2 @ restart",
    site: "readiness (boot)",
    fault: { bootError: "gauntlet: container exited 1", cvm: "b", times: 1 },
    expect: "fails",
  });
  out.push({
    name: "boot error on every replica @ restart",
    site: "readiness (boot)",
    fault: { bootError: "gauntlet: container exited 1", times: 3 },
    expect: "fails",
  });
  out.push({
    name: "422 (non-retryable 4xx) @ PATCH /cvms/{id}/envs",
    site: "env push (PATCH /cvms/{id}/envs)",
    fault: { route: PATCH, cvm: "b", status: 422, times: 1 },
    expect: "fails",
  });
  return out;
}

function sameEnv(a: Record<string, string> | null | undefined, b: Record<string, string>): boolean {
  if (!a) return false;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/** Runs one case on a fresh emulator. */
export async function runCase(deps: MatrixDeps, c: FaultCase, restartMs = 60): Promise<CaseResult> {
  const started = Date.now();
  const emu = await deps.startEmulator({ restartMs });
  const { impl } = deps;
  try {
    deps.resetSettings();
    process.env.PHALA_CLOUD_API_KEY = emu.apiKey;
    process.env.PHALA_CLOUD_API_PREFIX = emu.url;
    const app = await emu.admin.createApp({ kms: c.kms ?? "phala" });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const cvm = await emu.admin.createCvm({
        name: `gauntlet-${i}-node`,
        app_id: app.app_id,
        docker_compose_file: COMPOSE,
        // The allow-list already holds the keys: on-chain KMS apps then need no hash registration.
        allowed_envs: Object.keys(OLD),
      });
      ids.push(cvm.id);
    }
    const args = (env: Record<string, string>): Props => ({
      resourceName: "gauntlet",
      cvms: ids,
      env,
      adopt: true,
      rollout: { maxUnavailable: 1, readyTimeoutSeconds: 10 },
      __provider: "stub",
    });
    // check gets the old inputs (plaintext env), diff and update the old outputs.
    const first = await impl.check({}, args(OLD));
    let inputs = first.inputs as Props;
    const created = await impl.create(inputs);
    let state = created.outs as Props;
    const id = created.id;

    // The rotation under the fault, sampling the guests all along.
    const { cvm, ...fault } = c.fault;
    await emu.admin.addFault({ ...fault, ...(cvm === "b" ? { cvm: ids[1] } : {}) });
    let mixed = false;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const x of ids) {
          const env = (await emu.admin.guest(x)).env;
          if (env && !sameEnv(env, OLD) && !sameEnv(env, NEW)) mixed = true;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const news = (await impl.check(inputs, args(NEW))).inputs as Props;
    inputs = news; // kept by the engine on success and on a partial failure alike
    let outcome: CaseResult["outcome"] = "succeeded";
    let detail = "";
    let survived = true;
    try {
      if (!(await impl.diff(id, state, news)).changes) throw new Error("diff saw no change");
      state = (await impl.update(id, state, news)).outs as Props;
    } catch (error) {
      outcome = "failed";
      const e = error as Error & { properties?: Props };
      detail = e.message.split("\n")[0] ?? "";
      // The engine keeps the error's properties as the new state (ErrorResourceInitFailed).
      if (e.properties) state = e.properties;
      const leaks = SECRET_VALUES.filter((v) => e.message.includes(v));
      const namesSomething = ids.some((x) => e.message.includes(x)) || /app [0-9a-f]{40}/.test(e.message);
      const namesWhat = /HTTP \d{3}|boot error|failed|not running|stopped/i.test(e.message);
      if (leaks.length > 0) {
        survived = false;
        detail = `error message contains a secret value: ${detail}`;
      } else if (!namesSomething || !namesWhat) {
        survived = false;
        detail = `unclear error: ${detail}`;
      }
    }
    sampling = false;
    await sampler;
    if (outcome !== (c.expect === "succeeds" ? "succeeded" : "failed")) {
      survived = false;
      detail = `expected the rotation to ${c.expect === "succeeds" ? "succeed" : "fail"}; ${detail || "it succeeded"}`;
    }
    for (const x of ids) {
      const env = (await emu.admin.guest(x)).env;
      if (env && !sameEnv(env, OLD) && !sameEnv(env, NEW)) mixed = true;
    }

    // What the rotation finished: the guests running the new env.
    const doneGuests: string[] = [];
    for (const x of ids) if (sameEnv((await emu.admin.guest(x)).env, NEW)) doneGuests.push(x);

    // Converge: no faults, the same program again with the kept state.
    await emu.admin.clearFaults();
    const before = (await emu.admin.counts()).restarts;
    const again = (await impl.check(inputs, args(NEW))).inputs as Props;
    inputs = again;
    if ((await impl.diff(id, state, again)).changes)
      state = (await impl.update(id, state, again)).outs as Props;
    const after = (await emu.admin.counts()).restarts;
    const restarted = ids.filter((x) => (after[x] ?? 0) > (before[x] ?? 0));
    const expected = ids.filter((x) => !doneGuests.includes(x));
    let converged = restarted.join() === expected.join();
    for (const x of ids) if (!sameEnv((await emu.admin.guest(x)).env, NEW)) converged = false;
    const label = (x: string): string => `r${ids.indexOf(x) + 1}`;
    const writes = (await emu.admin.counts()).writes;
    const noop = (await impl.check(inputs, args(NEW))).inputs as Props;
    if ((await impl.diff(id, state, noop)).changes) {
      await impl.update(id, state, noop);
      converged = false;
    }
    if ((await emu.admin.counts()).writes !== writes) converged = false;
    return {
      name: c.name,
      site: c.site,
      expect: c.expect,
      outcome,
      survived: survived && !mixed,
      detail,
      mixed,
      restarted: restarted.map(label),
      expected: expected.map(label),
      converged,
      ms: Date.now() - started,
    };
  } finally {
    await emu.close();
  }
}

/** The matrix as Markdown. */
export function matrixMarkdown(results: readonly CaseResult[]): string {
  const short = (xs: string[]): string => xs.join(", ");
  const lines = [
    "| case | call site | rotation | survived | mixed env seen | next `up` restarted | converged | ms |",
    "|---|---|---|---|---|---|---|---:|",
  ];
  for (const r of results) {
    const why =
      r.outcome === "failed" ? `failed: ${r.detail.replace(/\|/g, "\\|").slice(0, 90)}` : "succeeded";
    lines.push(
      `| ${r.name} | ${r.site} | ${why} | ${r.survived ? "yes" : "**no**"} | ${r.mixed ? "**yes**" : "no"} | ${short(r.restarted) || "none"} | ${r.converged ? "yes" : "**no**"} | ${r.ms} |`,
    );
  }
  const survived = results.filter((r) => r.survived).length;
  const converged = results.filter((r) => r.converged).length;
  lines.push("", `${results.length} cases: ${survived} survived, ${converged} converged.`);
  return lines.join("\n");
}

/** The bench entry: runs the matrix on the compiled package. */
export async function runMatrix(log: (line: string) => void = console.log): Promise<{
  rows: [];
  markdown: string;
  results: CaseResult[];
}> {
  const emulator = await import("pulumi-cvm-secrets/emulator");
  const impl = await import("#internal/provider/cvm-secrets/index");
  const settings = await import("#internal/provider/runtime/settings");
  const deps: MatrixDeps = {
    startEmulator: emulator.startEmulator as MatrixDeps["startEmulator"],
    impl: impl as unknown as MatrixDeps["impl"],
    resetSettings: settings.resetSettings,
  };
  const results: CaseResult[] = [];
  for (const c of faultCases()) {
    const r = await quiet(() => runCase(deps, c));
    log(`[bench] fault ${r.name}: survived=${r.survived} converged=${r.converged} (${r.ms} ms)`);
    results.push(r);
  }
  return { rows: [], markdown: matrixMarkdown(results), results };
}

/** Runs `fn` with the provider's stderr info lines (diff summaries) silenced. */
export async function quiet<T>(fn: () => Promise<T>): Promise<T> {
  const original = console.error;
  console.error = () => {};
  try {
    return await fn();
  } finally {
    console.error = original;
  }
}

export const NOTES = `### Faults

The matrix is \`bench/faults.ts\`, the same code \`test/emulator/gauntlet-faults.test.ts\` runs. Each
case: 3 replicas, the fault on the second one (the signed-key fetch is per app), rotate one value
with maxUnavailable 1 and restart time 60 ms while sampling every guest's env every ~10 ms, then
clear the faults and run \`up\` again on the state the engine would keep. "next \`up\` restarted"
lists replicas (r1–r3) the converging run restarted; converged means that was exactly the set not
yet running the new env, every guest ended on the new env, and a third run made zero writes.
Persistent faults exhaust the client's 6-attempt retry budget (≈ 4–8 s of capped exponential
backoff); a persistent fault on the state stream is survived because readiness falls back to
polling \`GET /cvms/{id}\`.

The last rows are \`bench/kill.ts\` (the scenario of \`test/e2e/gauntlet-kill.dynamic.test.ts\`): the real
CLI interrupted while replica 2 restarts (2 s restarts), then \`pulumi cancel\` (the file backend
keeps a lock), the pending "updating" operation cleared by \`stack export\`/\`import\`, and \`pulumi up\`.
A dynamic provider's \`update\` is a single engine step whose result is written to state only when
it returns, so a killed update leaves the *old* state. The provider's rollout journal
(provider/cvm-secrets/records/journal.ts, under PULUMI_HOME) records each replica once it runs the new env, so
the next \`up\` skips what the killed run finished. "Not done" for these rows is: not on the new
env after the kill, or, when the provider itself was killed (process tree), pushed but never
seen ready by it (it cannot know that replica booted fine). A SIGKILL of the CLI's process group
does not reach the provider (plugins run in process groups of their own): the orphaned provider
finishes the rollout and journals it, still without writing state. SIGINT lets the engine finish
the step in flight and write its result, so the next \`up\` is a no-op. The journal lives under
PULUMI_HOME on the machine that ran the killed \`up\`; a run from elsewhere (a fresh CI runner)
does not see it (not measured here).`;
