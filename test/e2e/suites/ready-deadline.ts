/**
 * Issue 20 (invariant 4) on the real engine: a state stream that sends only keep-alive comments
 * does not hold `pulumi up` past its deadline. The emulator sits behind a misbehaving proxy
 * (test/support/misbehaving-server.ts) that forwards every call but answers
 * `GET /cvms/{id}/state` with comments forever and, once the push was forwarded, reports the CVM
 * busy — a CVM that never comes back. The update must fail by its deadline (a generous multiple
 * of it, not a tight wall clock), name the CVM and the timeout, and leave state that does not
 * call the CVM done.
 *
 * The deadline differs by flavour: the dynamic provider has only `rollout.readyTimeoutSeconds`
 * (10 s here; the engine passes no `customTimeouts` to it), the provider plugin also the
 * resource's `customTimeouts` (update: 12 s here, with a 600 s ready timeout), which the engine
 * sends in the gRPC UpdateRequest's `timeout`.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import {
  type E2eStack,
  e2eStack,
  expectNoLeak,
  exportState,
  forFlavour,
  QUIET,
  type TypeScriptFlavour,
} from "../../support/e2e";
import { type MisbehavingServer, misbehavingServer } from "../../support/misbehaving-server";

const V1 = "sk_ready_deadline_first_5151";
const V2 = "sk_ready_deadline_second_6262";

/** The program of the flavour: its deadline and how it is set. */
function program(flavour: TypeScriptFlavour): { source: string; deadlineS: number; names: RegExp } {
  const dynamic = flavour === "dynamic";
  const source = `import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets } from "pulumi-cvm-secrets";
const cfg = new pulumi.Config();
new CvmSecrets("api", {
  cvms: [cfg.require("cvm")],
  env: { API_KEY: cfg.requireSecret("value") },
  rollout: { readyTimeoutSeconds: ${dynamic ? 10 : 600} },
  composeCheck: "off",
}${dynamic ? "" : `, { customTimeouts: { update: "12s" } }`});
`;
  return dynamic
    ? { source, deadlineS: 10, names: /was not running again within 10 s \(rollout\.readyTimeoutSeconds\)/ }
    : { source, deadlineS: 12, names: /was not running again when the resource's customTimeouts ran out/ };
}

export function readyDeadlineSuite(flavour: TypeScriptFlavour): void {
  jest.setTimeout(300_000);
  let s: E2eStack;
  let proxy: MisbehavingServer;
  let cvm: string;
  const { source, deadlineS, names } = program(flavour);

  beforeAll(async () => {
    s = await e2eStack("quickstart", "dev", 150, flavour);
    writeFileSync(path.join(s.dir, "index.ts"), forFlavour(source, flavour));
    cvm = (await s.emu.admin.createCvm({ name: "ready-deadline-api" })).id;
    await s.cli(["config", "set", "cvm", cvm]);
    await s.cli(["config", "set", "--secret", "value", V1]);
    await s.cli(["up", "--yes", ...QUIET]);
    expect((await s.emu.admin.guest(cvm)).env?.API_KEY).toBe(V1);

    let pushed = false;
    proxy = await misbehavingServer(
      ({ method, path: route }) => {
        if (method === "PATCH" && route === `/cvms/${cvm}/envs`) pushed = true;
        if (method === "GET" && route === `/cvms/${cvm}/state`)
          return { kind: "sse-keepalive", everyMs: 1_000 };
        if (pushed && method === "GET" && route === `/cvms/${cvm}`) {
          return {
            kind: "forward",
            rewrite: (body) => ({ ...(body as object), status: "starting", in_progress: true }),
          };
        }
        return undefined;
      },
      { upstream: s.emu.url },
    );
    await s.cli(["config", "set", "cvm-secrets:apiUrl", proxy.url]);
  }, 240_000);

  afterAll(async () => {
    await proxy?.close();
    await s?.dispose();
  });

  test(`a state stream of keep-alive comments only: the update fails by its ${deadlineS} s deadline, naming the CVM and the timeout; state does not call the CVM done`, async () => {
    const before = await exportState(s);
    await s.cli(["config", "set", "--secret", "value", V2]);
    const start = Date.now();
    // A hang is cut at 120 s so that a regression fails here rather than in the jest timeout.
    const up = await s.pulumi.run(["up", "--yes", ...QUIET], { timeoutMs: 120_000 });
    const elapsed = Date.now() - start;
    const text = `${up.stdout}\n${up.stderr}`;
    s.transcript.push(text);
    expect(up.code).not.toBe(0);
    expect(elapsed).toBeLessThan(60_000);
    expect(text).toContain(`CVM ${cvm}`);
    expect(text).toMatch(names);
    expect(text).toContain(`Not done: ${cvm}`);
    // The stream was asked for and answered with comments; the push itself went through.
    expect(proxy.requests.get(`GET /cvms/${cvm}/state`)).toBeGreaterThanOrEqual(1);
    expect(proxy.requests.get(`PATCH /cvms/${cvm}/envs`)).toBe(1);

    const after = await exportState(s);
    const applied = (state: typeof before) =>
      (
        state.resources.find((r) => String(r.urn).endsWith("::api"))?.outputs as {
          applied?: Record<string, string>;
        }
      )?.applied ?? {};
    // Recorded as running the first env before; now as not known to run anything (pushed, not
    // seen running): not done.
    expect(applied(before)[cvm]).toBeDefined();
    expect(applied(after)[cvm]).toBeUndefined();
    expectNoLeak([...s.transcript, after.text], [V1, V2, s.emu.apiKey]);
  });
}
