/**
 * Issue 20, invariant 4, as properties (fast-check, fixed seeds): over generated server behaviour
 * — answers of any size, dripped or at once, declared or not, endless error pages, resets,
 * silence, redirects, paged answers with any `total_pages`, state streams of comments only,
 * endless lines or partial events — every read of the Phala Cloud client and of the registry
 * client ends within its bounds, configured small here: requests made ≤ pages × attempts,
 * bytes the server could hand over ≤ the byte bound + socket buffers, and completion before the
 * deadline + slack. The server is test/support/misbehaving-server.ts, one per property.
 */
import fc from "fast-check";
import { type PhalaBounds, phalaClient } from "../../provider/api/phala";
import { http, NetError } from "../../provider/api/registry/http";
import { type Behaviour, type MisbehavingServer, misbehavingServer } from "../support/misbehaving-server";
import { cvmRecord } from "../support/phala-fixtures";

const API_KEY = "phak_invariant_bounds";
const TIMEOUT_MS = 100;
const RETRY = { attempts: 2, baseMs: 1, capMs: 5, maxRetryAfterMs: 5 };
const BOUNDS: PhalaBounds = {
  maxBodyBytes: 64 * 1024,
  maxErrorBytes: 4 * 1024,
  maxSseLineBytes: 4 * 1024,
  maxPages: 5,
};
/** What kernel socket buffers may take in before the client closes (loopback). */
const SOCKET_SLACK = 16 * 1024 * 1024;
/** Scheduling slack on a shared machine. */
const SLACK_MS = 3_000;

let script: (path: string, query: URLSearchParams, n: number) => Behaviour = () => ({ kind: "reset" });
let server: MisbehavingServer;
/** Each run calls under its own path prefix, so a late request of an earlier run is not counted. */
let run = 0;
const prefix = () => `/run-${run}`;
beforeAll(async () => {
  server = await misbehavingServer(({ path, query, n }) =>
    path.startsWith(`${prefix()}/`) ? script(path.slice(prefix().length), query, n) : { kind: "reset" },
  );
});
afterAll(() => server.close());

/** Starts a run: a new prefix; returns the bytes written so far. */
function reset(): number {
  run++;
  return server.bytesWritten();
}
/** The requests of this run. */
const requestsMade = () => server.log.filter((line) => line.split(" ")[1]?.startsWith(`${prefix()}/`)).length;
/** The API base of this run. */
const base = () => `${server.url}${prefix()}`;

/** An answer of any misbehaviour but paging (which lists add). */
const answer: fc.Arbitrary<Behaviour> = fc.oneof(
  fc.record({
    kind: fc.constant("json" as const),
    status: fc.constantFrom(200, 302, 404, 409, 429, 500, 503),
    body: fc.constant(cvmRecord()),
  }),
  fc.record({
    kind: fc.constant("drip" as const),
    status: fc.constantFrom(200, 500),
    chunk: fc.string({ minLength: 1, maxLength: 4096 }),
    everyMs: fc.integer({ min: 1, max: 40 }),
    total: fc.option(fc.integer({ min: 0, max: 256 * 1024 }), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant("huge" as const),
    status: fc.constantFrom(200, 500),
    bytes: fc.integer({ min: 0, max: 48 * 1024 * 1024 }),
    declare: fc.boolean(),
  }),
  fc.constantFrom<Behaviour>(
    { kind: "reset" },
    { kind: "hang" },
    { kind: "redirect", status: 307, location: "/x" },
  ),
);

/** A paged answer (`GET /kms`, revisions) with any `total_pages`, full, short, empty or repeated pages. */
const paging = fc.record({
  total: fc.oneof(
    fc.constant("page+1" as const),
    fc.constant("huge" as const),
    fc.integer({ min: 0, max: 50 }),
  ),
  size: fc.integer({ min: 0, max: 100 }),
  repeat: fc.boolean(),
  reportedPageSize: fc.constantFrom(100, 10, 1, 0),
});

type PagingScript = typeof paging extends fc.Arbitrary<infer T> ? T : never;

function pageAnswer(route: "kms" | "revisions", p: PagingScript, page: number): Behaviour {
  const n = p.repeat ? 1 : page;
  const items = Array.from({ length: p.size }, (_, i) =>
    route === "kms"
      ? {
          id: `kms_${n}_${i}`,
          slug: null,
          url: "https://k",
          version: "v1",
          chain_id: null,
          kms_contract_address: null,
          gateway_app_id: null,
        }
      : {
          revision_id: `rev_${n}_${i}`,
          app_id: "ab".repeat(20),
          vm_uuid: "00000000-0000-0000-0000-000000000000",
          compose_hash: "cd".repeat(32),
          created_at: "2026-01-01T00:00:00Z",
          trace_id: null,
          operation_type: "update_env",
        },
  );
  const totalPages = p.total === "page+1" ? page + 1 : p.total === "huge" ? 1e9 : p.total;
  const common = { total: 1e9, page, page_size: p.reportedPageSize };
  return {
    kind: "json",
    body:
      route === "kms"
        ? { items, pages: totalPages, ...common }
        : { revisions: items, total_pages: totalPages, ...common },
  };
}

const client = () =>
  phalaClient({
    baseUrl: base(),
    apiKey: API_KEY,
    timeoutMs: TIMEOUT_MS,
    retry: RETRY,
    bounds: BOUNDS,
    pollIntervalMs: 20,
  });

/** The longest one call may take: every attempt to its timeout, and every backoff. */
const CALL_MS = RETRY.attempts * (TIMEOUT_MS + RETRY.capMs);

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = Date.now();
  await run().catch(() => undefined);
  return Date.now() - start;
}

describe("invariant 4: every read is bounded in bytes, pages and time", () => {
  jest.setTimeout(120_000);

  test("Phala client reads: one CVM record, the KMS list, the newest revision", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("getCvm" as const, "listKms" as const, "latestRevision" as const),
        answer,
        paging,
        fc.boolean(),
        async (read, misbehaviour, pages, paged) => {
          const before = reset();
          // A listing is paged (its answers valid, its paging anything) or misbehaves outright.
          script = (path, query) =>
            read !== "getCvm" && paged && (path === "/kms" || path.endsWith("/revisions"))
              ? pageAnswer(path === "/kms" ? "kms" : "revisions", pages, Number(query.get("page")))
              : misbehaviour;
          const c = client();
          const ms = await timed(() =>
            read === "getCvm"
              ? c.getCvm("cvm_abc")
              : read === "listKms"
                ? c.listKms()
                : c.latestRevision("ab".repeat(20), "11111111-2222-3333-4444-555555555555"),
          );
          const pageBound = read === "getCvm" ? 1 : BOUNDS.maxPages;
          expect(requestsMade()).toBeLessThanOrEqual(pageBound * RETRY.attempts);
          expect(ms).toBeLessThan(pageBound * CALL_MS + SLACK_MS);
          expect(server.bytesWritten() - before).toBeLessThan(
            pageBound * RETRY.attempts * BOUNDS.maxBodyBytes + SOCKET_SLACK,
          );
        },
      ),
      { seed: 20_2001, numRuns: 200 },
    );
  });

  test("readiness: the wait ends by its deadline whatever the state stream and the CVM record do", async () => {
    const WAIT_MS = 200;
    const stream = fc.oneof(
      fc.constantFrom<Behaviour>(
        { kind: "sse-keepalive", everyMs: 5 },
        { kind: "sse-keepalive", everyMs: 50 },
        { kind: "sse-endless-line", chunk: "y".repeat(512), everyMs: 1 },
        { kind: "hang" },
        { kind: "reset" },
      ),
      // Partial or complete events, then the stream stays open dripping a comment.
      fc.record({
        kind: fc.constant("drip" as const),
        contentType: fc.constant("text/event-stream"),
        chunk: fc.constantFrom(
          'event: state\ndata: {"status":"stopp',
          "event: complete\ndata: {}\n\n",
          ":\n",
          "data: x",
        ),
        everyMs: fc.integer({ min: 1, max: 60 }),
      }),
      answer,
    );
    const record = fc.oneof(
      fc.constantFrom<Behaviour>(
        { kind: "json", body: cvmRecord() },
        { kind: "json", body: cvmRecord({ status: "starting", in_progress: true }) },
        { kind: "json", body: cvmRecord({ status: "stopped", in_progress: false }) },
      ),
      answer,
    );
    await fc.assert(
      fc.asyncProperty(stream, record, async (onStream, onRecord) => {
        reset();
        script = (path) => (path.endsWith("/state") ? onStream : onRecord);
        const ms = await timed(() => client().waitReady("cvm_abc", WAIT_MS));
        expect(ms).toBeLessThan(WAIT_MS + SLACK_MS);
      }),
      { seed: 20_2002, numRuns: 120 },
    );
  });

  test("registry reads: at most the byte bound, within the timeout", async () => {
    const MAX = 4 * 1024;
    await fc.assert(
      fc.asyncProperty(answer, async (misbehaviour) => {
        const before = reset();
        script = () => misbehaviour;
        let text = "";
        const ms = await timed(async () => {
          try {
            text = (await http("GET", `${base()}/v2/`, {}, TIMEOUT_MS, MAX)).text;
          } catch (error) {
            expect(error).toBeInstanceOf(NetError);
          }
        });
        expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX);
        // At most one: on a loaded machine the 100 ms deadline can pass before the request arrives.
        expect(requestsMade()).toBeLessThanOrEqual(1);
        expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
        expect(server.bytesWritten() - before).toBeLessThan(MAX + SOCKET_SLACK);
      }),
      { seed: 20_2003, numRuns: 150 },
    );
  });
});
