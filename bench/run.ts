/**
 * Runs every benchmark and writes bench/RESULTS.md: `npm run bench` (all), or
 * `npm run bench -- crypto rollout` (some; RESULTS.md is written only for a full run unless
 * `--write` is given).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as crypto from "./crypto.ts";
import * as engine from "./engine.ts";
import * as faults from "./faults.ts";
import { fmt, machine, type Row, ratio } from "./harness.ts";
import * as kill from "./kill.ts";
import { mergeResults } from "./results-file.ts";
import * as rollout from "./rollout.ts";

// `node bench/run.ts`: argv[1] is this file (no import.meta: tsconfig type-checks as CommonJS).
const HERE = path.dirname(path.resolve(process.argv[1] ?? "bench/run.ts"));
const ROOT = path.resolve(HERE, "..");
const PULUMI = path.join(ROOT, ".toolchain", "bin", "pulumi");

interface SectionResult {
  rows: Row[];
  markdown?: string;
  /** Targets missed that are not rows (e.g. fault cases that did not converge). */
  missed?: string[];
}

interface Section {
  name: string;
  title: string;
  run: (log: (line: string) => void) => Promise<SectionResult>;
  result?: SectionResult;
  /** How long it took, when it ran. */
  seconds?: number;
}

const SECTIONS: Section[] = [
  {
    name: "state",
    title: "1. State cost (`pulumi stack export`, bytes per resource)",
    run: async (log) => engine.runStateCost(log),
  },
  {
    name: "engine",
    title: "2. Engine overhead (`pulumi preview` and a no-op `pulumi up`, ms)",
    run: async (log) => engine.runOverhead(log),
  },
  {
    name: "attribution",
    title: "2b. Engine overhead, attributed (N = 200, preview)",
    run: async (log) => engine.runAttribution(log),
  },
  {
    name: "rollout",
    title: "3. Rollout (rotate one key across 20 CVMs)",
    run: async (log) => ({ rows: await rollout.run(log) }),
  },
  {
    name: "crypto",
    title: "4. Crypto (`encryptEnv`, ms per call)",
    run: async () => ({ rows: crypto.run() }),
  },
  {
    name: "faults",
    title: "5. Gauntlet: faults at every rollout call site, and the Pulumi process killed (3 replicas)",
    run: async (log) => {
      const matrix = await faults.runMatrix(log);
      const killed = await kill.runKill(log);
      const all = [...matrix.results, ...killed];
      return {
        rows: [],
        markdown: faults.matrixMarkdown(all),
        missed: all
          .filter((r) => !r.survived || !r.converged)
          .map(
            (r) =>
              `faults: ${r.name} — ${r.survived ? "survived" : "did not survive"}, ${r.converged ? "converged" : `did not converge as required (next up restarted ${r.restarted.join(", ") || "none"}; not done before it: ${r.expected.join(", ") || "none"})`}.`,
          ),
      };
    },
  },
];

function table(rows: readonly Row[]): string {
  const lines = [
    "| case | value | baseline | ratio | unit | target | met | note |",
    "|---|---:|---:|---:|---|---|---|---|",
  ];
  for (const r of rows) {
    const met = r.met === undefined ? "" : r.met ? "yes" : "**no**";
    lines.push(
      `| ${r.case} | ${fmt(r.value)} | ${fmt(r.baseline)} | ${ratio(r.value, r.baseline)} | ${r.unit} | ${r.target ?? ""} | ${met} | ${r.note ?? ""} |`,
    );
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const wanted = args.filter((a) => !a.startsWith("--"));
  const write = wanted.length === 0 || args.includes("--write");
  const started = Date.now();
  const log = (line: string): void => console.log(line);
  for (const section of SECTIONS) {
    if (wanted.length > 0 && !wanted.includes(section.name)) continue;
    const t0 = Date.now();
    log(`[bench] ${section.title}`);
    const result = await section.run(log);
    section.result = result;
    section.seconds = (Date.now() - t0) / 1000;
    if (result.rows.length > 0) log(table(result.rows));
    if (result.markdown) log(result.markdown);
    log(`[bench] ${section.name}: ${section.seconds.toFixed(1)} s`);
  }
  const partial = wanted.length > 0;
  const seconds = (Date.now() - started) / 1000;
  if (!write) return;
  const m = machine(PULUMI);
  const sdk = (
    createRequire(path.join(ROOT, "package.json"))("@pulumi/pulumi/package.json") as { version: string }
  ).version;
  const out: string[] = [
    "# Benchmark results",
    "",
    `Reproduce: \`npm run bench\` (= \`node bench/run.ts\`; needs \`npm run toolchain\` and \`npm run build\` first). Written ${new Date().toISOString()}; the whole run took ${Math.round(seconds)} s.`,
    "",
    "Every value is a median over repeated runs; every baseline was measured in the same run on the",
    "same machine. Ratios are value / baseline.",
    "",
    "| machine | |",
    "|---|---|",
    ...Object.entries({ ...m, "@pulumi/pulumi (SDK)": sdk }).map(([k, v]) => `| ${k} | ${v} |`),
    "",
  ];
  for (const section of SECTIONS) {
    if (!section.result) continue;
    out.push(`## ${section.title}`, "");
    if (partial) {
      out.push(
        `_Re-measured ${new Date().toISOString()} with \`node bench/run.ts ${section.name} --write\` (${Math.round(section.seconds ?? 0)} s); a section without this line is from the run the header names._`,
        "",
      );
    }
    if (section.result.rows.length > 0) out.push(table(section.result.rows), "");
    if (section.result.markdown) out.push(section.result.markdown, "");
  }
  const missed = [
    ...SECTIONS.flatMap((s) => s.result?.rows ?? [])
      .filter((r) => r.met === false)
      .map((r) => `${r.benchmark}: ${r.case} — ${fmt(r.value)} ${r.unit} against ${r.target}.`),
    ...SECTIONS.flatMap((s) => s.result?.missed ?? []),
  ];
  out.push("## Targets missed", "", "What limits each one and what would move it is in the notes below.", "");
  if (missed.length === 0) out.push("None.", "");
  else out.push(...missed.map((m) => `- ${m}`), "");
  out.push(NOTES, "");
  const file = path.join(HERE, "RESULTS.md");
  const fresh = out.join("\n");
  // A partial run replaces only the sections it measured (and their targets missed).
  const text =
    partial && existsSync(file)
      ? mergeResults(readFileSync(file, "utf8"), fresh, SECTIONS, new Set(wanted))
      : fresh;
  writeFileSync(file, text);
  log(`[bench] wrote bench/RESULTS.md in ${Math.round(seconds)} s`);
}

/** What the numbers mean and what limits them (kept in sync with the measurements by hand). */
const NOTES = `## Notes

${engine.NOTES}

${rollout.NOTES}

${crypto.NOTES}

${faults.NOTES}`;

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
