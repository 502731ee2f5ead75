/**
 * A loopback JSON-RPC node for unit tests of the chain client: each request is answered by the
 * test's handler (a status, raw text, a delay, or a dropped connection), on 127.0.0.1, port 0.
 * Records the requests it saw.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A request as the stub parsed it. */
export interface StubRequest {
  path: string;
  id: unknown;
  method: string;
  params: unknown[];
}

/** How to answer: a JSON-RPC result/error for the request's id, raw text, or a hostile behaviour. */
export type StubAnswer =
  | { result: unknown }
  | { error: { code: number; message: string } }
  | { raw: string; status?: number }
  | { status: number }
  | { delayMs: number; answer: StubAnswer }
  | { destroy: true }
  | { stream: number };

export interface JsonRpcStub {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

export async function jsonRpcStub(handler: (request: StubRequest) => StubAnswer): Promise<JsonRpcStub> {
  const requests: StubRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        id: unknown;
        method: string;
        params: unknown[];
      };
      const request = { path: req.url ?? "/", id: body.id, method: body.method, params: body.params };
      requests.push(request);
      const answer = (a: StubAnswer): void => {
        if ("delayMs" in a) {
          const timer = setTimeout(() => answer(a.answer), a.delayMs);
          res.on("close", () => clearTimeout(timer));
        } else if ("destroy" in a) {
          req.socket.destroy();
        } else if ("stream" in a) {
          // An endless answer without content-length: only a byte ceiling stops it.
          res.writeHead(200, { "content-type": "application/json" });
          const chunk = Buffer.alloc(a.stream, 0x20);
          const pump = (): void => {
            while (res.write(chunk)) if (res.destroyed) return;
            res.once("drain", pump);
          };
          res.on("close", () => res.removeAllListeners("drain"));
          pump();
        } else if ("raw" in a) {
          res.writeHead(a.status ?? 200, { "content-type": "application/json" });
          res.end(a.raw);
        } else if ("result" in a || "error" in a) {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ jsonrpc: "2.0", id: body.id, ...a }));
        } else {
          res.writeHead(a.status, { "content-type": "application/json" });
          res.end("{}");
        }
      };
      answer(handler(request));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
