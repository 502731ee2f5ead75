/**
 * The bounded JSON-RPC client and the KMS-contract reading (provider/api/chain/) against a
 * loopback stub: a correct node, then hostile ones (wrong id, error objects, oversized and
 * endless answers, malformed ABI, slow, 5xx then success, dropped connections, no finalized
 * block). Every failure is a CVMS_CHAIN_ERROR naming the RPC's origin, never its path or query.
 */
import { encodeBytesTuple } from "../../provider/api/chain/abi";
import { jsonRpc, readKmsContract, rpcOrigin } from "../../provider/api/chain/index";
import { isCvmSecretsError } from "../../provider/errors";
import { type JsonRpcStub, jsonRpcStub, type StubAnswer, type StubRequest } from "../support/json-rpc-stub";

const KEY = `03${"4d".repeat(32)}`;
const CONTRACT = `0x${"c0".repeat(20)}`;
const APP = "ab".repeat(20);
const SECRET_PATH = "/v3/s3cr3t-api-key-0123456789";
const BLOCK_HASH = `0x${"9a".repeat(32)}`;

const hex = (b: Uint8Array): string => `0x${Buffer.from(b).toString("hex")}`;
const kmsInfoAnswer = hex(
  encodeBytesTuple([
    Buffer.from(KEY, "hex"),
    Buffer.from("ca"),
    new Uint8Array(5010).fill(4),
    new Uint8Array(0),
  ]),
);
const TRUE = `0x${"00".repeat(31)}01`;

/** An honest node on chain 8453 whose finalized block is 0x10. */
function honest(r: StubRequest): StubAnswer {
  if (r.method === "eth_chainId") return { result: "0x2105" };
  if (r.method === "eth_getBlockByNumber") return { result: { number: "0x10", hash: BLOCK_HASH } };
  const data = (r.params[0] as { data: string }).data;
  return { result: data === "0x09177063" ? kmsInfoAnswer : TRUE };
}

let stub: JsonRpcStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function node(handler: (r: StubRequest) => StubAnswer): Promise<string> {
  stub = await jsonRpcStub(handler);
  return `${stub.url}${SECRET_PATH}?apikey=another-secret-value`;
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; json: string }> {
  try {
    await promise;
  } catch (error) {
    if (!isCvmSecretsError(error)) throw error;
    const json = JSON.stringify({ message: error.message, details: error.details });
    expect(json).not.toContain("s3cr3t");
    expect(json).not.toContain("another-secret");
    return { code: error.code, message: error.message, json };
  }
  throw new Error("expected a failure");
}

test("reads chain id, the finalized block, kmsInfo and registeredApps at that block", async () => {
  const url = await node(honest);
  const reading = await readKmsContract(jsonRpc({ url }), CONTRACT, APP);
  expect(reading.chainId).toBe(8453);
  expect(reading.block).toEqual({ number: 16, hash: BLOCK_HASH, tag: "finalized" });
  expect(Buffer.from(reading.kmsInfo.k256Pubkey).toString("hex")).toBe(KEY);
  expect(reading.kmsInfo.quote.length).toBe(5010);
  expect(reading.registered).toBe(true);
  expect(stub!.requests.map((r) => [r.method, r.params])).toEqual([
    ["eth_chainId", []],
    ["eth_getBlockByNumber", ["finalized", false]],
    ["eth_call", [{ to: CONTRACT, data: "0x09177063" }, "0x10"]],
    ["eth_call", [{ to: CONTRACT, data: `0xa6c4cce9${"00".repeat(12)}${APP}` }, "0x10"]],
  ]);
  expect(stub!.requests.every((r) => r.path === `${SECRET_PATH}?apikey=another-secret-value`)).toBe(true);
});

test("the origin is all that is printed of an RPC URL", () => {
  expect(rpcOrigin("https://user:pw@base.example:8545/v3/key?x=1")).toBe("https://base.example:8545");
  expect(rpcOrigin("not a url with s3cr3t")).toBe("(invalid RPC URL)");
  expect(rpcOrigin("file:///etc/passwd")).toBe("(invalid RPC URL)");
  expect(() => jsonRpc({ url: "ws://node/s3cr3t" })).toThrow(/absolute http:\/\/ or https:\/\//);
});

describe("hostile nodes", () => {
  const cases: [string, (r: StubRequest) => StubAnswer, RegExp][] = [
    [
      "an answer to another id",
      () => ({ raw: JSON.stringify({ jsonrpc: "2.0", id: 999, result: "0x1" }) }),
      /id is not the request's/,
    ],
    ["not JSON-RPC 2.0", (r) => ({ raw: JSON.stringify({ id: r.id, result: "0x1" }) }), /not JSON-RPC 2.0/],
    [
      "both result and error",
      (r) => ({
        raw: JSON.stringify({ jsonrpc: "2.0", id: r.id, result: "0x1", error: { code: 1, message: "x" } }),
      }),
      /exactly one of result and error/,
    ],
    ["not JSON", () => ({ raw: "<html>" }), /not JSON/],
    [
      "an error object echoing the key",
      () => ({ error: { code: -32000, message: "invalid key s3cr3t-api-key-0123456789 for\nproject" } }),
      /node answered error -32000: invalid key \[redacted\] for project/,
    ],
    [
      "a chain id that is no quantity",
      (r) => (r.method === "eth_chainId" ? { result: "8453" } : honest(r)),
      /not a quantity/,
    ],
    [
      "a chain id with leading zeros",
      (r) => (r.method === "eth_chainId" ? { result: "0x02105" } : honest(r)),
      /not a quantity/,
    ],
    [
      "no finalized block",
      (r) => (r.method === "eth_getBlockByNumber" ? { result: null } : honest(r)),
      /knows no finalized block/,
    ],
    [
      "a node that does not know the tag finalized",
      (r) =>
        r.method === "eth_getBlockByNumber"
          ? { error: { code: -32602, message: "invalid block tag" } }
          : honest(r),
      /error -32602: invalid block tag/,
    ],
    [
      "a block without hash",
      (r) => (r.method === "eth_getBlockByNumber" ? { result: { number: "0x1" } } : honest(r)),
      /no valid hash/,
    ],
    [
      "no contract at the address",
      (r) => (r.method === "eth_call" ? { result: "0x" } : honest(r)),
      /returned no data: no contract/,
    ],
    [
      "a kmsInfo whose offset points outside",
      (r) => (r.method === "eth_call" ? { result: `0x${"00".repeat(30)}1000${"00".repeat(96)}` } : honest(r)),
      /kmsInfo\(\) at RPC .*: malformed answer: offset 0 points outside the answer/,
    ],
    [
      "a bool that is 2",
      (r) =>
        r.method === "eth_call" && (r.params[0] as { data: string }).data !== "0x09177063"
          ? { result: `0x${"00".repeat(31)}02` }
          : honest(r),
      /registeredApps\(address\) at RPC .*: malformed answer: a bool answer is not 0 or 1/,
    ],
    ["HTTP 401", () => ({ status: 401 }), /HTTP 401/],
  ];
  test.each(cases)("%s", async (_name, handler, message) => {
    const url = await node(handler);
    const { code, message: text } = await failure(
      readKmsContract(jsonRpc({ url, backoffMs: 1 }), CONTRACT, APP),
    );
    expect(code).toBe("CVMS_CHAIN_ERROR");
    expect(text).toMatch(message);
    expect(text).toContain(`RPC ${stub!.url}`);
  });

  test("an app id that is no address is refused before it is asked", async () => {
    const url = await node(honest);
    const { code, message } = await failure(readKmsContract(jsonRpc({ url }), CONTRACT, "ab".repeat(19)));
    expect(code).toBe("CVMS_CHAIN_ERROR");
    expect(message).toMatch(/the app id is not a 20-byte address; nothing was asked/);
    expect(stub!.requests).toEqual([]);
  });

  test("an oversized answer is refused, declared or streamed without end", async () => {
    const url = await node((r) =>
      r.method === "eth_chainId"
        ? { raw: JSON.stringify({ jsonrpc: "2.0", id: r.id, result: "0x".padEnd(4096, "0") }) }
        : honest(r),
    );
    const declared = await failure(jsonRpc({ url, maxBytes: 1024 }).call("eth_chainId", []));
    expect(declared.message).toMatch(/larger than 1024 bytes/);
    await stub!.close();
    const endless = await node(() => ({ stream: 64 * 1024 }));
    const started = Date.now();
    const streamed = await failure(jsonRpc({ url: endless }).call("eth_chainId", []));
    expect(streamed.message).toMatch(/larger than 1048576 bytes/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test("a slow node times out per attempt and in total, after a bounded number of attempts", async () => {
    const url = await node(() => ({ delayMs: 2_000, answer: { result: "0x1" } }));
    const started = Date.now();
    const slow = await failure(
      jsonRpc({ url, timeoutMs: 150, totalMs: 10_000, attempts: 3, backoffMs: 1 }).call("eth_chainId", []),
    );
    expect(slow.message).toMatch(/timed out after 150 ms \(after 3 attempts/);
    expect(stub!.requests).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(1_500);
    stub!.requests.length = 0;
    const bounded = await failure(
      jsonRpc({ url, timeoutMs: 150, totalMs: 400, attempts: 10, backoffMs: 1 }).call("eth_chainId", []),
    );
    expect(bounded.message).toMatch(/400 ms at most/);
    expect(stub!.requests.length).toBeLessThanOrEqual(3);
  });

  test("5xx and dropped connections are retried; other statuses are not", async () => {
    let n = 0;
    const url = await node((r) => (++n === 1 ? { status: 503 } : n === 2 ? { destroy: true } : honest(r)));
    expect(await jsonRpc({ url, backoffMs: 1 }).call("eth_chainId", [])).toBe("0x2105");
    expect(stub!.requests).toHaveLength(3);
    await stub!.close();
    const refused = await node(() => ({ status: 429 }));
    await failure(jsonRpc({ url: refused, backoffMs: 1 }).call("eth_chainId", []));
    expect(stub!.requests).toHaveLength(1);
  });

  test("a node that is down fails after its attempts with the origin only", async () => {
    const url = await node(honest);
    await stub!.close();
    const down = await failure(jsonRpc({ url, attempts: 2, backoffMs: 1 }).call("eth_chainId", []));
    expect(down.message).toMatch(/connection error ECONNREFUSED \(after 2 attempts/);
  });
});
