/**
 * Issue 20, part C: every read of the Phala Cloud client, the registry client and the ECR token
 * call ends within its byte, page and time bounds, against a misbehaving loopback server
 * (test/support/misbehaving-server.ts): a state stream of keep-alive comments only, a dripping
 * or endless answer, a 256 MB answer, a listing whose `total_pages` never ends, an http token
 * realm behind a registry reached over https.
 */
import { getAuthorizationToken } from "../../provider/api/ecr";
import { PhalaApiError, phalaClient } from "../../provider/api/phala";
import { authenticate, realmRule } from "../../provider/api/registry/auth";
import { http } from "../../provider/api/registry/http";
import { ErrorCodes, isCvmSecretsError } from "../../provider/errors";
import { type Behaviour, type MisbehavingServer, misbehavingServer } from "../support/misbehaving-server";
import { cvmRecord } from "../support/phala-fixtures";

const API_KEY = "phak_bounds_test_key";
const PASSWORD = "registry-password-never-sent";
const NO_RETRY = { attempts: 1, baseMs: 1, capMs: 1 };

/** A CVM record in the state given. */
const CVM = (over: Record<string, unknown> = {}) => cvmRecord({ id: "cvm_bounds", ...over });

/** A KMS listing item. */
const KMS = (id: string) => ({
  id,
  slug: `${id}-slug`,
  url: "https://k",
  version: "v1",
  chain_id: null,
  kms_contract_address: null,
  gateway_app_id: null,
});

/** A revision listing item. */
const REVISION = (id: string, vmUuid: string) => ({
  revision_id: id,
  app_id: "ab".repeat(20),
  vm_uuid: vmUuid,
  compose_hash: "cd".repeat(32),
  created_at: "2026-01-01T00:00:00Z",
  trace_id: null,
  operation_type: "update_env",
});

let server: MisbehavingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(script: (path: string, n: number, query: URLSearchParams) => Behaviour | undefined) {
  server = await misbehavingServer(({ path, n, query }) => script(path, n, query) ?? { kind: "reset" });
  return server;
}

async function elapsed<T>(run: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const start = Date.now();
  try {
    const value = await run();
    return { ms: Date.now() - start, value };
  } catch (error) {
    return { ms: Date.now() - start, error };
  }
}

describe("time: every deadline holds whatever the server streams", () => {
  test("a state stream of keep-alive comments only does not extend the ready timeout", async () => {
    const s = await serve((path) =>
      path.endsWith("/state")
        ? { kind: "sse-keepalive", everyMs: 50 }
        : { kind: "json", body: CVM({ status: "starting", in_progress: true }) },
    );
    const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY, pollIntervalMs: 100, retry: NO_RETRY });
    const r = await elapsed(() => client.waitReady("cvm_bounds", 1_500));
    expect(isCvmSecretsError(r.error, ErrorCodes.ROLLOUT_FAILED)).toBe(true);
    expect(String((r.error as Error).message)).toMatch(
      /CVM cvm_bounds was not running again within 2 s \(rollout\.readyTimeoutSeconds\)/,
    );
    expect(r.ms).toBeGreaterThanOrEqual(1_400);
    expect(r.ms).toBeLessThan(4_000);
  }, 20_000);

  test("a state stream whose headers never come, then a CVM record that drips forever: the deadline holds", async () => {
    const s = await serve((path) =>
      path.endsWith("/state") ? { kind: "hang" } : { kind: "drip", chunk: " ", everyMs: 20 },
    );
    const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY, pollIntervalMs: 100, retry: NO_RETRY });
    const r = await elapsed(() => client.waitReady("cvm_bounds", 1_000));
    expect(isCvmSecretsError(r.error, ErrorCodes.ROLLOUT_FAILED)).toBe(true);
    expect(r.ms).toBeLessThan(3_500);
  }, 20_000);

  test("one call that drips a byte at a time ends at the request timeout, not when the server stops", async () => {
    const s = await serve(() => ({ kind: "drip", chunk: "{", everyMs: 20 }));
    const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY, timeoutMs: 800, retry: NO_RETRY });
    const r = await elapsed(() => client.getCvm("cvm_bounds"));
    expect(r.error).toBeInstanceOf(PhalaApiError);
    expect((r.error as Error).message).toMatch(
      /GET \/cvms\/\{id\} for CVM cvm_bounds failed: no complete answer in time/,
    );
    expect(r.ms).toBeLessThan(3_000);
  }, 20_000);
});

/** The ECR token call against `url`, timed. */
const ecrToken = (url: string, timeoutMs: number) =>
  elapsed(() =>
    getAuthorizationToken({
      accessKeyId: "AKIDEXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      region: "us-east-1",
      endpoint: url,
      timeoutMs,
    }),
  );

describe("the call's deadline (customTimeouts through the provider plugin) holds for every call", () => {
  test("a CVM record that drips forever: the call ends at the deadline, not after 6 attempts of 30 s", async () => {
    const s = await serve(() => ({ kind: "drip", chunk: " ", everyMs: 20 }));
    const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY, deadline: Date.now() + 1_000 });
    const r = await elapsed(() => client.getCvm("cvm_bounds"));
    expect(r.error).toBeInstanceOf(PhalaApiError);
    expect((r.error as Error).message).toMatch(/GET \/cvms\/\{id\} for CVM cvm_bounds/);
    expect(r.ms).toBeLessThan(3_000);
  }, 60_000);

  test("503 with Retry-After: no retry is slept past the deadline; none is sent after it", async () => {
    const s = await serve(() => ({
      kind: "json",
      status: 503,
      body: { detail: "busy" },
      headers: { "retry-after": "1" },
    }));
    const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY, deadline: Date.now() + 1_500 });
    const r = await elapsed(() => client.getCvm("cvm_bounds"));
    expect((r.error as PhalaApiError).status).toBe(503);
    expect(r.ms).toBeLessThan(3_000);
    expect(s.requests.get("GET /cvms/cvm_bounds")).toBe(2);
    const late = phalaClient({ baseUrl: s.url, apiKey: API_KEY, deadline: Date.now() - 1 });
    await expect(late.getCvm("cvm_bounds")).rejects.toThrow(
      "GET /cvms/{id} for CVM cvm_bounds: not sent, the resource's customTimeouts ran out (after 0 attempts).",
    );
    expect(s.requests.get("GET /cvms/cvm_bounds")).toBe(2);
  }, 60_000);
});

describe("bytes: no answer is read past its bound", () => {
  test("a 256 MB answer is cut at the byte bound, not read into memory", async () => {
    const s = await serve(() => ({ kind: "huge", bytes: 256 * 1024 * 1024 }));
    const client = phalaClient({
      baseUrl: s.url,
      apiKey: API_KEY,
      retry: NO_RETRY,
      bounds: { maxBodyBytes: 1024 * 1024 },
    });
    const r = await elapsed(() => client.getCvm("cvm_bounds"));
    expect(r.error).toBeInstanceOf(PhalaApiError);
    expect((r.error as Error).message).toBe(
      "GET /cvms/{id} for CVM cvm_bounds: the answer is larger than 1 MiB, so it was not read (the client reads at most 1 MiB per answer).",
    );
    // What the server managed to write before the client closed: socket buffers, not 256 MB.
    expect(s.bytesWritten()).toBeLessThan(32 * 1024 * 1024);
  }, 60_000);

  test("a declared Content-Length past the bound is refused before the body is read", async () => {
    const s = await serve(() => ({ kind: "huge", bytes: 64 * 1024 * 1024, declare: true }));
    const client = phalaClient({
      baseUrl: s.url,
      apiKey: API_KEY,
      retry: NO_RETRY,
      bounds: { maxBodyBytes: 4096 },
    });
    await expect(client.getCvm("cvm_bounds")).rejects.toThrow(/larger than 4 KiB/);
    expect(s.bytesWritten()).toBeLessThan(32 * 1024 * 1024);
  }, 60_000);

  test("an endless error answer is cut at the error bound; the status is still reported", async () => {
    const s = await serve(() => ({ kind: "drip", status: 500, chunk: "x".repeat(4096), everyMs: 1 }));
    const client = phalaClient({
      baseUrl: s.url,
      apiKey: API_KEY,
      retry: NO_RETRY,
      bounds: { maxErrorBytes: 8192 },
    });
    const r = await elapsed(() => client.getCvm("cvm_bounds"));
    expect((r.error as PhalaApiError).status).toBe(500);
    expect(r.ms).toBeLessThan(3_000);
  }, 20_000);

  test("an endless state-stream line ends the stream; readiness falls back to the CVM record", async () => {
    const s = await serve((path) =>
      path.endsWith("/state")
        ? { kind: "sse-endless-line", chunk: "y".repeat(1024), everyMs: 1 }
        : { kind: "json", body: CVM() },
    );
    const client = phalaClient({
      baseUrl: s.url,
      apiKey: API_KEY,
      retry: NO_RETRY,
      bounds: { maxSseLineBytes: 16 * 1024 },
    });
    const r = await elapsed(() => client.waitReady("cvm_bounds", 60_000));
    expect(r.error).toBeUndefined();
    expect(r.ms).toBeLessThan(5_000);
  }, 20_000);

  test("registry: an endless body is read up to the bound only", async () => {
    const s = await serve(() => ({ kind: "drip", status: 401, chunk: "z".repeat(1024), everyMs: 1 }));
    const r = await elapsed(() => http("GET", `${s.url}/v2/`, {}, 10_000, 4096));
    expect(r.error).toBeUndefined();
    expect(r.value?.status).toBe(401);
    expect(r.value?.text.length).toBeLessThanOrEqual(4096);
    expect(r.ms).toBeLessThan(3_000);
  }, 20_000);

  test("ECR: a token answer past the bound fails naming the bound, quickly", async () => {
    const s = await serve(() => ({ kind: "drip", chunk: "a".repeat(1024), everyMs: 1 }));
    const r = await ecrToken(s.url, 10_000);
    expect((r.error as Error).message).toMatch(/ECR GetAuthorizationToken: the answer is larger than 64 KiB/);
    expect(r.ms).toBeLessThan(3_000);
  }, 20_000);

  test("ECR: a token answer that drips forever ends at the timeout", async () => {
    const s = await serve(() => ({ kind: "drip", chunk: "{", everyMs: 20 }));
    const r = await ecrToken(s.url, 800);
    expect((r.error as Error).message).toMatch(/ECR GetAuthorizationToken: cannot reach/);
    expect(r.ms).toBeLessThan(3_000);
  }, 20_000);
});

describe("pages: a listing ends on evidence or is unknown", () => {
  /** Past this many requests the server fails the route, so a client without a bound stops too. */
  const RUNAWAY = 300;

  test("GET /kms whose total_pages is always page+1, with full pages: unknown after maxPages, never complete", async () => {
    const s = await serve((_path, n, query) => {
      if (n > RUNAWAY) return { kind: "json", status: 404, body: { detail: "runaway" } };
      const page = Number(query.get("page"));
      const items = Array.from({ length: 100 }, (_, i) => KMS(`kms_${page}_${i}`));
      return { kind: "json", body: { items, total: 1e9, page, page_size: 100, pages: page + 1 } };
    });
    const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY, retry: NO_RETRY, bounds: { maxPages: 7 } });
    const r = await elapsed(() => client.listKms());
    expect(r.error).toBeInstanceOf(PhalaApiError);
    expect((r.error as Error).message).toBe(
      "GET /kms for the KMS list: the listing cannot be read to its end (it did not end within 7 pages), so it is treated as unknown, not as complete.",
    );
    expect(s.requests.get("GET /kms")).toBe(7);
  }, 20_000);

  test("revisions: a page that repeats with a huge total_pages is unknown, not 'no revision'", async () => {
    const s = await serve((path, n, query) => {
      if (n > RUNAWAY) return { kind: "json", status: 404, body: { detail: "runaway" } };
      const revisions = Array.from({ length: 100 }, (_, i) => REVISION(`rev_${i}`, "other-vm"));
      const page = Number(query.get("page"));
      return path.endsWith("/revisions")
        ? { kind: "json", body: { revisions, total: 1e9, page, page_size: 100, total_pages: 1e9 } }
        : undefined;
    });
    const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY, retry: NO_RETRY });
    const r = await elapsed(() =>
      client.latestRevision("ab".repeat(20), "11111111-2222-3333-4444-555555555555"),
    );
    expect(r.error).toBeInstanceOf(PhalaApiError);
    expect((r.error as Error).message).toMatch(/cannot be read to its end \(page 2 repeats page 1\)/);
    expect(s.requests.get(`GET /apps/${"ab".repeat(20)}/revisions`)).toBe(2);
  }, 20_000);

  test("revisions: distinct full pages forever without the CVM are unknown after the default bound (100 pages)", async () => {
    const s = await serve((path, n, query) => {
      if (n > RUNAWAY) return { kind: "json", status: 404, body: { detail: "runaway" } };
      const page = Number(query.get("page"));
      const revisions = Array.from({ length: 100 }, (_, i) => REVISION(`rev_${page}_${i}`, "other-vm"));
      return path.endsWith("/revisions")
        ? { kind: "json", body: { revisions, total: 1e9, page, page_size: 100, total_pages: page + 1 } }
        : undefined;
    });
    const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY, retry: NO_RETRY });
    const r = await elapsed(() =>
      client.latestRevision("ab".repeat(20), "11111111-2222-3333-4444-555555555555"),
    );
    expect((r.error as Error).message).toMatch(/did not end within 100 pages/);
    expect(s.requests.get(`GET /apps/${"ab".repeat(20)}/revisions`)).toBe(100);
  }, 30_000);

  test("a short page is not the end while total_pages says more follow: reading goes on to an empty page", async () => {
    const s = await serve((_path, _n, query) => {
      const page = Number(query.get("page"));
      const items =
        page === 1
          ? Array.from({ length: 100 }, (_, i) => KMS(`kms_${i}`))
          : page === 2
            ? [KMS("kms_last")]
            : [];
      return { kind: "json", body: { items, total: 101, page, page_size: 100, pages: 50 } };
    });
    const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY, retry: NO_RETRY });
    expect((await client.listKms()).length).toBe(101);
    expect(s.requests.get("GET /kms")).toBe(3);
  });

  test("a short page served again for every later page is unknown, not the end", async () => {
    const s = await serve((_path, _n, query) => {
      const page = Number(query.get("page"));
      const items = page === 1 ? Array.from({ length: 100 }, (_, i) => KMS(`kms_${i}`)) : [KMS("kms_last")];
      return { kind: "json", body: { items, total: 101, page, page_size: 100, pages: 50 } };
    });
    const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY, retry: NO_RETRY });
    await expect(client.listKms()).rejects.toThrow(/page 3 repeats page 2/);
    expect(s.requests.get("GET /kms")).toBe(3);
  });
});

describe("redirects are not followed", () => {
  test("a 302 of the API is the answer, with the key never sent elsewhere", async () => {
    const s = await serve((path) =>
      path === "/elsewhere"
        ? { kind: "json", body: CVM() }
        : { kind: "redirect", status: 302, location: "/api/v1/elsewhere" },
    );
    const client = phalaClient({ baseUrl: s.url, apiKey: API_KEY, retry: NO_RETRY });
    const r = await elapsed(() => client.getCvm("cvm_bounds"));
    expect((r.error as PhalaApiError).status).toBe(302);
    expect(s.requests.get("GET /elsewhere")).toBeUndefined();
  });
});

describe("registry token realm: a password goes over http only to a registry reached over http", () => {
  test.each([
    ["https://reg.example", "https://auth.example/token", undefined],
    ["http://reg.example:5000", "http://reg.example:5000/token", undefined],
    ["https://reg.example", "http://reg.example/token", /reached over https/],
    ["https://127.0.0.1:5000", "http://127.0.0.1:5000/token", /reached over https/],
    ["http://reg.example:5000", "http://auth.example/token", /another host/],
    ["http://127.0.0.1:5000", "http://127.0.0.1:6000/token", /another host/],
    ["https://reg.example", "ftp://reg.example/token", /neither https nor http/],
  ])("registry %s, realm %s", (base, realm, refused) => {
    const rule = realmRule(new URL(base), new URL(realm), false);
    if (refused === undefined) expect(rule).toBeUndefined();
    else expect(rule).toMatch(refused);
  });

  test("loopback with allowInsecureLoopback: an http realm on another loopback port, for an http registry only", () => {
    expect(
      realmRule(new URL("http://127.0.0.1:5000"), new URL("http://127.0.0.1:6000/t"), true),
    ).toBeUndefined();
    expect(realmRule(new URL("https://127.0.0.1:5000"), new URL("http://127.0.0.1:6000/t"), true)).toMatch(
      /reached over https/,
    );
  });

  test("a registry reached over https whose realm is http on its own host: refused, nothing sent to the realm", async () => {
    const s = await serve(() => ({ kind: "json", body: { token: "issued" } }));
    const realm = new URL(s.url);
    const result = await authenticate({
      ping: {
        status: 401,
        headers: { "www-authenticate": `Bearer realm="http://${realm.host}/token",service="reg"` },
        text: "",
      },
      base: `https://${realm.host}`,
      name: "team/app",
      user: "robot",
      pass: PASSWORD,
      allowInsecureLoopback: true,
      timeoutMs: 5_000,
    });
    expect(result).toMatchObject({ ok: false, kind: "insecure-realm" });
    const message = (result as { message: string }).message;
    expect(message).toContain(`the registry ${realm.host} is reached over https`);
    expect(message).not.toContain(PASSWORD);
    expect(s.log).toEqual([]);
  });
});
