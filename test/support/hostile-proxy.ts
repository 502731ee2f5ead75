/**
 * A hostile API for trust tests: a loopback HTTP proxy in front of the emulator that forwards
 * every request and lets a test rewrite JSON answers (e.g. report another `app_id` and a key the
 * attacker holds). Counts the writes it forwarded and keeps their bodies; a test may also lose
 * a write (`onWrite`): not forward it, or forward it and lose its answer, as a reset connection does.
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

/**
 * What happens to a write (a non-GET request): `forward` (the default), `drop` (never forwarded;
 * the connection is reset), `lose-answer` (forwarded; the connection is reset instead of answering).
 */
export type WriteFate = "forward" | "drop" | "lose-answer";

/** What a lying API reports for every CVM: another app (when set) and a key the attacker holds. */
export interface CvmLie {
  app?: string;
  key: string;
}

/**
 * A rewrite that reports `lie()` in every `GET /cvms/{id}` answer (`app_id`, and the key in
 * `kms_info.encrypted_env_pubkey`); answers pass unchanged while `lie()` is undefined.
 */
export function lyingAboutCvms(lie: () => CvmLie | undefined): Rewrite {
  return (method, path, body) => {
    const told = lie();
    if (!told || method !== "GET" || !/^\/cvms\/[^/]+$/.test(path)) return undefined;
    const cvm = body as { app_id: string; kms_info: Record<string, unknown> };
    return {
      ...cvm,
      app_id: told.app ?? cvm.app_id,
      kms_info: { ...cvm.kms_info, encrypted_env_pubkey: told.key },
    };
  };
}

/** A write the proxy forwarded, with its body (a PATCH's `encrypted_env` is what a test checks). */
export interface SeenWrite {
  method: string;
  path: string;
  body: string;
}

export interface HostileProxy {
  /** API base of the proxy (`…/api/v1`). */
  url: string;
  /** Non-GET requests the proxy forwarded. */
  writes: string[];
  /** The same writes with their paths (without the API base) and bodies. */
  bodies: SeenWrite[];
  /** The `X-Phala-Version` of every request it forwarded, in order (`-` when none was sent). */
  versions: string[];
  close(): Promise<void>;
}

export interface HostileProxyOptions {
  /** Decides each write's fate; may act on the upstream first (e.g. make the CVM busy). */
  onWrite?: (method: string, path: string, body: string) => WriteFate | Promise<WriteFate>;
  /** The URL (path and query) to forward a request to, from the one received (default: the same). */
  forward?: (method: string, url: string) => string;
}

export async function hostileProxy(
  upstreamApi: string,
  rewrite: Rewrite,
  options: HostileProxyOptions = {},
): Promise<HostileProxy> {
  const upstream = new URL(upstreamApi);
  const target = options.forward ?? ((_: string, url: string) => url);
  const writes: string[] = [];
  const bodies: SeenWrite[] = [];
  const versions: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      // An upstream that goes away mid-answer (the emulator closed under an open state stream)
      // resets this connection instead of rejecting unhandled.
      forward().catch(() => req.socket.destroy());
    });
    const forward = async (): Promise<void> => {
      const method = req.method ?? "GET";
      const received = new URL(req.url ?? "/", "http://proxy.invalid");
      const path = received.pathname.replace(upstream.pathname, "");
      const body = Buffer.concat(chunks).toString("utf8");
      const fate =
        method === "GET" ? "forward" : ((await options.onWrite?.(method, path, body)) ?? "forward");
      if (fate === "drop") {
        req.socket.destroy();
        return;
      }
      if (method !== "GET") {
        writes.push(`${method} ${req.url}`);
        bodies.push({ method, path, body });
      }
      versions.push(String(req.headers["x-phala-version"] ?? "-"));
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
      }
      const answer = await fetch(`${upstream.origin}${target(method, req.url ?? "/")}`, {
        method,
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
      if (fate === "lose-answer") {
        await answer.arrayBuffer();
        req.socket.destroy();
        return;
      }
      const type = answer.headers.get("content-type") ?? "";
      if (!type.includes("application/json")) {
        res.writeHead(answer.status, { "content-type": type });
        if (answer.body) for await (const chunk of answer.body) res.write(chunk);
        res.end();
        return;
      }
      const json = (await answer.json()) as unknown;
      const changed = rewrite(method, path, json, received.searchParams);
      const status = changed instanceof Answer ? changed.status : answer.status;
      const out = changed instanceof Answer ? changed.body : changed;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(out === undefined ? json : out));
    };
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    writes,
    bodies,
    versions,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
