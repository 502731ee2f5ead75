/**
 * Rolling env pushes (docs/restarts-and-ownership.md): targets restart in waves of `maxUnavailable`; a wave
 * starts only when every CVM of the previous one is `running` and not `in_progress`
 * (`GET /cvms/{id}/state`). The first failure stops the rollout after the CVMs already in
 * flight have settled, and the result says exactly which CVMs carry the new env and are
 * running, so the next `pulumi up` pushes only to the others. A push the API refuses until the
 * app's compose hash is registered on chain (HTTP 465, the first phase of the on-chain flow) stops
 * it the same way, and the result carries what to register as a value.
 */
import type { RegistrationRequired } from "../../api/phala";

/** One CVM to push to. */
export interface RolloutTarget {
  /** CVM id as the user gave it. */
  cvm: string;
  /** Why this CVM restarts (names only). */
  reason: string;
}

/** The I/O a rollout needs; the provider binds it to the Phala Cloud client. */
export interface RolloutPort {
  /**
   * Pushes the env to one CVM (`PATCH /cvms/{id}/envs`); resolves when the API accepted it, or
   * with the API's 465 when it wrote nothing until a compose hash is registered on chain.
   */
  push(target: RolloutTarget): Promise<RegistrationRequired | undefined>;
  /** Resolves when the CVM is `running` and not `in_progress`; rejects on stop, boot error or timeout. */
  waitReady(target: RolloutTarget): Promise<void>;
  /** Told of each step as it happens (for progress lines); must not throw. */
  progress?(event: RolloutEvent): void;
}

/** One step of a rollout, as it happens. `ms` counts from the CVM's push. */
export type RolloutEvent =
  | { kind: "wave"; wave: number; waves: number; cvms: string[] }
  | { kind: "pushed"; cvm: string }
  | { kind: "ready"; cvm: string; ms: number }
  | { kind: "failed"; cvm: string; pushed: boolean; ms: number };

export interface RolloutResult {
  /** CVMs that took the new env and are running again, in completion order. */
  done: string[];
  /** CVMs whose push was accepted but which did not become ready (their state is unknown). */
  failed: Array<{ cvm: string; error: Error }>;
  /** CVMs never touched because the rollout stopped first. */
  untouched: string[];
  /** The first error, when the rollout stopped on one. */
  error?: Error;
  /**
   * When the rollout stopped on a push refused until the app's compose hash is registered on
   * chain: that CVM (in `untouched`) and what to register. The rollout stops on its first cause,
   * so at most one of `error` and `pendingRegistration` is set.
   */
  pendingRegistration?: PendingRegistration;
}

/** A 465 answered to the push to `cvm`. */
export type PendingRegistration = RegistrationRequired & { cvm: string };

/** Splits targets into waves of at most `size`. */
export function waves<T>(targets: readonly T[], size: number): T[][] {
  const width = Math.max(1, Math.floor(size));
  const out: T[][] = [];
  for (let i = 0; i < targets.length; i += width) out.push(targets.slice(i, i + width));
  return out;
}

/** Runs the rollout. Never throws: failures are reported in the result. */
export async function rollOut(
  targets: readonly RolloutTarget[],
  maxUnavailable: number,
  port: RolloutPort,
): Promise<RolloutResult> {
  const result: RolloutResult = { done: [], failed: [], untouched: [] };
  const plan = waves(targets, maxUnavailable);
  const tell = (event: RolloutEvent): void => {
    try {
      port.progress?.(event);
    } catch {
      // progress is best effort: it never changes the rollout
    }
  };
  for (let w = 0; w < plan.length; w++) {
    const wave = plan[w]!;
    tell({ kind: "wave", wave: w + 1, waves: plan.length, cvms: wave.map((t) => t.cvm) });
    const settled = await Promise.all(
      wave.map(async (target): Promise<Settled> => {
        const started = Date.now();
        const failed = (pushed: boolean, error: unknown) => {
          tell({ kind: "failed", cvm: target.cvm, pushed, ms: Date.now() - started });
          return { target, pushed, error: asError(error) };
        };
        try {
          const refused = await port.push(target);
          if (refused) {
            tell({ kind: "failed", cvm: target.cvm, pushed: false, ms: Date.now() - started });
            return { target, pushed: false, error: undefined, refused };
          }
        } catch (error) {
          return failed(false, error);
        }
        tell({ kind: "pushed", cvm: target.cvm });
        try {
          await port.waitReady(target);
        } catch (error) {
          return failed(true, error);
        }
        tell({ kind: "ready", cvm: target.cvm, ms: Date.now() - started });
        return { target, pushed: true, error: undefined };
      }),
    );
    for (const s of settled) {
      const stopped = result.error !== undefined || result.pendingRegistration !== undefined;
      if ("refused" in s) {
        result.untouched.push(s.target.cvm);
        if (!stopped) result.pendingRegistration = { ...s.refused, cvm: s.target.cvm };
        continue;
      }
      if (!s.error) result.done.push(s.target.cvm);
      else if (s.pushed) result.failed.push({ cvm: s.target.cvm, error: s.error });
      else result.untouched.push(s.target.cvm);
      if (s.error && !stopped) result.error = s.error;
    }
    if (result.error || result.pendingRegistration) {
      for (const later of plan.slice(w + 1)) result.untouched.push(...later.map((t) => t.cvm));
      break;
    }
  }
  return result;
}

/** How one push settled: done, failed (pushed or not), or refused by a 465. */
type Settled =
  | { target: RolloutTarget; pushed: boolean; error: Error | undefined }
  | { target: RolloutTarget; pushed: false; error: undefined; refused: RegistrationRequired };

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
