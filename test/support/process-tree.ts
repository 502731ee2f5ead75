/**
 * A process and everything it started, for the tests and the bench that SIGKILL `pulumi up`
 * mid-rollout. SIGKILL to all of them is what a machine crash or an OOM kill of the job does; a
 * signal to the CLI's process group alone does not reach the resource provider (the CLI starts
 * plugins in process groups of their own). Plain TypeScript with no imports of its own but
 * Node's, so bench/ can load it under Node's type stripping too.
 */
import { execFileSync } from "node:child_process";

/** `pid` and every descendant, from one `ps` listing. */
export function descendants(pid: number): Set<number> {
  const table = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [child, parent] of table) {
      if (tree.has(parent) && !tree.has(child)) {
        tree.add(child);
        grew = true;
      }
    }
  }
  return tree;
}

/** SIGKILLs each pid; returns how many were still alive. */
export function killAll(pids: Iterable<number>): number {
  let alive = 0;
  for (const p of pids) {
    try {
      process.kill(p, "SIGKILL");
      alive++;
    } catch {
      // already gone
    }
  }
  return alive;
}

/** The command line of each pid still running, from one `ps` listing. */
export function commandLines(pids: Iterable<number>): Map<number, string> {
  const wanted = new Set(pids);
  const out = new Map<number, string>();
  for (const line of execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" }).split("\n")) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (m && wanted.has(Number(m[1]))) out.set(Number(m[1]), m[2]!);
  }
  return out;
}
