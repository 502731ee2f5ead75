/**
 * `GET /cvms/{id}/state?target=…` as a Server-Sent Events stream (`GET /cvms/{id}/state`,
 * npm @phala/cloud `watchCvmState`): `event: state` on every change, `event: complete` once
 * `status == target` (the server matches the status only; a CvmState has no `in_progress`),
 * `event: timeout` after `timeout` seconds, `event: error` when the CVM is deleted. A boot that
 * fails leaves the CVM `stopped` with `boot_error` in the state event; the stream, like the
 * real one, goes on until its timeout. Each event carries
 * `data: <json>`: `state` a CvmState, `complete` `{status, elapsed, target}`, `timeout`
 * `{error, elapsed, target}`, `error` `{error, elapsed, message}` (repo Phala-Network/phala-cloud,
 * js/src/actions/cvms/watch_cvm_state.ts). The SDK returns the last `state` it saw on `complete`,
 * so a `state` event always precedes `complete`.
 */
import type { ServerResponse } from "node:http";
import type { ApiVersion } from "./shapes";
import { cvmState } from "./shapes";
import type { CvmRecord, EmulatorState } from "./state";

/** Parameters of one stream. */
export interface StreamOptions {
  target: string;
  /** Seconds until `event: timeout`. */
  timeoutSeconds: number;
  version: ApiVersion;
  requestId: string;
}

/** Streams state events for `cvm` into `res` until complete, timeout, error or disconnect. */
export function streamState(
  res: ServerResponse,
  state: EmulatorState,
  cvm: CvmRecord,
  options: StreamOptions,
): void {
  res.writeHead(200, {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    Connection: "keep-alive",
    "X-Request-Id": options.requestId,
  });
  let done = false;
  const started = Date.now();
  const elapsed = () => Math.round((Date.now() - started) / 100) / 10;
  const send = (event: string, data: unknown) => {
    if (!done) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const finish = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    unsubscribe();
    res.end();
  };
  const evaluate = () => {
    const snapshot = cvmState(cvm, options.version);
    send("state", snapshot);
    if (cvm.status === options.target) {
      send("complete", { status: cvm.status, elapsed: elapsed(), target: options.target });
      finish();
    }
  };
  const unsubscribe = state.subscribe((changed, deleted) => {
    if (changed !== cvm) return;
    if (deleted) {
      send("error", { error: "not_found", elapsed: elapsed(), message: "CVM not found" });
      finish();
      return;
    }
    evaluate();
  });
  const timer = setTimeout(() => {
    send("timeout", { error: "timeout", elapsed: elapsed(), target: options.target });
    finish();
  }, options.timeoutSeconds * 1000);
  res.on("close", finish);
  evaluate();
}
