/**
 * Waiting for a CVM to run again after a push: the state stream (`GET /cvms/{id}/state?target=…`,
 * Server-Sent Events `state|complete|timeout|error`) with a polling fallback on `GET /cvms/{id}`,
 * and the schemas of the stream's end events (official SDK shapes). The wait holds its deadline
 * whatever the server does: the stream is cut at it (keep-alive comments do not extend it), and a
 * read of the CVM record still running at the deadline is abandoned, not awaited.
 */
import { CvmSecretsError, ErrorCodes } from "../../errors";
import { cvmSchemas } from "./cvms";
import { cvmPathId } from "./ids";
import { perMode } from "./schemas";
import { clip, safeJson, sleep, type Transport } from "./transport";

/** The end events of the state stream: `complete`, `timeout`, `error`. */
export const sseSchemas = perMode(({ model, str, num }) => {
  const SseComplete = model({ status: str, elapsed: num, target: str }, ["status"]);
  const SseTimeout = model({ error: str, elapsed: num, target: str }, ["error"]);
  const SseError = model({ error: str, elapsed: num, message: str }, ["error"]);
  return { SseComplete, SseTimeout, SseError };
});

const Wire = cvmSchemas("tolerant");

/** The reads readiness is decided on. */
export interface ReadyLookups {
  getCvm(cvm: string): Promise<{ status: string; inProgress: boolean; composeHash?: string }>;
  getState(cvm: string): Promise<{ bootError?: string }>;
}

/** Resolves when the CVM is `running` and not busy; rejects when it settles stopped. */
export async function waitReady(
  t: Transport,
  lookups: ReadyLookups,
  cvm: string,
  waitMs: number,
): Promise<{ composeHash?: string }> {
  const deadline = Date.now() + waitMs;
  const timedOut = () =>
    new CvmSecretsError(
      ErrorCodes.ROLLOUT_FAILED,
      `CVM ${cvm} was not running again within ${Math.round(waitMs / 1000)} s (rollout.readyTimeoutSeconds)`,
      { cvm },
    );
  const stopped = (bootError: string | undefined) =>
    new CvmSecretsError(
      ErrorCodes.ROLLOUT_FAILED,
      `CVM ${cvm} stopped instead of starting${bootError ? `: boot error "${clip(bootError, 200)}"` : ""}. ` +
        "Check its serial log in the Phala Cloud dashboard.",
      { cvm },
    );
  /** Settled? `bootError` from the stream saves a `/state` call. */
  const settled = async (bootError?: string): Promise<{ composeHash?: string } | undefined> => {
    const info = await byDeadline(lookups.getCvm(cvm), deadline, timedOut);
    if (info.status === "running" && !info.inProgress) return { composeHash: info.composeHash };
    if (info.status === "stopped" && !info.inProgress) {
      // CVMInfoDetail has no boot_error; CvmState does.
      const why =
        bootError ??
        (await byDeadline(lookups.getState(cvm), deadline, timedOut).catch(() => undefined))?.bootError;
      throw stopped(why);
    }
    return undefined;
  };
  // Prefer the state stream (`GET /cvms/{id}/state?target=…`); fall back to polling.
  await streamUntilSettled(t, cvm, deadline, settled).catch((error) => {
    if (error instanceof CvmSecretsError && error.code === ErrorCodes.ROLLOUT_FAILED) throw error;
  });
  for (;;) {
    const done = await settled();
    if (done) return done;
    if (Date.now() >= deadline) throw timedOut();
    await sleep(Math.min(deadline - Date.now(), t.pollMs * (0.75 + Math.random() / 2)));
  }
}

/**
 * Reads the SSE state stream until it ends (the server sends `complete` once the status
 * matches the target, `timeout` at its deadline), the CVM settles stopped, or the deadline.
 */
async function streamUntilSettled(
  t: Transport,
  cvm: string,
  deadline: number,
  settled: (bootError?: string) => Promise<unknown>,
): Promise<void> {
  // The server's own timeout (10–600 s); the client's deadline is the one that holds.
  const seconds = Math.max(10, Math.min(600, Math.ceil((deadline - Date.now()) / 1000)));
  const events = await t.events(`/cvms/${cvmPathId(cvm)}/state?target=running&timeout=${seconds}`, deadline);
  if (events === undefined) return;
  for await (const event of events) {
    if (event.event === "complete" || event.event === "timeout" || event.event === "error") return;
    if (event.event === "state") {
      const state = Wire.CvmState.safeParse(safeJson(event.data));
      // A stop may be transient (mid-restart) or final (boot error): the CVM record decides.
      if (state.success && state.data.status === "stopped") await settled(state.data.boot_error ?? undefined);
    }
    if (Date.now() >= deadline) return;
  }
}

/**
 * `read`, or `late()` thrown at `deadline` if it has not settled by then (the read goes on
 * bounded by its own timeout; its outcome is dropped).
 */
export function byDeadline<T>(read: Promise<T>, deadline: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), Math.max(0, deadline - Date.now()));
  });
  read.catch(() => undefined);
  return Promise.race([read, expired]).finally(() => clearTimeout(timer));
}
