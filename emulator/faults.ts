/**
 * The fault plan: for chosen routes (and optionally one CVM), answer with a status code, add
 * latency, drop the connection, or make the next boot fail — for the next N matching calls or
 * with a seeded probability.
 */

/** A fault as posted to `POST /_emulator/faults`. */
export interface FaultSpec {
  /** Route key as in `/_emulator/counts` (`"PATCH /cvms/{id}/envs"`), or `"*"` for any route. */
  route?: string;
  /** Restrict to one CVM (any id form; resolved to its `cvm_` id when it exists). */
  cvm?: string;
  /** Answer with this status (429 carries `Retry-After`, 409 the busy message, others a FastAPI detail). */
  status?: number;
  /** `Retry-After` seconds for 429/503 answers (default 1). */
  retryAfter?: number;
  /** Delay before answering (or before the real handler when no status/drop is set). */
  latencyMs?: number;
  /** Destroy the socket without answering. */
  drop?: boolean;
  /** The next boot of the CVM (or of any CVM) fails with this `boot_error`. */
  bootError?: string;
  /** Only the next N matching calls (default: unlimited; boot faults default to 1). */
  times?: number;
  /** Fire with this probability (0..1) per matching call. */
  probability?: number;
  /** Seed of the probability's PRNG (deterministic runs). */
  seed?: number;
}

/** A request fault that fired. */
export interface FiredFault {
  status?: number;
  retryAfter?: number;
  latencyMs?: number;
  drop?: boolean;
}

interface Fault {
  id: string;
  spec: FaultSpec;
  remaining: number;
  random: () => number;
}

/** mulberry32: a small seeded PRNG. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Checks a posted fault; returns a list of problems (empty = valid). */
export function checkFaultSpec(spec: unknown): string[] {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) return ["the body must be an object"];
  const s = spec as Record<string, unknown>;
  const problems: string[] = [];
  const optional = (key: string, type: string) => {
    if (s[key] !== undefined && typeof s[key] !== type) problems.push(`${key} must be a ${type}`);
  };
  optional("route", "string");
  optional("cvm", "string");
  optional("status", "number");
  optional("retryAfter", "number");
  optional("latencyMs", "number");
  optional("drop", "boolean");
  optional("bootError", "string");
  optional("times", "number");
  optional("probability", "number");
  optional("seed", "number");
  if (s["route"] === undefined && s["bootError"] === undefined)
    problems.push("route or bootError is required");
  if (
    typeof s["status"] === "number" &&
    !(Number.isInteger(s["status"]) && s["status"] >= 400 && s["status"] <= 599)
  ) {
    problems.push("status must be an integer from 400 to 599");
  }
  if (typeof s["probability"] === "number" && !(s["probability"] >= 0 && s["probability"] <= 1)) {
    problems.push("probability must be between 0 and 1");
  }
  if (typeof s["times"] === "number" && !(Number.isInteger(s["times"]) && s["times"] >= 1)) {
    problems.push("times must be a positive integer");
  }
  return problems;
}

/** The active faults. */
export class FaultPlan {
  private faults: Fault[] = [];
  private nextId = 1;

  /** Adds a (checked) fault; `cvm` should already be resolved to a `cvm_` id when possible. */
  add(spec: FaultSpec): string {
    const id = `fault_${this.nextId++}`;
    const defaultTimes =
      spec.bootError !== undefined && spec.route === undefined ? 1 : Number.POSITIVE_INFINITY;
    this.faults.push({
      id,
      spec,
      remaining: spec.times ?? defaultTimes,
      random: mulberry32(spec.seed ?? Math.floor(Math.random() * 2 ** 32)),
    });
    return id;
  }

  /** Removes every fault. */
  clear(): void {
    this.faults = [];
  }

  /** The active faults, for inspection. */
  list(): Array<FaultSpec & { id: string; remaining: number | null }> {
    return this.faults.map((f) => ({
      ...f.spec,
      id: f.id,
      remaining: Number.isFinite(f.remaining) ? f.remaining : null,
    }));
  }

  private fires(fault: Fault): boolean {
    const p = fault.spec.probability;
    if (p !== undefined && fault.random() >= p) return false;
    fault.remaining--;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return true;
  }

  /** The request fault for this call, if one matches and fires (consumes one of its `times`). */
  matchRequest(route: string, cvmId: string | undefined): FiredFault | undefined {
    for (const fault of this.faults) {
      const { spec } = fault;
      if (spec.route === undefined) continue;
      if (spec.route !== "*" && spec.route !== route) continue;
      if (spec.cvm !== undefined && spec.cvm !== cvmId) continue;
      if (spec.status === undefined && spec.latencyMs === undefined && !spec.drop) continue;
      if (!this.fires(fault)) continue;
      return {
        ...(spec.status !== undefined ? { status: spec.status } : {}),
        ...(spec.retryAfter !== undefined ? { retryAfter: spec.retryAfter } : {}),
        ...(spec.latencyMs !== undefined ? { latencyMs: spec.latencyMs } : {}),
        ...(spec.drop ? { drop: true } : {}),
      };
    }
    return undefined;
  }

  /** The injected boot error for this CVM's boot, if any (consumes one of its `times`). */
  takeBootFault(cvmId: string): string | undefined {
    for (const fault of this.faults) {
      const { spec } = fault;
      if (spec.bootError === undefined) continue;
      if (spec.cvm !== undefined && spec.cvm !== cvmId) continue;
      if (!this.fires(fault)) continue;
      return spec.bootError;
    }
    return undefined;
  }
}
