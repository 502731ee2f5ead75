/**
 * Benchmarks 1 and 2, on the real Pulumi CLI (offline, file:// backend), against a minimal
 * dynamic resource whose provider only has `create` (it echoes its inputs), given the very
 * same inputs (`cvms`, `env` with secret values) in the same program shape.
 *   1. State cost: bytes of `__provider` and of the whole resource in `pulumi stack export`.
 *   2. Engine overhead: `pulumi preview` and a no-op `pulumi up --skip-preview` for N resources,
 *      and the emulator's request counts during the no-op.
 */
import { execFileSync, type SpawnOptions, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Emulator, startEmulator } from "pulumi-cvm-secrets/emulator";
import { median, type Row, timeAsync } from "./harness.ts";

const ROOT = path.resolve(path.dirname(path.resolve(process.argv[1] ?? "bench/run.ts")), "..");
const TOOLCHAIN_BIN = path.join(ROOT, ".toolchain", "bin");
const NODE_BIN = path.join(ROOT, "node_modules", ".bin");
// Every workspace, whatever it measures, has the same PATH: pulumi-resource-cvm-secrets (bin/)
// and the minimal plugin pulumi-resource-cvmbench (bench/minimal-plugin/) first.
const PLUGIN_BIN = path.join(ROOT, "bin");
const MINIMAL_PLUGIN_BIN = path.join(ROOT, "bench", "minimal-plugin");
export const QUIET = ["--non-interactive", "--color", "never"];
export const PULUMI_BIN = path.join(TOOLCHAIN_BIN, "pulumi");

// Plain JavaScript, so neither kind pays a TypeScript compile on every CLI run.
const PROGRAM = `"use strict";
const pulumi = require("@pulumi/pulumi");

const cfg = new pulumi.Config();
const kind = process.env.BENCH_KIND || "cvm";
const cvms = JSON.parse(process.env.BENCH_CVMS || "[]");
const env = { API_KEY: cfg.requireSecret("apiKeyValue"), DB_URL: cfg.requireSecret("dbUrlValue") };

// The baseline: a dynamic resource whose provider has nothing but create (echoing its inputs).
const minimal = {
  async create(inputs) {
    return { id: "minimal-" + Math.random().toString(36).slice(2), outs: inputs };
  },
};
class Minimal extends pulumi.dynamic.Resource {
  constructor(name, args) {
    super(minimal, name, args, {}, "bench", "Minimal");
  }
}

// Attribution: the baseline's provider grown to the stub's seven methods (check and diff in
// JavaScript too), so only the provider's size and method count differ from the baseline.
const stub7 = {
  async configure(req) { require("@pulumi/pulumi/package.json"); },
  async check(olds, news) { return { inputs: require("@pulumi/pulumi/package.json") && news }; },
  async diff(id, olds, news) { return { changes: !require("@pulumi/pulumi/package.json") }; },
  async create(inputs) { return { id: "stub7-" + Math.random().toString(36).slice(2), outs: inputs }; },
  async update(id, olds, news) { return { outs: require("@pulumi/pulumi/package.json") && news }; },
  async delete(id, props) { require("@pulumi/pulumi/package.json"); },
  async read(id, props) { return { id, props: require("@pulumi/pulumi/package.json") && props }; },
};
class Stub7 extends pulumi.dynamic.Resource {
  constructor(name, args) {
    super(stub7, name, args, {}, "bench", "Stub7");
  }
}

// The plugin's baseline: a custom resource of the minimal plugin (bench/minimal-plugin), whose
// create echoes its inputs, served by the SDK's own provider server.
class PluginMinimal extends pulumi.CustomResource {
  constructor(name, args) {
    super("cvmbench:index:Minimal", name, args, {});
  }
}

const { CvmSecrets } = require("pulumi-cvm-secrets");
let plugin;
try {
  plugin = require("pulumi-cvm-secrets/plugin");
} catch {}
if (kind === "state") {
  new CvmSecrets("secrets", { cvms: [cvms[0]], env });
  new Minimal("minimal-secrets", { cvms: [cvms[0]], env });
  const registryArgs = { type: "ghcr", username: "acme-bot", token: cfg.requireSecret("tokenValue") };
  let RegistryCredential;
  try {
    RegistryCredential = require("pulumi-cvm-secrets").RegistryCredential;
  } catch {}
  if (RegistryCredential) {
    new RegistryCredential("registry", registryArgs);
    new Minimal("minimal-registry", registryArgs);
  }
  // The same resources through the resource provider plugin (bin/ on PATH), and the minimal
  // plugin resource given the same inputs.
  if (plugin) {
    new plugin.CvmSecrets("plugin-secrets", { cvms: [cvms[1]], env });
    new plugin.RegistryCredential("plugin-registry", registryArgs);
    new PluginMinimal("plugin-minimal-secrets", { cvms: [cvms[1]], env });
    new PluginMinimal("plugin-minimal-registry", registryArgs);
  }
} else {
  cvms.forEach((cvm, i) => {
    if (kind === "cvm") new CvmSecrets("secrets-" + i, { cvms: [cvm], env });
    else if (kind === "stub7") new Stub7("stub7-" + i, { cvms: [cvm], env });
    else if (kind === "plugin") new plugin.CvmSecrets("secrets-" + i, { cvms: [cvm], env });
    else if (kind === "plugin-minimal") new PluginMinimal("minimal-" + i, { cvms: [cvm], env });
    else new Minimal("minimal-" + i, { cvms: [cvm], env });
  });
}
`;

export interface Workspace {
  /** Directory of the program. */
  dir: string;
  /** Environment every command runs with (PATH holds the pulumi CLI first). */
  env: NodeJS.ProcessEnv;
  run(
    args: string[],
    extraEnv?: NodeJS.ProcessEnv,
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  ok(args: string[], extraEnv?: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }>;
  dispose(): void;
}

/** A scratch program directory, a private Pulumi home and a file:// backend. */
export function workspace(env: NodeJS.ProcessEnv, program = PROGRAM): Workspace {
  const scratch = mkdtempSync(path.join(tmpdir(), "cvms-bench-"));
  const dir = path.join(scratch, "program");
  for (const d of [dir, path.join(scratch, "home"), path.join(scratch, "state")]) mkdirSync(d);
  writeFileSync(path.join(dir, "Pulumi.yaml"), "name: bench\nruntime: nodejs\ndescription: benchmark\n");
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "bench", private: true, main: "index.js" }),
  );
  writeFileSync(path.join(dir, "index.js"), program);
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: [PLUGIN_BIN, MINIMAL_PLUGIN_BIN, TOOLCHAIN_BIN, NODE_BIN, process.env.PATH ?? ""].join(
      path.delimiter,
    ),
    PULUMI_HOME: path.join(scratch, "home"),
    PULUMI_BACKEND_URL: `file://${path.join(scratch, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "bench-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    NODE_OPTIONS: undefined,
    NODE_ENV: undefined,
    ...env,
  };
  const run: Workspace["run"] = (args, extraEnv = {}) =>
    new Promise((resolve, reject) => {
      const options: SpawnOptions = {
        cwd: dir,
        env: { ...base, ...extraEnv },
        stdio: ["ignore", "pipe", "pipe"],
      };
      const child = spawn(path.join(TOOLCHAIN_BIN, "pulumi"), args, options);
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr?.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  return {
    dir,
    env: base,
    run,
    async ok(args, extraEnv) {
      const r = await run(args, extraEnv);
      if (r.code !== 0)
        throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
      return r;
    },
    dispose: () => rmSync(scratch, { recursive: true, force: true }),
  };
}

export async function cvmsOn(emu: Emulator, n: number): Promise<string[]> {
  const app = await emu.admin.createApp();
  const ids: string[] = [];
  for (let i = 0; i < n; i++)
    ids.push((await emu.admin.createCvm({ name: `bench-${i}-node`, app_id: app.app_id })).id);
  return ids;
}

export async function stack(
  emu: Emulator,
  kind: string,
  cvms: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Workspace> {
  const ws = workspace({ BENCH_KIND: kind, BENCH_CVMS: JSON.stringify(cvms), ...env });
  await ws.ok(["stack", "init", "bench", ...QUIET]);
  await ws.ok(["config", "set", "cvm-secrets:apiUrl", emu.url]);
  await ws.ok(["config", "set", "--secret", "cvm-secrets:apiKey", emu.apiKey]);
  await ws.ok(["config", "set", "--secret", "apiKeyValue", "sk_bench_value_1"]);
  await ws.ok(["config", "set", "--secret", "dbUrlValue", "postgres://bench:pw@db/app"]);
  await ws.ok(["config", "set", "--secret", "tokenValue", "ghp_benchtoken0123456789"]);
  return ws;
}

// ---------------------------------------------------------------------------------------------
// 1. state cost

export async function runStateCost(log: (line: string) => void): Promise<{ rows: Row[]; markdown?: string }> {
  const emu = await startEmulator({ restartMs: 20 });
  const ws = await stack(emu, "state", await cvmsOn(emu, 2));
  try {
    await ws.ok(["up", "--yes", "--skip-preview", ...QUIET]);
    const exported = JSON.parse((await ws.ok(["stack", "export"])).stdout) as {
      deployment: {
        resources: Array<{
          urn: string;
          inputs?: Record<string, unknown>;
          outputs?: Record<string, unknown>;
        }>;
      };
    };
    const byName = (name: string) => exported.deployment.resources.find((r) => r.urn.endsWith(`::${name}`));
    const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value ?? null));
    const rows: Row[] = [];
    for (const [name, baseline, label] of [
      ["secrets", "minimal-secrets", "CvmSecrets (1 CVM, 2 keys)"],
      ["registry", "minimal-registry", "RegistryCredential (ghcr, no verify)"],
      ["plugin-secrets", "plugin-minimal-secrets", "CvmSecrets through the provider plugin (1 CVM, 2 keys)"],
      [
        "plugin-registry",
        "plugin-minimal-registry",
        "RegistryCredential through the provider plugin (ghcr, no verify)",
      ],
    ] as const) {
      const ours = byName(name);
      const base = byName(baseline);
      if (!ours || !base) {
        log(`[bench] state: ${label} not in the stack (class missing?)`);
        continue;
      }
      const provider = bytes(ours.outputs?.__provider);
      const baseProvider = bytes(base.outputs?.__provider);
      const whole = bytes(ours);
      const baseWhole = bytes(base);
      if (name.startsWith("plugin-")) {
        // No `__provider` at all: the code lives in the plugin, not in state. Baseline: the
        // minimal plugin resource given the same inputs; the minimal dynamic one for scale.
        const dynamicMinimal = bytes(byName(baseline.replace("plugin-minimal-", "minimal-")));
        const plus = (d: number): string => `${d >= 0 ? "+" : ""}${d}`;
        rows.push({
          benchmark: "state",
          case: `${label}: whole resource`,
          value: whole,
          baseline: baseWhole,
          unit: "bytes",
          target: "≤ baseline + 1.2 KB",
          met: whole - baseWhole <= 1229,
          note: `${plus(whole - baseWhole)} bytes against the minimal plugin resource (inputs ${bytes(ours.inputs)}, outputs ${bytes(ours.outputs)}, no \`__provider\`); ${plus(whole - dynamicMinimal)} against the minimal dynamic resource (${dynamicMinimal})`,
        });
        continue;
      }
      rows.push({
        benchmark: "state",
        case: `${label}: \`__provider\` (one copy; state holds two)`,
        value: provider,
        baseline: baseProvider,
        unit: "bytes",
        target: "≤ baseline + 2 KB",
        met: provider - baseProvider <= 2048,
        note: `+${provider - baseProvider} bytes`,
      });
      rows.push({
        benchmark: "state",
        case: `${label}: whole resource`,
        value: whole,
        baseline: baseWhole,
        unit: "bytes",
        target: "≤ baseline + 2 KB",
        met: whole - baseWhole <= 2048,
        note: `+${whole - baseWhole} bytes (inputs ${bytes(ours.inputs)}, outputs ${bytes(ours.outputs)})`,
      });
    }
    return { rows };
  } finally {
    ws.dispose();
    await emu.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. engine overhead

const SIZES = (process.env.BENCH_ENGINE_N ?? "10,50,200").split(",").map(Number);
/** Runs per kind: 3, and 5 at the largest N (where the target applies). */
const runsFor = (n: number): number => (n === Math.max(...SIZES) ? 5 : 3);

interface Measured {
  preview: number[];
  noop: number[];
  create: number;
  requests: Record<string, number>;
  writes: number;
}

type Kind = "cvm" | "minimal" | "stub7" | "plugin" | "plugin-minimal";

/** One kind's stack, created; `time` runs one measured command. */
async function prepared(
  kind: Kind,
  n: number,
): Promise<{
  emu: Emulator;
  ws: Workspace;
  out: Measured;
  before: Awaited<ReturnType<Emulator["admin"]["counts"]>>;
}> {
  const emu = await startEmulator({ restartMs: 20 });
  const ws = await stack(emu, kind, await cvmsOn(emu, n));
  const created = await timeAsync(() => ws.ok(["up", "--yes", "--skip-preview", ...QUIET]));
  const out: Measured = { preview: [], noop: [], create: created.ms, requests: {}, writes: 0 };
  return { emu, ws, out, before: await emu.admin.counts() };
}

/** The pairs the engine benchmark compares: each kind against the minimal resource of its kind. */
const PAIRS = [
  { ours: "cvm", base: "minimal", label: "CvmSecrets", target: 1.2 },
  { ours: "plugin", base: "plugin-minimal", label: "CvmSecrets through the plugin", target: 1.1 },
] as const;
const KINDS: readonly Kind[] = ["minimal", "cvm", "plugin-minimal", "plugin"];
const KIND_LABEL: Record<Kind, string> = {
  minimal: "minimal dynamic",
  cvm: "CvmSecrets",
  stub7: "stub7",
  plugin: "CvmSecrets (plugin)",
  "plugin-minimal": "minimal plugin",
};

/**
 * Every kind for one N, runs interleaved (each kind's preview, then each kind's no-op, …) so
 * drift on a shared machine hits all alike.
 */
async function measureKinds(n: number, log: (line: string) => void): Promise<Record<string, Measured>> {
  const kinds: Array<[Kind, Awaited<ReturnType<typeof prepared>>]> = [];
  try {
    for (const kind of KINDS) kinds.push([kind, await prepared(kind, n)]);
    for (let i = 0; i < runsFor(n); i++) {
      for (const [, k] of kinds) {
        k.out.preview.push((await timeAsync(() => k.ws.ok(["preview", "--expect-no-changes", ...QUIET]))).ms);
      }
      for (const [, k] of kinds) {
        const noop = ["up", "--yes", "--skip-preview", "--expect-no-changes", ...QUIET];
        k.out.noop.push((await timeAsync(() => k.ws.ok(noop))).ms);
      }
    }
    const out: Record<string, Measured> = {};
    for (const [kind, k] of kinds) {
      const after = await k.emu.admin.counts();
      for (const [route, v] of Object.entries(after.requests)) {
        const d = v - (k.before.requests[route] ?? 0);
        if (d !== 0) k.out.requests[route] = d;
      }
      k.out.writes = after.writes - k.before.writes;
      log(
        `[bench] engine ${KIND_LABEL[kind]} N=${n}: create ${Math.round(k.out.create)} ms, preview ${k.out.preview.map(Math.round).join("/")} ms, no-op up ${k.out.noop.map(Math.round).join("/")} ms`,
      );
      out[kind] = k.out;
    }
    return out;
  } finally {
    for (const [, k] of kinds) {
      k.ws.dispose();
      await k.emu.close();
    }
  }
}

export async function runOverhead(log: (line: string) => void): Promise<{ rows: Row[]; markdown?: string }> {
  const rows: Row[] = [];
  const lines = [
    "| N | emulator requests during all previews and no-op ups: CvmSecrets (dynamic) | writes | CvmSecrets (plugin) | writes |",
    "|---:|---|---:|---|---:|",
  ];
  const medians: Array<{ n: number; m: Record<string, { preview: number; noop: number }> }> = [];
  for (const n of SIZES) {
    const measured = await measureKinds(n, log);
    const atTarget = n === Math.max(...SIZES);
    for (const pair of PAIRS) {
      const ours = measured[pair.ours] as Measured;
      const base = measured[pair.base] as Measured;
      for (const [what, a, b] of [
        ["preview", ours.preview, base.preview],
        ["no-op up", ours.noop, base.noop],
      ] as const) {
        rows.push({
          benchmark: "engine",
          case: `N = ${n}: ${pair.label}: ${what} (baseline: ${KIND_LABEL[pair.base]})`,
          value: median(a),
          baseline: median(b),
          unit: "ms",
          ...(atTarget
            ? { target: `≤ ${pair.target} × baseline`, met: median(a) <= pair.target * median(b) }
            : {}),
          note: `median of ${a.length} (runs: ${a.map(Math.round).join(", ")} vs ${b.map(Math.round).join(", ")})`,
        });
      }
      rows.push({
        benchmark: "engine",
        case: `N = ${n}: ${pair.label}: first up (create, for scale)`,
        value: ours.create,
        baseline: base.create,
        unit: "ms",
        note: "one run; CvmSecrets pushes and waits for a 20 ms emulated restart per CVM",
      });
    }
    // Across kinds, for scale: the plugin against the minimal dynamic resource.
    const plugin = measured.plugin as Measured;
    const minimal = measured.minimal as Measured;
    rows.push({
      benchmark: "engine",
      case: `N = ${n}: CvmSecrets through the plugin: preview (baseline: minimal dynamic)`,
      value: median(plugin.preview),
      baseline: median(minimal.preview),
      unit: "ms",
      note: "for scale, across kinds",
    });
    const cvm = measured.cvm as Measured;
    lines.push(
      `| ${n} | ${JSON.stringify(cvm.requests).replace(/\|/g, "\\|")} | ${cvm.writes} | ${JSON.stringify(plugin.requests).replace(/\|/g, "\\|")} | ${plugin.writes} |`,
    );
    medians.push({
      n,
      m: Object.fromEntries(
        Object.entries(measured).map(([k, v]) => [k, { preview: median(v.preview), noop: median(v.noop) }]),
      ),
    });
  }
  if (medians.length > 1) {
    const lo = medians[0]!;
    const hi = medians[medians.length - 1]!;
    const slope = (kind: Kind, what: "preview" | "noop"): string =>
      ((hi.m[kind]![what] - lo.m[kind]![what]) / (hi.n - lo.n)).toFixed(1);
    lines.push(
      "",
      `Growth from N = ${lo.n} to N = ${hi.n}, ms per extra resource, preview / no-op up: ${KINDS.map((k) => `${KIND_LABEL[k]} ${slope(k, "preview")} / ${slope(k, "noop")}`).join("; ")}.`,
    );
  }
  return { rows, markdown: lines.join("\n") };
}

/**
 * Where the engine overhead comes from, at the largest N: previews of the baseline, of the
 * baseline grown to seven provider methods (stub7), and of CvmSecrets, interleaved; plus the
 * snapshot size of each stack.
 */
export async function runAttribution(
  log: (line: string) => void,
): Promise<{ rows: Row[]; markdown?: string }> {
  const n = Math.max(...SIZES);
  const runs = 3;
  const kinds = {
    minimal: await prepared("minimal", n),
    stub7: await prepared("stub7", n),
    cvm: await prepared("cvm", n),
  };
  try {
    for (let i = 0; i < runs; i++) {
      for (const k of Object.values(kinds)) {
        k.out.preview.push((await timeAsync(() => k.ws.ok(["preview", "--expect-no-changes", ...QUIET]))).ms);
      }
    }
    const snapshot: Record<string, number> = {};
    for (const [name, k] of Object.entries(kinds)) {
      snapshot[name] = Buffer.byteLength((await k.ws.ok(["stack", "export"])).stdout);
      log(
        `[bench] attribution ${name} N=${n}: preview ${k.out.preview.map(Math.round).join("/")} ms, snapshot ${snapshot[name]} bytes`,
      );
    }
    const base = median(kinds.minimal.out.preview);
    const rows: Row[] = (["stub7", "cvm"] as const).map(
      (name): Row => ({
        benchmark: "engine",
        case: `N = ${n}: preview, ${name === "stub7" ? "baseline grown to 7 provider methods" : "CvmSecrets"}`,
        value: median(kinds[name].out.preview),
        baseline: base,
        unit: "ms",
        note: `median of ${runs}; snapshot ${Math.round(snapshot[name]! / 1024)} KiB vs ${Math.round(snapshot.minimal! / 1024)} KiB`,
      }),
    );
    rows.push(...(await providerCosts(n)));
    return { rows };
  } finally {
    for (const k of Object.values(kinds)) {
      k.ws.dispose();
      await k.emu.close();
    }
  }
}

/** The provider's own share: loading the implementation, and check + diff of n resources. */
async function providerCosts(n: number): Promise<Row[]> {
  // In a fresh process that has loaded the SDK already (as the dynamic-provider host has).
  const load = (module: string): number => {
    const script = `require("@pulumi/pulumi");const t=process.hrtime.bigint();require(${JSON.stringify(module)});console.log(Number(process.hrtime.bigint()-t)/1e6)`;
    return Number(execFileSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" }).trim());
  };
  const sdk = (): number => {
    const script = `const t=process.hrtime.bigint();require("@pulumi/pulumi");console.log(Number(process.hrtime.bigint()-t)/1e6)`;
    return Number(execFileSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" }).trim());
  };
  const loads = [0, 1, 2].map(() => load("#internal/provider/cvm-secrets/index"));
  const sdkLoads = [0, 1, 2].map(sdk);
  const impl = (await import("#internal/provider/cvm-secrets/index")) as {
    check(
      o: Record<string, unknown>,
      n: Record<string, unknown>,
    ): Promise<{ inputs?: Record<string, unknown> }>;
    diff(id: string, o: Record<string, unknown>, n: Record<string, unknown>): Promise<unknown>;
  };
  const original = console.error;
  console.error = () => {};
  const times: number[] = [];
  try {
    for (let r = 0; r < 5; r++) {
      const { ms } = await timeAsync(async () => {
        for (let i = 0; i < n; i++) {
          const cvm = `cvm_bench${i}`;
          const news = {
            resourceName: `secrets-${i}`,
            cvms: [cvm],
            env: { API_KEY: "a", DB_URL: "b" },
            __provider: "x",
          };
          const checked = (await impl.check({}, news)).inputs ?? {};
          await impl.diff("id", { ...checked, applied: { [cvm]: "x" } }, checked);
        }
      });
      times.push(ms);
    }
  } finally {
    console.error = original;
  }
  return [
    {
      benchmark: "engine",
      case: "provider process: require() of the implementation (once per CLI run)",
      value: median(loads),
      baseline: median(sdkLoads),
      unit: "ms",
      note: "median of 3 fresh node processes, after the SDK is loaded; baseline: loading @pulumi/pulumi itself, which every dynamic provider host pays",
    },
    {
      benchmark: "engine",
      case: `provider: check + diff of ${n} resources, in-process`,
      value: median(times),
      baseline: 0,
      unit: "ms",
      note: "median of 5; the provider's own compute in a no-op",
    },
  ];
}

export const NOTES = `### State

The baseline resource is a dynamic resource whose provider has only \`create\` (echoing its
inputs); it gets the same inputs (\`cvms\`, \`env\` of two secret values) in the same program.
\`__provider\` is stored twice per resource (inputs and outputs). The CvmSecrets and
RegistryCredential \`__provider\` is a stub (provider/dynamic/*-stub.ts): seven methods (configure, check,
diff, create, update, delete, read), each one line that \`require()\`s the installed
implementation through a short export alias, so it does not grow with the implementation.
Pulumi's closure serializer wraps every method in ≈ 270 bytes of boilerplate
(\`function __fN(…) { return (function() { with({…}) { return async function … }}).apply(…) }\`),
and the baseline has one method against seven: that is nearly all of the difference per copy,
which sits just inside the 2 KB margin. The whole resource misses the margin: it holds two
copies of \`__provider\` (≈ 2 × 2 KB over the baseline) plus the outputs (fingerprints, per-CVM
applied digests, app ids, pinned keys, compose hashes, lastRollout; ≈ 1.4 KB for one CVM).
What would move it: dropping a method the engine can do without (\`configure\` folded into the
others saves ≈ 300 bytes per copy, ≈ 600 per resource); fewer or shorter outputs. Meeting
2 KB for the whole resource would need the duplicate \`__provider\` copy gone, which is the
engine's choice, not the provider's.

### Engine

Whole CLI runs (\`pulumi preview --expect-no-changes\` and \`pulumi up --yes --skip-preview
--expect-no-changes\`) of a plain-JavaScript program (no TypeScript compile on either side), runs
of the four kinds interleaved so drift on the shared machine hits all alike; 3 runs per kind
at N = 10 and 50, 5 at N = 200. This is a 2-core machine shared with other work: single runs
vary by ±30 %, so ratios within ≈ 0.2 of 1 are inside the noise. Most of each run is fixed cost
common to every kind (CLI start, language host, plugin start, snapshot write).

The plugin pair compares \`CvmSecrets\` through \`pulumi-resource-cvm-secrets\` with a minimal plugin
resource (\`bench/minimal-plugin/pulumi-resource-cvmbench\`: create-only, echoing the same inputs,
served by the SDK's own provider server on the same Node runtime, gRPC library and stubs — the
floor every Node-based plugin pays). CPU profiles of a preview at N = 200 (\`--cpu-prof\` in the
program and the plugin) found where the plugin's time went, and three changes followed:
(1) the program: the SDK captures a stack trace for each of four promises per registered
property (\`debuggablePromise\` in \`transferProperties\`), formatted through the program runner's
source-map support; a resource that registered 16 properties (its arguments, undefined ones
included, and seven outputs) against the minimal resource's 2 spent most of the program's time
there (constructing one, under source-map support: 20.4 ms against 4.8 ms). Arguments left out
are no longer registered, and while a resource of this package registers, the stack-trace limit
is 0 unless \`PULUMI_DEBUG_PROMISE_LEAKS\` is set (the SDK prints those stacks only then):
2.8 ms per resource. (2) The plugin process loaded the whole implementation at start (the HTTP
client with undici, zod through the registry schemas, yaml, the curves; ≈ 0.45 s of CPU) though
a preview runs only check and diff; the write paths now load on first use (the dynamic
provider's process too). (3) What remains per resource is the gRPC round trips of Check and
Diff with a larger property set (protobuf \`Struct\` decoding) and a larger snapshot.

For the dynamic pair, section 2b attributes the difference at N = 200: the baseline grown to
the stub's seven methods costs nothing measurable over the baseline although its snapshot is
far larger, so neither \`__provider\` size nor method count is the cause; the provider's own
compute is small (check + diff of all resources, in-process, tens of ms). The rest was the
program side and the provider's start, which the changes above address for both kinds.

The no-op makes zero API requests, reads
included: \`check\` and \`diff\` are pure (no key fetch; no \`read\` without \`--refresh\`), so the
emulator sees nothing at all.`;
