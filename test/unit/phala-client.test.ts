/**
 * The Phala Cloud client against scripted HTTP servers on loopback: retries, errors that name
 * the call and never a value, the 465 error, readiness over SSE and by polling.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { cvmPathId, phalaClient } from "../../provider/api/phala-client";
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter } from "../../provider/api/retry";
import { SseParser } from "../../provider/api/sse";
import { ErrorCodes, isCvmSecretsError } from "../../provider/errors";

const API_KEY = "phak_test_key_never_printed";
const SECRET = "sk_live_secret_value_in_a_body";
const FAST = { attempts: 4, baseMs: 1, capMs: 5 };

type Handler = (req: IncomingMessage, res: ServerResponse, n: number, body: string) => void;

async function serve(handler: Handler): Promise<{ url: string; calls: string[]; close(): Promise<void> }> {
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => handler(req, res, calls.length, body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1`,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", "x-request-id": "req_123", ...headers });
  res.end(JSON.stringify(body));
}

const CVM = (over: Record<string, unknown> = {}) => ({
  id: "cvm_abc",
  name: "api-1",
  status: "running",
  in_progress: false,
  resource: {},
  gateway: {},
  app_id: "ab".repeat(20),
  kms_info: { encrypted_env_pubkey: "CD".repeat(32), chain_id: null, slug: "phala" },
  compose_hash: "ee".repeat(32),
  compose_file: { docker_compose_file: "services: {}", allowed_envs: ["A"] },
  ...over,
});

async function expectError(
  p: Promise<unknown>,
): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (error) {
    const e = error as Error;
    expect(e.message).not.toContain(API_KEY);
    expect(e.message).not.toContain(SECRET);
    expect(JSON.stringify((e as { details?: unknown }).details ?? {})).not.toContain(SECRET);
    return e;
  }
  throw new Error("expected a rejection");
}

describe("cvmPathId (the SDK's CvmIdSchema)", () => {
  test.each([
    ["cvm_x1", "cvm_x1"],
    ["AB".repeat(20), `app_${"ab".repeat(20)}`],
    [`0x${"ab".repeat(20)}`, `app_${"ab".repeat(20)}`],
    ["123e4567-e89b-12d3-a456-426614174000", "123e4567e89b12d3a456426614174000"],
    ["my-app", "my-app"],
    ["a b/c", "a%20b%2Fc"],
  ])("%s → %s", (input, path) => expect(cvmPathId(input)).toBe(path));
});

describe("backoff", () => {
  test("capped exponential with jitter between half and all of the ceiling", () => {
    const p = { ...DEFAULT_RETRY, baseMs: 100, capMs: 1000 };
    expect(backoffDelay(0, p, undefined, () => 0)).toBe(50);
    expect(backoffDelay(0, p, undefined, () => 1)).toBe(100);
    expect(backoffDelay(3, p, undefined, () => 1)).toBe(800);
    expect(backoffDelay(10, p, undefined, () => 1)).toBe(1000);
  });
  test("Retry-After in seconds or as a date; too long gives up", () => {
    expect(backoffDelay(0, DEFAULT_RETRY, "2")).toBe(2000);
    expect(
      parseRetryAfter("Wed, 21 Oct 2015 07:28:10 GMT", Date.parse("Wed, 21 Oct 2015 07:28:00 GMT")),
    ).toBe(10_000);
    expect(backoffDelay(0, DEFAULT_RETRY, "3600")).toBeUndefined();
  });
});

describe("SseParser", () => {
  test("events split across chunks, CRLF, comments, multi-line data", () => {
    const p = new SseParser();
    expect(p.push(': hello\r\nevent: state\r\ndata: {"status":')).toEqual([]);
    expect(p.push('"running"}\r\n\r\nevent: complete\ndata: a\ndata: b\n\n')).toEqual([
      { event: "state", data: '{"status":"running"}' },
      { event: "complete", data: "a\nb" },
    ]);
  });
});

describe("phalaClient", () => {
  test("sends the key and the version header; parses the CVM", async () => {
    let seen: IncomingMessage | undefined;
    const s = await serve((req, res) => {
      seen = req;
      json(res, 200, CVM());
    });
    try {
      const info = await phalaClient({ baseUrl: s.url, apiKey: API_KEY }).getCvm("AB".repeat(20));
      expect(s.calls).toEqual([`GET /api/v1/cvms/app_${"ab".repeat(20)}`]);
      expect(seen?.headers["x-api-key"]).toBe(API_KEY);
      expect(seen?.headers["x-phala-version"]).toBe("2026-05-22");
      expect(info).toMatchObject({
        id: "cvm_abc",
        appId: "ab".repeat(20),
        encryptionPublicKey: "cd".repeat(32),
        allowedEnvs: ["A"],
        kms: { onChain: false, slug: "phala" },
      });
    } finally {
      await s.close();
    }
  });

  test.each([
    [429, { "retry-after": "0" }],
    [409, {}],
    [503, {}],
  ])("retries %i, then succeeds", async (status, headers) => {
    const s = await serve((_req, res, n) =>
      n < 3 ? json(res, status, { detail: "busy" }, headers) : json(res, 200, CVM()),
    );
    try {
      await phalaClient({ baseUrl: s.url, apiKey: API_KEY, retry: FAST }).getCvm("cvm_abc");
      expect(s.calls).toHaveLength(3);
    } finally {
      await s.close();
    }
  });

  test("a dropped connection is retried", async () => {
    const s = await serve((req, res, n) => (n === 1 ? req.socket.destroy() : json(res, 200, CVM())));
    try {
      await phalaClient({ baseUrl: s.url, apiKey: API_KEY, retry: FAST }).getCvm("cvm_abc");
      expect(s.calls).toHaveLength(2);
    } finally {
      await s.close();
    }
  });

  test("404 is not retried; the error names call, status, code and request id", async () => {
    const s = await serve((_req, res) =>
      json(res, 404, {
        error_code: "ERR-03-001",
        message: "CVM not found",
        request_id: "req_9",
        details: [],
      }),
    );
    try {
      const e = await expectError(
        phalaClient({ baseUrl: s.url, apiKey: API_KEY, retry: FAST }).getCvm("cvm_nope"),
      );
      expect(s.calls).toHaveLength(1);
      expect(e.code).toBe(ErrorCodes.API_ERROR);
      expect(e.message).toContain(
        "GET /cvms/{id} for CVM cvm_nope failed: HTTP 404 ERR-03-001: CVM not found",
      );
      expect(e.message).toContain("request id req_123");
      expect(e.message).toContain("Check the CVM id");
    } finally {
      await s.close();
    }
  });

  test("401 says to check the key, without the key", async () => {
    const s = await serve((_req, res) => json(res, 401, { detail: "Invalid API key" }));
    try {
      const e = await expectError(phalaClient({ baseUrl: s.url, apiKey: API_KEY }).getCvm("cvm_abc"));
      expect(e.message).toContain("HTTP 401: Invalid API key");
      expect(e.message).toContain("cvm-secrets:apiKey");
    } finally {
      await s.close();
    }
  });

  test("422 reports where and what, never the rejected input", async () => {
    const s = await serve((_req, res) =>
      json(res, 422, {
        detail: [{ loc: ["body", "encrypted_env"], msg: "not hex", type: "value_error", input: SECRET }],
      }),
    );
    try {
      const e = await expectError(
        phalaClient({ baseUrl: s.url, apiKey: API_KEY }).patchEnvs("cvm_abc", { encryptedEnv: SECRET }),
      );
      expect(e.message).toContain("body.encrypted_env: not hex");
    } finally {
      await s.close();
    }
  });

  test("retries run out: the last answer is reported with the attempt count", async () => {
    const s = await serve((_req, res) => json(res, 409, { detail: "Another operation in progress" }));
    try {
      const e = await expectError(
        phalaClient({ baseUrl: s.url, apiKey: API_KEY, retry: FAST }).getCvm("cvm_abc"),
      );
      expect(s.calls).toHaveLength(4);
      expect(e.message).toContain("busy through 4 attempts");
    } finally {
      await s.close();
    }
  });

  test("connection refused fails with a clear error after the attempts", async () => {
    const s = await serve(() => undefined);
    const url = s.url;
    await s.close();
    const e = await expectError(
      phalaClient({ baseUrl: url, apiKey: API_KEY, retry: FAST }).getCvm("cvm_abc"),
    );
    expect(e.message).toMatch(/connection error ECONNREFUSED \(after 4 attempts\)/);
  });

  test("465 becomes HASH_REGISTRATION_REQUIRED with the compose hash and the next step", async () => {
    const hash = "12".repeat(32);
    const s = await serve((_req, res) =>
      json(res, 465, {
        error_code: "ERR-01-005",
        message: "Compose hash registration required",
        request_id: "req_465",
        details: [
          { field: "compose_hash", value: hash },
          { field: "app_id", value: "ab".repeat(20) },
          { field: "device_id", value: "dd" },
          { field: "kms_info", value: { chain_id: 8453 } },
        ],
      }),
    );
    try {
      const e = await expectError(
        phalaClient({ baseUrl: s.url, apiKey: API_KEY }).patchEnvs("cvm_abc", {
          encryptedEnv: "00",
          envKeys: ["A"],
        }),
      );
      expect(isCvmSecretsError(e, ErrorCodes.HASH_REGISTRATION_REQUIRED)).toBe(true);
      expect(e.details?.composeHash).toBe(hash);
      expect(e.message).toContain(`0x${hash}`);
      expect(e.message).toContain("transactionHash");
    } finally {
      await s.close();
    }
  });

  test("a response that does not match the schema names the fields", async () => {
    const s = await serve((_req, res) => json(res, 200, { id: "cvm_abc", name: "x" }));
    try {
      const e = await expectError(phalaClient({ baseUrl: s.url, apiKey: API_KEY }).getCvm("cvm_abc"));
      expect(e.message).toContain("unexpected response shape (fields: status, resource, gateway)");
    } finally {
      await s.close();
    }
  });

  test("PATCH /envs sends the wire names and accepts 202", async () => {
    let body = "";
    const s = await serve((req, res, _n, sent) => {
      body = sent;
      if (req.method === "PATCH") {
        json(res, 202, {
          status: "in_progress",
          message: "ok",
          correlation_id: "c1",
          allowed_envs_changed: true,
        });
      }
    });
    const server = s;
    try {
      const client = phalaClient({ baseUrl: server.url, apiKey: API_KEY });
      const result = await client.patchEnvs("cvm_abc", { encryptedEnv: "ab", envKeys: ["A", "B"] });
      expect(result).toEqual({ allowedEnvsChanged: true, correlationId: "c1" });
      expect(JSON.parse(body)).toEqual({ encrypted_env: "ab", env_keys: ["A", "B"] });
    } finally {
      await server.close();
    }
  });

  test("waitReady follows the state stream, then confirms with the CVM record", async () => {
    const s = await serve((req, res, n) => {
      if (req.url?.includes("/state")) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write('event: state\ndata: {"status":"restarting"}\n\n');
        setTimeout(() => {
          res.write(
            'event: state\ndata: {"status":"running"}\n\nevent: complete\ndata: {"status":"running"}\n\n',
          );
          res.end();
        }, 20);
        return;
      }
      json(res, 200, CVM({ compose_hash: `${n}`.padStart(64, "0") }));
    });
    try {
      const ready = await phalaClient({ baseUrl: s.url, apiKey: API_KEY }).waitReady("cvm_abc", 10_000);
      expect(s.calls.map((c) => c.split("?")[0])).toEqual([
        "GET /api/v1/cvms/cvm_abc/state",
        "GET /api/v1/cvms/cvm_abc",
      ]);
      expect(ready.composeHash).toBe("2".padStart(64, "0"));
    } finally {
      await s.close();
    }
  });

  test("waitReady polls when there is no stream, and fails fast on a stopped CVM", async () => {
    const s = await serve((req, res, n) => {
      if (req.url?.includes("/state")) return json(res, 404, { detail: "Not Found" });
      if (n < 4) return json(res, 200, CVM({ status: "restarting", in_progress: true }));
      return json(res, 200, CVM({ status: "stopped", in_progress: false, boot_error: "decryption failed" }));
    });
    try {
      const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY, pollIntervalMs: 5 });
      const e = await expectError(client.waitReady("cvm_abc", 10_000));
      expect(e.code).toBe(ErrorCodes.ROLLOUT_FAILED);
      expect(e.message).toContain('boot error "decryption failed"');
      expect(s.calls.length).toBe(4);
    } finally {
      await s.close();
    }
  });

  test("waitReady times out with the input to change", async () => {
    const s = await serve((req, res) =>
      req.url?.includes("/state")
        ? json(res, 404, { detail: "Not Found" })
        : json(res, 200, CVM({ status: "restarting", in_progress: true })),
    );
    try {
      const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY, pollIntervalMs: 5 });
      const e = await expectError(client.waitReady("cvm_abc", 50));
      expect(e.message).toContain("rollout.readyTimeoutSeconds");
    } finally {
      await s.close();
    }
  });
});
