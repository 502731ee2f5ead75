/**
 * Fault gauntlet (issue 7): every fault the emulator injects (429, 5xx, 409, latency, dropped
 * connection, boot error, a non-retryable 4xx) at every call site of a rollout (key fetch, the
 * on-chain signed-key fetch, env PATCH, readiness stream) over 3 replicas. The matrix lives in
 * bench/faults.ts so `npm run bench` writes the same table into bench/RESULTS.md.
 */
import {
  type CaseResult,
  faultCases,
  type MatrixDeps,
  matrixMarkdown,
  quiet,
  runCase,
} from "../../bench/faults.ts";
import { startEmulator } from "../../emulator/index";
import * as impl from "../../provider/cvm-secrets/index";
import { resetSettings } from "../../provider/runtime/settings";

const deps: MatrixDeps = {
  startEmulator,
  impl: impl as unknown as MatrixDeps["impl"],
  resetSettings,
};

const results: CaseResult[] = [];

afterAll(() => {
  if (results.length > 0) console.log(`[gauntlet-faults]\n${matrixMarkdown(results)}`);
});

describe("fault gauntlet: every fault at every rollout call site, 3 replicas", () => {
  // Sequential: the provider reads the API URL and key from process.env, one emulator at a time.
  test.each(faultCases().map((c) => [c.name, c] as const))(
    "%s",
    async (_name, c) => {
      const r = await quiet(() => runCase(deps, c));
      results.push(r);
      // Succeeds after retries, or fails with a message naming the CVM and the cause, no value.
      expect({ case: r.name, outcome: r.outcome, detail: r.survived ? "" : r.detail }).toEqual({
        case: c.name,
        outcome: c.expect === "succeeds" ? "succeeded" : "failed",
        detail: "",
      });
      expect(r.mixed).toBe(false); // every guest env is the old or the new env, exactly
      // The next up restarts exactly what was not done; a further up makes zero writes.
      expect(r.restarted).toEqual(r.expected);
      expect(r.converged).toBe(true);
    },
    60_000,
  );
});
