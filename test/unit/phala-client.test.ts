/**
 * The Phala Cloud client against scripted HTTP servers on loopback: retries, errors that name
 * the call and never a value, the 465 error, readiness over SSE and by polling.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { cvmPathId, PhalaApiError, phalaClient } from "../../provider/api/phala";
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter } from "../../provider/api/phala/retry";
import { SseParser } from "../../provider/api/phala/sse";
import { CvmSecretsError, ErrorCodes, isCvmSecretsError } from "../../provider/errors";
import { isNotFound } from "../../provider/runtime/api-client";
import { cvmRecord } from "../support/phala-fixtures";

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

const CVM = cvmRecord;

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
        kms: { onChain: false, type: "phala" },
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
    // The URL tried, and the provider's setting that names it (the CLI names its variable: cli.test.ts).
    expect(e.message).toBe(
      `GET /cvms/{id} for CVM cvm_abc failed: connection error ECONNREFUSED at ${url.replace(/\/+$/, "")} (after 4 attempts). ` +
        "Check cvm-secrets:apiUrl and that the API is reachable.",
    );
  });

  test("a connection error names the API base tried, never a user or password in it", async () => {
    const s = await serve(() => undefined);
    const url = new URL(s.url);
    await s.close();
    url.username = "someone";
    url.password = "url-password-77";
    const e = await expectError(
      phalaClient({ baseUrl: url.toString(), apiKey: API_KEY, retry: FAST }).getCvm("cvm_abc"),
    );
    expect(e.message).toContain(`at http://${url.host}${url.pathname.replace(/\/+$/, "")} (after`);
    expect(e.message).not.toContain("url-password-77");
    expect(e.message).not.toContain("someone");
  });

  test("a 465 is a value: the compose hash and app to register, nothing thrown", async () => {
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
      const answer = await phalaClient({ baseUrl: s.url, apiKey: API_KEY }).patchEnvs("cvm_abc", {
        encryptedEnv: "00",
        envKeys: ["A"],
      });
      expect(answer).toEqual({
        kind: "registration-required",
        composeHash: hash,
        appId: "ab".repeat(20),
        errorCode: "ERR-01-005",
        requestId: "req_123", // the x-request-id header wins over the body's request_id, as in errors
      });
      expect(s.calls.filter((c) => c.startsWith("PATCH"))).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  test("a 465 without a structured body stays an API error", async () => {
    const s = await serve((_req, res) => json(res, 465, { detail: "Compose hash registration required" }));
    try {
      const e = await expectError(
        phalaClient({ baseUrl: s.url, apiKey: API_KEY }).patchEnvs("cvm_abc", { encryptedEnv: "00" }),
      );
      expect(isCvmSecretsError(e, ErrorCodes.API_ERROR)).toBe(true);
      expect(e.message).toContain("HTTP 465");
    } finally {
      await s.close();
    }
  });

  test("a response that does not match the schema names the fields", async () => {
    const s = await serve((_req, res) => json(res, 200, { id: "cvm_abc", name: "x" }));
    try {
      const e = await expectError(phalaClient({ baseUrl: s.url, apiKey: API_KEY }).getCvm("cvm_abc"));
      expect(e.message).toContain("unexpected response shape (fields: resource, status, gateway)");
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
      expect(result).toEqual({ kind: "accepted", allowedEnvsChanged: true, correlationId: "c1" });
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
      // No stream (404 to the SSE request); the boot error comes from GET /state (CvmState).
      if (req.url?.includes("/state?")) return json(res, 404, { detail: "Not Found" });
      if (req.url?.endsWith("/state"))
        return json(res, 200, { name: "x", status: "stopped", boot_error: "decryption failed" });
      if (n < 4) return json(res, 200, CVM({ status: "restarting", in_progress: true }));
      return json(res, 200, CVM({ status: "stopped", in_progress: false }));
    });
    try {
      const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY, pollIntervalMs: 5 });
      const e = await expectError(client.waitReady("cvm_abc", 10_000));
      expect(e.code).toBe(ErrorCodes.ROLLOUT_FAILED);
      expect(e.message).toContain('boot error "decryption failed"');
      expect(s.calls.length).toBe(5);
      expect(s.calls.at(-1)).toBe("GET /api/v1/cvms/cvm_abc/state");
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

describe("phalaClient against the documented shapes", () => {
  const detailOf = (over: Record<string, unknown>) => CVM(over);

  test.each([
    ["an object", { allowed_envs: ["A", "B"] }, ["A", "B"]],
    ["a JSON string", JSON.stringify({ name: "x", allowed_envs: ["B"] }), ["B"]],
    ["null", null, undefined],
  ])("compose_file as %s", async (_what, composeFile, allowed) => {
    const s = await serve((_req, res) => json(res, 200, detailOf({ compose_file: composeFile })));
    try {
      const info = await phalaClient({ baseUrl: s.url, apiKey: API_KEY }).getCvm("cvm_abc");
      expect(info.allowedEnvs).toEqual(allowed);
      expect(info.composeFile === undefined).toBe(composeFile === null);
    } finally {
      await s.close();
    }
  });

  test("progress.target non-empty counts as busy even when in_progress is false", async () => {
    const progress = { target: "running", started_at: "2026-01-01T00:00:00Z", correlation_id: "op-1" };
    const s = await serve((_req, res) => json(res, 200, detailOf({ in_progress: false, progress })));
    try {
      const info = await phalaClient({ baseUrl: s.url, apiKey: API_KEY }).getCvm("cvm_abc");
      expect(info).toMatchObject({ inProgress: true, correlationId: "op-1" });
    } finally {
      await s.close();
    }
  });

  test("reads the 2025-10-28 CvmBasicInfo: KMSInfo and the top-level key", async () => {
    const legacy = {
      id: 1001,
      name: "api-1",
      status: "running",
      app_id: "ab".repeat(20),
      vcpu: 1,
      memory: 2048,
      disk_size: 20,
      encrypted_env_pubkey: "EF".repeat(32),
      kms_info: {
        id: "kms_base1",
        slug: "kms-base-prod2",
        url: "https://kms",
        version: "v0.5.7",
        chain_id: 8453,
        kms_contract_address: "0xABC",
        gateway_app_id: null,
      },
    };
    const s = await serve((_req, res) => json(res, 200, legacy));
    try {
      const info = await phalaClient({ baseUrl: s.url, apiKey: API_KEY }).getCvm("cvm_abc");
      expect(info).toMatchObject({
        id: "1001",
        encryptionPublicKey: "ef".repeat(32),
        kms: {
          onChain: true,
          chainId: 8453,
          slug: "kms-base-prod2",
          id: "kms_base1",
          contractAddress: "0xabc",
        },
      });
    } finally {
      await s.close();
    }
  });

  test("ERR-03-010 (several CVMs match) is not retried and says to name cvm_… or the VM UUID", async () => {
    const s = await serve((_req, res) =>
      json(res, 409, { error_code: "ERR-03-010", message: "Multiple CVMs found", request_id: "req_1" }),
    );
    try {
      const e = await expectError(
        phalaClient({ baseUrl: s.url, apiKey: API_KEY, retry: FAST }).getCvm(`app_${"ab".repeat(20)}`),
      );
      expect(s.calls).toHaveLength(1);
      expect(e.message).toContain("ERR-03-010");
      expect(e.message).toContain("cvm_… id or its VM UUID");
    } finally {
      await s.close();
    }
  });

  test("a PATCH answered 503 on a CVM that is now busy may have been applied: not sent again, accepted as unconfirmed", async () => {
    const progress = { target: "running", started_at: "2026-01-01T00:00:00Z", correlation_id: "op-9" };
    const s = await serve((req, res) =>
      req.method === "PATCH"
        ? json(res, 503, { detail: "Service Unavailable" })
        : json(res, 200, detailOf({ status: "restarting", in_progress: true, progress })),
    );
    try {
      const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY, retry: FAST });
      const result = await client.patchEnvs("cvm_abc", { encryptedEnv: "ab" });
      // Busy may be this push or another operation: the caller records it only on evidence.
      expect(result).toEqual({ kind: "accepted", correlationId: "op-9", unconfirmed: true });
      expect(s.calls.filter((c) => c.startsWith("PATCH"))).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  test("a PATCH whose connection dropped on a CVM still idle is retried", async () => {
    let patches = 0;
    const s = await serve((req, res) => {
      if (req.method !== "PATCH") return json(res, 200, detailOf({}));
      patches++;
      if (patches === 1) return req.socket.destroy();
      json(res, 202, {
        status: "in_progress",
        message: null,
        correlation_id: "c2",
        allowed_envs_changed: false,
      });
    });
    try {
      const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY, retry: FAST });
      expect(await client.patchEnvs("cvm_abc", { encryptedEnv: "ab" })).toEqual({
        kind: "accepted",
        allowedEnvsChanged: false,
        correlationId: "c2",
      });
      expect(s.calls.map((c) => c.split(" ")[0])).toEqual(["PATCH", "GET", "PATCH"]);
    } finally {
      await s.close();
    }
  });

  test("the KMS pubkey answer may carry more keys (timestamp, signature_v1)", async () => {
    const s = await serve((_req, res) =>
      json(res, 200, { public_key: "aa", signature: "bb", timestamp: 1, signature_v1: "cc" }),
    );
    try {
      const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY });
      expect(await client.getKmsPubkey("base", `0x${"ab".repeat(20)}`)).toEqual({
        publicKey: "aa",
        signature: "bb",
      });
      expect(s.calls).toEqual([`GET /api/v1/kms/base/pubkey/${"ab".repeat(20)}`]);
      // Never an empty path segment (`/kms//pubkey/…` names another route).
      const e = await expectError(client.getKmsPubkey("", "ab".repeat(20)));
      expect(e.message).toContain("empty KMS");
      expect(s.calls).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  test("listKms pages through GET /kms; getKmsSigner reads /kms/{id}/info", async () => {
    const kms = (id: string, chain: number | null) => ({
      id,
      slug: `${id}-slug`,
      url: "https://k",
      version: "v1",
      chain_id: chain,
      kms_contract_address: chain ? "0xAA" : null,
      gateway_app_id: null,
    });
    const s = await serve((req, res) => {
      if (req.url?.includes("/info")) {
        return json(res, 200, {
          id: "kms_b",
          slug: null,
          endpoint: "https://k",
          kms_type: "base",
          db_version: "v1",
          rpc: {
            version: "v1",
            is_dev: false,
            bootstrap_info: { k256_pubkey: "02ab", ca_pubkey: "03cd", quote_length: 0, eventlog_length: 0 },
            version_synced: true,
          },
        });
      }
      const page = new URL(req.url ?? "", "http://x").searchParams.get("page");
      json(res, 200, {
        items: page === "1" ? [kms("kms_a", null)] : [kms("kms_b", 8453)],
        total: 2,
        page: Number(page),
        page_size: 1,
        pages: 2,
      });
    });
    try {
      const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY });
      expect(await client.listKms()).toEqual([
        { id: "kms_a", slug: "kms_a-slug", chainId: undefined, contractAddress: undefined },
        { id: "kms_b", slug: "kms_b-slug", chainId: 8453, contractAddress: "0xaa" },
      ]);
      expect(await client.getKmsSigner("kms_b")).toBe("02ab");
    } finally {
      await s.close();
    }
  });
});

describe("PhalaApiError: typed status, error code and request id", () => {
  /** A structured error body whose values (never quoted) carry the secret. */
  const body = (code: string, extra: Record<string, unknown> = {}) => ({
    error_code: code,
    message: "refused",
    details: [{ field: "encrypted_env", value: SECRET }],
    input: SECRET,
    ...extra,
  });

  async function apiErrorOf(p: Promise<unknown>): Promise<PhalaApiError> {
    const e = await expectError(p);
    expect(e).toBeInstanceOf(PhalaApiError);
    expect(e).toBeInstanceOf(CvmSecretsError);
    expect(e.code).toBe(ErrorCodes.API_ERROR);
    return e as PhalaApiError;
  }

  test("404: status, code and the header's request id; isNotFound says so", async () => {
    const s = await serve((_req, res) => json(res, 404, body("ERR-03-001"), { "x-request-id": "req_404" }));
    try {
      const e = await apiErrorOf(
        phalaClient({ baseUrl: s.url, apiKey: API_KEY, retry: FAST }).getCvm("cvm_x"),
      );
      expect([e.route, e.status, e.errorCode, e.requestId]).toEqual([
        "GET /cvms/{id}",
        404,
        "ERR-03-001",
        "req_404",
      ]);
      expect(e.details).toEqual({
        call: "GET /cvms/{id}",
        status: 404,
        code: "ERR-03-001",
        requestId: "req_404",
        attempts: 1,
      });
      expect(isNotFound(e)).toBe(true);
    } finally {
      await s.close();
    }
  });

  test("409 with an error code (under `detail`): the body's request id when no header names one", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(409, { "content-type": "application/json" });
      res.end(JSON.stringify({ detail: body("ERR-03-010", { request_id: "req_body" }) }));
    });
    try {
      const e = await apiErrorOf(
        phalaClient({ baseUrl: s.url, apiKey: API_KEY, retry: FAST }).getCvm("my-app"),
      );
      expect(s.calls).toHaveLength(1);
      expect([e.status, e.errorCode, e.requestId]).toEqual([409, "ERR-03-010", "req_body"]);
      expect(isNotFound(e)).toBe(false);
    } finally {
      await s.close();
    }
  });

  test("5xx through every attempt, and a body of the wrong shape: status and request id, no error code", async () => {
    const s = await serve((req, res) =>
      req.url?.endsWith("/state")
        ? json(res, 200, { status: 7, secret: SECRET }, { "x-request-id": "req_shape" })
        : json(res, 503, { detail: "down", input: SECRET }, { "x-request-id": "req_503" }),
    );
    try {
      const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY, retry: FAST });
      const down = await apiErrorOf(client.getCvm("cvm_x"));
      expect(s.calls).toHaveLength(4);
      expect([down.status, down.errorCode, down.requestId]).toEqual([503, undefined, "req_503"]);
      const shape = await apiErrorOf(client.getState("cvm_x"));
      expect([shape.route, shape.status, shape.errorCode, shape.requestId]).toEqual([
        "GET /cvms/{id}/state",
        200,
        undefined,
        "req_shape",
      ]);
    } finally {
      await s.close();
    }
  });

  test("no answer at all: no status", async () => {
    const s = await serve(() => undefined);
    const url = s.url;
    await s.close();
    const e = await apiErrorOf(phalaClient({ baseUrl: url, apiKey: API_KEY, retry: FAST }).getCvm("cvm_x"));
    expect([e.status, e.errorCode, e.requestId]).toEqual([undefined, undefined, undefined]);
    expect(isNotFound(e)).toBe(false);
  });

  test("isNotFound reads the typed error, not a `status` detail of another error", () => {
    const other = new CvmSecretsError(ErrorCodes.API_ERROR, "not from the client", { status: 404 });
    expect(isNotFound(other)).toBe(false);
    expect(isNotFound(new PhalaApiError("gone", { route: "GET /cvms/{id}", status: 404 }, {}))).toBe(true);
  });
});
