/** Small helpers shared by the benchmarks: timing, medians, the result row shape, the machine. */
import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";

export interface Row {
  benchmark: string;
  case: string;
  value: number;
  baseline: number;
  unit: string;
  /** The target this row is judged against, in words (e.g. "≤ 1.2 × baseline"). */
  target?: string;
  /** Whether the target was met (undefined when the row has no target). */
  met?: boolean;
  note?: string;
}

/** Wall-clock milliseconds of each of `iterations` calls, after a short warm-up. */
export function timeIt(fn: () => unknown, iterations: number): number[] {
  for (let i = 0; i < Math.min(20, iterations); i++) fn();
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    fn();
    out.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return out;
}

/** Wall-clock milliseconds of one async call. */
export async function timeAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rounds for display: 3 significant digits below 10, else 1 decimal below 1000, else integer. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toString();
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toPrecision(3);
}

export function ratio(value: number, baseline: number): string {
  return baseline === 0 ? "—" : `${(value / baseline).toFixed(2)}×`;
}

/** CPU model, cores, memory, OS, and the versions of Node, the Pulumi CLI and the SDK. */
export function machine(pulumiBin?: string): Record<string, string> {
  const cpu = cpus();
  const out: Record<string, string> = {
    cpu: `${cpu[0]?.model.trim() ?? "unknown"}`,
    cores: String(cpu.length),
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${process.platform} ${process.arch}`,
    node: process.version,
  };
  if (pulumiBin) {
    try {
      out.pulumi = execFileSync(pulumiBin, ["version"], { encoding: "utf8" }).trim();
    } catch {
      out.pulumi = "not found";
    }
  }
  return out;
}
