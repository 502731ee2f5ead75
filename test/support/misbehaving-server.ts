/**
 * A misbehaving API for the client's bounds: a loopback HTTP server (127.0.0.1, port 0) scripted
 * per route — slow drip, keep-alive-only Server-Sent Events, endless or huge bodies, an endless
 * SSE line, paged answers with any `total_pages`, redirects, resets, no answer at all — and, for
 * routes no script names, a plain forward to an upstream (the emulator), optionally with the
 * JSON answer rewritten. It counts the requests of every route and the bytes it wrote, and
 * `close()` ends every connection; the test that starts it closes it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** What one answer does. */
export type Behaviour =
  /** A JSON answer. */
  | { kind: "json"; status?: number; body: unknown; headers?: Record<string, string> }
  /**
   * `chunk` every `everyMs`, `total` bytes in all (undefined: forever), after headers with
   * `contentType`; `contentLength` declares a length (and then drips it).
   */
  | {
      kind: "drip";
      status?: number;
      chunk: string;
      everyMs: number;
      total?: number;
      contentType?: string;
      contentLength?: number;
    }
  /** `bytes` of a JSON-looking body as fast as the client takes it (`declare`: send Content-Length). */
  | { kind: "huge"; status?: number; bytes: number; declare?: boolean; contentType?: string }
  /** A 200 event stream of keep-alive comments only, one every `everyMs`, forever. */
  | { kind: "sse-keepalive"; everyMs: number }
  /** A 200 event stream whose one line never ends (`chunk` every `everyMs`). */
  | { kind: "sse-endless-line"; chunk: string; everyMs: number }
  /** A redirect to `location`. */
  | { kind: "redirect"; status: 301 | 302 | 307 | 308; location: string }
  /** The connection is reset without an answer. */
  | { kind: "reset" }
  /** Headers never come. */
  | { kind: "hang" }
  /** Forward to the upstream; `rewrite` may replace the JSON answer. */
  | { kind: "forward"; rewrite?: (body: unknown) => unknown };

/** Picks the behaviour of a request (`n`: how many requests this route has had, from 1). */
export type Script = (req: {
  method: string;
  path: string;
  query: URLSearchParams;
  n: number;
}) => Behaviour | undefined;

export interface MisbehavingServer {
  /** `http://127.0.0.1:PORT` + `prefix`. */
  url: string;
  /** Requests per `METHOD path` (query left out). */
  requests: Map<string, number>;
  /** Every request, in order, as `METHOD path?query`. */
  log: string[];
  /** Body bytes written to clients, in all. */
  bytesWritten(): number;
  close(): Promise<void>;
}

/**
 * Starts the server. `script` picks each answer; undefined means forward to `upstream` (an
 * origin + API prefix such as the emulator's `…/api/v1`), or 404 without one. `prefix` is the
 * path the URL carries (default `/api/v1`), stripped before the script sees the path.
 */
export async function misbehavingServer(
  script: Script,
  options: { upstream?: string; prefix?: string } = {},
): Promise<MisbehavingServer> {
  const prefix = options.prefix ?? "/api/v1";
  const upstream = options.upstream ? new URL(options.upstream) : undefined;
  const requests = new Map<string, number>();
  const log: string[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let written = 0;
  let closed = false;

  const every = (ms: number, tick: () => boolean): void => {
    const timer = setInterval(() => {
      if (closed || !tick()) {
        clearInterval(timer);
        timers.delete(timer);
      }
    }, ms);
    timers.add(timer);
  };
  const write = (res: ServerResponse, text: string | Buffer): boolean => {
    if (res.destroyed || res.writableEnded) return false;
    written += typeof text === "string" ? Buffer.byteLength(text) : text.length;
    res.write(text);
    return true;
  };

  const answer = async (req: IncomingMessage, res: ServerResponse, b: Behaviour, raw: Buffer) => {
    switch (b.kind) {
      case "json": {
        const text = JSON.stringify(b.body);
        res.writeHead(b.status ?? 200, { "content-type": "application/json", ...b.headers });
        write(res, text);
        res.end();
        return;
      }
      case "drip": {
        const headers: Record<string, string | number> = {
          "content-type": b.contentType ?? "application/json",
        };
        if (b.contentLength !== undefined) headers["content-length"] = b.contentLength;
        res.writeHead(b.status ?? 200, headers);
        let sent = 0;
        every(b.everyMs, () => {
          if (b.total !== undefined && sent >= b.total) {
            res.end();
            return false;
          }
          sent += b.chunk.length;
          return write(res, b.chunk);
        });
        return;
      }
      case "huge": {
        const headers: Record<string, string | number> = {
          "content-type": b.contentType ?? "application/json",
        };
        if (b.declare) headers["content-length"] = b.bytes;
        res.writeHead(b.status ?? 200, headers);
        const block = Buffer.alloc(64 * 1024, " ");
        block[0] = "[".charCodeAt(0);
        let left = b.bytes;
        const pump = (): void => {
          while (left > 0 && !res.destroyed) {
            const part = left >= block.length ? block : block.subarray(0, left);
            left -= part.length;
            written += part.length;
            if (!res.write(part)) {
              res.once("drain", pump);
              return;
            }
          }
          if (!res.destroyed) res.end();
        };
        pump();
        return;
      }
      case "sse-keepalive":
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        write(res, ": keep-alive\n\n");
        every(b.everyMs, () => write(res, ": keep-alive\n\n"));
        return;
      case "sse-endless-line":
        res.writeHead(200, { "content-type": "text/event-stream" });
        write(res, "data: ");
        every(b.everyMs, () => write(res, b.chunk));
        return;
      case "redirect":
        res.writeHead(b.status, { location: b.location });
        res.end();
        return;
      case "reset":
        req.socket.destroy();
        return;
      case "hang":
        return;
      case "forward":
        return forward(req, res, raw, b.rewrite);
    }
  };

  const forward = async (
    req: IncomingMessage,
    res: ServerResponse,
    raw: Buffer,
    rewrite?: (body: unknown) => unknown,
  ): Promise<void> => {
    if (!upstream) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ detail: "not scripted" }));
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v === "string" && k !== "host" && k !== "content-length" && k !== "connection")
        headers[k] = v;
    }
    const url = `${upstream.origin}${upstream.pathname.replace(/\/+$/, "")}${(req.url ?? "/").slice(prefix.length)}`;
    const got = await fetch(url, {
      method: req.method ?? "GET",
      headers,
      ...(raw.length > 0 ? { body: raw } : {}),
    });
    const type = got.headers.get("content-type") ?? "";
    if (type.includes("application/json") && rewrite) {
      const body = rewrite((await got.json()) as unknown);
      res.writeHead(got.status, { "content-type": "application/json" });
      write(res, JSON.stringify(body));
      res.end();
      return;
    }
    res.writeHead(got.status, { "content-type": type });
    if (got.body) for await (const chunk of got.body) write(res, Buffer.from(chunk as Uint8Array));
    res.end();
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://misbehaving.invalid");
      const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname;
      const method = req.method ?? "GET";
      const key = `${method} ${path}`;
      const n = (requests.get(key) ?? 0) + 1;
      requests.set(key, n);
      log.push(`${method} ${path}${url.search}`);
      const behaviour = script({ method, path, query: url.searchParams, n }) ?? { kind: "forward" };
      answer(req, res, behaviour, Buffer.concat(chunks)).catch(() => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    log,
    bytesWritten: () => written,
    close: () => {
      closed = true;
      for (const timer of timers) clearInterval(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
