/**
 * What a provider method is told about its call beyond the properties — the overall deadline of
 * a create/update/delete — and the helpers that keep each wait and push within it. The plugin
 * passes the deadline from the resource's `customTimeouts` (the engine's `timeout` on
 * Create/Update/DeleteRequest, pulumi/pulumi proto/pulumi/provider.proto); the dynamic provider
 * has none.
 */
import { CvmSecretsError, ErrorCodes } from "../errors";

/**
 * An overall deadline for a create/update/delete (the resource's `customTimeouts`, which the
 * engine passes to a provider plugin): epoch milliseconds. Absent for the dynamic provider.
 */
export interface CallOptions {
  deadline?: number;
}

/** How long to wait for one CVM: its ready timeout, cut to what is left before the deadline. */
export function waitWithin(timeoutMs: number, deadline: number | undefined, now = Date.now()): number {
  return deadline === undefined ? timeoutMs : Math.max(1, Math.min(timeoutMs, deadline - now));
}

/**
 * Waits for one CVM with `wait(ms)`, for its ready timeout or what is left of the deadline; a
 * wait the deadline cut short fails naming `customTimeouts`, not the ready timeout.
 */
export async function readyWithin<T>(
  cvm: string,
  wait: (ms: number) => Promise<T>,
  timeoutMs: number,
  deadline: number | undefined,
): Promise<T> {
  const ms = waitWithin(timeoutMs, deadline);
  try {
    return await wait(ms);
  } catch (error) {
    if (ms < timeoutMs && deadline !== undefined && Date.now() >= deadline) {
      throw new CvmSecretsError(
        ErrorCodes.ROLLOUT_FAILED,
        `CVM ${cvm} was not running again when the resource's customTimeouts ran out (${Math.round(ms / 1000)} s left for it)`,
        { cvm },
      );
    }
    throw error;
  }
}

/** Throws before a push that would start after the deadline (the rollout stops there). */
export function beforeDeadline(cvm: string, deadline: number | undefined, now = Date.now()): void {
  if (deadline !== undefined && now >= deadline) {
    throw new CvmSecretsError(
      ErrorCodes.ROLLOUT_FAILED,
      `${cvm}: not pushed, the resource's customTimeouts ran out before its turn`,
      { cvm },
    );
  }
}
