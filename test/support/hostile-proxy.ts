/**
 * A hostile API for trust tests: a loopback HTTP proxy in front of the emulator that forwards
 * every request and lets a test rewrite JSON answers (e.g. report another `app_id` and a key the
 * attacker holds). Counts the writes it forwarded.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Rewrites the parsed JSON answer of `method path`; return undefined to pass it through. */
export type Rewrite = (method: string, path: string, body: unknown) => unknown;

export interface HostileProxy {
  /** API base of the proxy (`…/api/v1`). */
  url: string;
  /** Non-GET requests the proxy forwarded. */
  writes: string[];
  /** The `X-Phala-Version` of every request it forwarded, in order (`-` when none was sent). */
  versions: string[];
  close(): Promise<void>;
}

export async function hostileProxy(upstreamApi: string, rewrite: Rewrite): Promise<HostileProxy> {
  const upstream = new URL(upstreamApi);
  const writes: string[] = [];
  const versions: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const method = req.method ?? "GET";
      if (method !== "GET") writes.push(`${method} ${req.url}`);
      versions.push(String(req.headers["x-phala-version"] ?? "-"));
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
      }
      const answer = await fetch(`${upstream.origin}${req.url}`, {
        method,
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
      const type = answer.headers.get("content-type") ?? "";
      if (!type.includes("application/json")) {
        res.writeHead(answer.status, { "content-type": type });
        if (answer.body) for await (const chunk of answer.body) res.write(chunk);
        res.end();
        return;
      }
      const body = (await answer.json()) as unknown;
      const path = new URL(req.url ?? "/", "http://proxy.invalid").pathname.replace(upstream.pathname, "");
      const changed = rewrite(method, path, body);
      const text = JSON.stringify(changed === undefined ? body : changed);
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    writes,
    versions,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
