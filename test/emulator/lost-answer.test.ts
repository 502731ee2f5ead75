/**
 * A PATCH the API applied but whose answer was lost (a 503 from a proxy in front of it, sent only
 * after the CVM finished restarting): the client must recognise its own push in the app's newest
 * revision and not send it again, so the CVM restarts once. A PATCH whose answer was lost while
 * the CVM was busy for another reason is recorded as done only on evidence (its newest revision
 * carries the push): otherwise state says it is not done and the next up pushes it.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Emulator, startEmulator } from "../../emulator/index";
import { phalaClient } from "../../provider/api/phala";
import { encryptEnv } from "../../provider/core/envelope";
import { ErrorCodes } from "../../provider/errors";
import { resetSettings } from "../../provider/runtime/settings";
import { hostileProxy } from "../support/hostile-proxy";
import { failedUp, type Resource, up, useEmulator } from "../support/provider-harness";

let emu: Emulator;
let proxy: Server;

afterEach(async () => {
  await new Promise<void>((resolve) => {
    proxy?.closeAllConnections();
    proxy ? proxy.close(() => resolve()) : resolve();
  });
  await emu?.close();
});

/** Forwards everything; the first PATCH is applied upstream, then answered 503 once the CVM is idle again. */
async function losingFirstAnswer(upstream: string, cvm: string): Promise<string> {
  const base = new URL(upstream);
  let lost = false;
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
      }
      const answer = await fetch(`${base.origin}${req.url}`, {
        method: req.method,
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
      const text = await answer.text();
      if (req.method === "PATCH" && !lost) {
        lost = true;
        // Hold the answer until the restart this push caused is over.
        const direct = phalaClient({ baseUrl: upstream, apiKey: emu.apiKey });
        for (let i = 0; i < 300; i++) {
          const state = await direct.getCvm(cvm);
          const ops = await emu.admin.ops();
          const ended = ops.some((o) => o.cvm === cvm && o.event === "restart-end");
          if (ended && state.status === "running" && !state.inProgress) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        res.writeHead(503, { "content-type": "application/json" });
        res.end(JSON.stringify({ detail: "Service Unavailable" }));
        return;
      }
      res.writeHead(answer.status, {
        "content-type": answer.headers.get("content-type") ?? "application/json",
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${base.pathname}`;
}

test("an applied PATCH whose answer was lost after the restart finished is not sent again", async () => {
  emu = await startEmulator({ restartMs: 50 });
  const created = await emu.admin.createCvm({ name: "lost-answer" });
  const url = await losingFirstAnswer(emu.url, created.id);
  const client = phalaClient({
    baseUrl: url,
    apiKey: emu.apiKey,
    retry: { attempts: 4, baseMs: 5, capMs: 20 },
  });
  const info = await client.getCvm(created.id);
  const blob = encryptEnv({ TOKEN: "lost-answer-value" }, info.encryptionPublicKey as string);
  const before = (await emu.admin.counts()).restarts[created.id] ?? 0;
  await client.patchEnvs(created.id, { encryptedEnv: blob, envKeys: ["TOKEN"] });
  await client.waitReady(created.id, 10_000);
  expect(((await emu.admin.counts()).restarts[created.id] ?? 0) - before).toBe(1);
  expect((await emu.admin.guest(created.id)).env).toEqual({ TOKEN: "lost-answer-value" });
});

describe("a push whose answer was lost while the CVM was busy for another reason", () => {
  const V1 = { TOKEN: "lost-answer-first-5151" };
  const V2 = { TOKEN: "lost-answer-rotated-6262" };

  /**
   * A proxy that, for the first PATCH after `arm()`, restarts the CVM upstream (busy for another
   * reason) and then resets the connection without forwarding the push.
   */
  async function busyAndLost(cvm: string) {
    let armed = false;
    const proxy = await hostileProxy(emu.url, () => undefined, {
      onWrite: async (method, path) => {
        if (!armed || method !== "PATCH" || !path.endsWith("/envs")) return "forward";
        armed = false;
        const res = await fetch(`${emu.url}/cvms/${cvm}/restart`, {
          method: "POST",
          headers: { "x-api-key": emu.apiKey },
        });
        if (res.status >= 300) throw new Error(`restart answered ${res.status}`);
        return "drop";
      },
    });
    return {
      proxy,
      arm: () => {
        armed = true;
      },
    };
  }

  test("the up fails, state does not record the push, and the next up pushes it", async () => {
    emu = await startEmulator({ restartMs: 400 });
    useEmulator(emu);
    const created = await emu.admin.createCvm({ name: "busy-lost" });
    const first = await up(undefined, { cvms: [created.id], env: V1, composeCheck: "off" });
    const { proxy, arm } = await busyAndLost(created.id);
    process.env.PHALA_CLOUD_API_PREFIX = proxy.url;
    resetSettings();
    try {
      arm();
      const err = await failedUp(first.resource, { cvms: [created.id], env: V2, composeCheck: "off" });
      expect(err.code).toBe(ErrorCodes.ROLLOUT_FAILED);
      expect(err.message).toContain("not recorded as done");
      // The push never reached the API: the CVM still runs the first env.
      expect((await emu.admin.guest(created.id)).env).toEqual(V1);
      const kept = err.properties as { applied: Record<string, string>; pushed: Record<string, string> };
      const before = first.resource.outputs as {
        applied: Record<string, string>;
        pushed: Record<string, string>;
      };
      expect(kept.applied[created.id]).toBeUndefined();
      expect(kept.pushed[created.id]).toBe(before.pushed[created.id]);
      const partial: Resource = { id: err.id as string, inputs: first.resource.inputs, outputs: kept };
      const next = await up(partial, { cvms: [created.id], env: V2, composeCheck: "off" });
      expect(next.changed).toBe(true);
      expect((await emu.admin.guest(created.id)).env).toEqual(V2);
      // The first push was dropped before the API: only the second reached it.
      expect(proxy.bodies.filter((w) => w.method === "PATCH")).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });
});
