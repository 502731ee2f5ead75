/**
 * A hostile API for trust tests: a loopback HTTP proxy in front of the emulator that forwards
 * every request and lets a test rewrite JSON answers (e.g. report another `app_id` and a key the
 * attacker holds). Counts the writes it forwarded.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Rewrites the parsed JSON answer of `method path`; return undefined to pass it through, or an
 * {@link Answer} to answer with another status too (a failing route).
 */
export type Rewrite = (method: string, path: string, body: unknown, query: URLSearchParams) => unknown;

/** An answer with its own status, for {@link Rewrite} to return (e.g. a route that fails). */
export class Answer {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

/** A FastAPI-style error answer: `{ "detail": … }` with the given status. */
export function failing(status: number, detail = "Internal Server Error"): Answer {
  return new Answer(status, { detail });
}

export interface HostileProxy {
  /** API base of the proxy (`…/api/v1`). */
  url: string;
  /** Non-GET requests the proxy forwarded. */
  writes: string[];
  close(): Promise<void>;
}

/** Options of {@link hostileProxy}. */
export interface ProxyOptions {
  /** The URL (path and query) to forward a request to, from the one received (default: the same). */
  forward?: (method: string, url: string) => string;
}

export async function hostileProxy(
  upstreamApi: string,
  rewrite: Rewrite,
  { forward = (_, url) => url }: ProxyOptions = {},
): Promise<HostileProxy> {
  const upstream = new URL(upstreamApi);
  const writes: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const method = req.method ?? "GET";
      if (method !== "GET") writes.push(`${method} ${req.url}`);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
      }
      const answer = await fetch(`${upstream.origin}${forward(method, req.url ?? "/")}`, {
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
      const received = new URL(req.url ?? "/", "http://proxy.invalid");
      const path = received.pathname.replace(upstream.pathname, "");
      const changed = rewrite(method, path, body, received.searchParams);
      const status = changed instanceof Answer ? changed.status : answer.status;
      const out = changed instanceof Answer ? changed.body : changed;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(out === undefined ? body : out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    writes,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
