/**
 * `cvm-secrets trust --cvm` (provider/cli/trust.ts) and `encrypt --cvm --rpc-url` against the
 * emulator whose on-chain KMS contract lives on a ganache chain (`startEmulator({ chainRpcUrl })`),
 * with a forging API in front of it (test/support/forger.ts): every check's line, the exit code,
 * the JSON report, an RPC URL printed by its origin only, and no ciphertext printed on a refusal.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Emulator } from "../../emulator";
import { setKmsInfo } from "../../emulator/kms-contract";
import { main } from "../../provider/cli/main";
import { expectedReportData } from "../../provider/core/kms-quote";
import type { TrustReport } from "../../provider/core/trust-report";
import type { TestChain } from "../support/chain";
import { useChainEmulator } from "../support/chain-emulator";
import { forger } from "../support/forger";
import { hostileProxy } from "../support/hostile-proxy";
import { buildQuote } from "../support/tdx-quote";

jest.setTimeout(60_000);

const SECRET = "sk_trust_cli_value_7";
/** Put in the RPC URL's credentials and query: never printed. */
const RPC_KEY = "rpc-key-never-printed-31";

let chain: TestChain;
let emu: Emulator;
let contract: string;

useChainEmulator(30, (setup) => {
  ({ chain, emu, contract } = setup);
});

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(args: string[], api = emu.url): Promise<Run> {
  const box = { code: 0, out: "", err: "" };
  box.code = await main(args, {
    stdout: (t) => {
      box.out += t;
    },
    stderr: (t) => {
      box.err += t;
    },
    readStdin: () => "",
    env: { PHALA_CLOUD_API_KEY: emu.apiKey, PHALA_CLOUD_API_PREFIX: api },
  });
  for (const text of [box.out, box.err]) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(RPC_KEY);
  }
  return box;
}

/** The chain's RPC URL with credentials, as a hosted node's URL may carry an API key (ganache answers 404 to a query). */
function rpcUrl(): string {
  const url = new URL(chain.url);
  return `http://user:${RPC_KEY}@${url.host}/`;
}

/** The status of each check, from the JSON report. */
async function statuses(
  args: string[],
  api?: string,
): Promise<{ code: number; checks: Record<string, string>; report: TrustReport & { ok: boolean } }> {
  const res = await cli(["trust", ...args, "--json"], api);
  const report = JSON.parse(res.out) as TrustReport & { ok: boolean };
  const checks: Record<string, string> = {};
  for (const c of report.checks) checks[c.check] = c.status;
  return { code: res.code, checks, report };
}

async function baseCvm(): Promise<{ id: string; app: string; signer: string }> {
  const cvm = await emu.admin.createCvm({ name: `t-${Math.random().toString(36).slice(2, 8)}`, kms: "base" });
  return { id: cvm.id, app: cvm.app_id, signer: cvm.k256_pubkey };
}

test("an honest API with --rpc-url: every chain check ok, the signer from the chain, exit 0", async () => {
  const cvm = await baseCvm();
  const args = ["--cvm", cvm.id, "--rpc-url", rpcUrl(), "--kms-contract", contract];
  const text = await cli(["trust", ...args]);
  expect(text.code).toBe(0);
  const origin = new URL(chain.url).origin;
  expect(text.out).toContain(`chain of trust of CVM ${cvm.id}`);
  expect(text.out).toContain(`  app      ${cvm.app}`);
  expect(text.out).toContain(`  chain    8453 via ${origin} (--rpc-url)`);
  expect(text.out).toContain(`  contract ${contract} (--kms-contract)`);
  expect(text.out).toMatch(
    new RegExp(`signer   ${cvm.signer} from the chain \\(kmsInfo\\(\\) at block \\d+\\)`),
  );
  expect(text.out).toMatch(/^ok {11}chain-id {7}the RPC serves chain 8453$/m);
  expect(text.out).toMatch(
    /^ok {11}key-signature {2}the app's key \(fingerprint [0-9a-f]{16}\) is signed by the chain's KMS signer$/m,
  );
  expect(text.out).toMatch(
    /^not checked {2}quote-binding {2}the contract holds no quote; kmsInfo\(\) holds 0 quote bytes$/m,
  );
  expect(text.out).toMatch(/^ok: 5 checks passed, 1 not checked$/m);
  const json = await statuses(args);
  expect(json.code).toBe(0);
  expect(json.report.ok).toBe(true);
  expect(json.report.chain).toEqual({
    id: 8453,
    rpc: origin,
    rpcFrom: "--rpc-url",
    contract,
    contractFrom: "--kms-contract",
  });
  expect(json.report.signer).toMatchObject({ source: "chain", value: cvm.signer });
  expect(json.checks).toEqual({
    "chain-id": "ok",
    contract: "ok",
    "kms-signer": "ok",
    registered: "ok",
    "key-signature": "ok",
    "quote-binding": "not-checked",
  });
});

test("the KMS quote: bound to kmsInfo()'s keys is ok; bound to another CA key FAILED, exit 1", async () => {
  const cvm = await baseCvm();
  const signer = Uint8Array.from(Buffer.from(cvm.signer, "hex"));
  const ca = Uint8Array.from({ length: 91 }, (_, i) => i);
  const args = ["--cvm", cvm.id, "--rpc-url", chain.url, "--kms-contract", contract];
  const quote = buildQuote({ reportData: expectedReportData(ca, signer) });
  await setKmsInfo(chain.rpc, contract, { k256Pubkey: cvm.signer, caPubkey: ca, quote });
  const bound = await statuses(args);
  expect(bound.code).toBe(0);
  expect(bound.checks["quote-binding"]).toBe("ok");
  await setKmsInfo(chain.rpc, contract, { k256Pubkey: cvm.signer, caPubkey: ca.map((b) => b ^ 1), quote });
  const res = await cli(["trust", ...args]);
  expect(res.code).toBe(1);
  expect(res.out).toMatch(/^FAILED {7}quote-binding {2}the quote's report_data does not bind/m);
  expect(res.out).toMatch(/^FAILED: 1 of 6 checks that ran failed$/m);
});

test("a forged key and signer through the API: key-signature FAILED, the chain lines ok, exit 1", async () => {
  const cvm = await baseCvm();
  const proxy = await hostileProxy(emu.url, forger());
  try {
    const res = await cli(
      ["trust", "--cvm", cvm.id, "--rpc-url", chain.url, "--kms-contract", contract],
      proxy.url,
    );
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/^ok {11}registered {5}/m);
    expect(res.out).toMatch(
      /^FAILED {7}key-signature {2}against the chain's KMS signer: app \S+: the env-encryption key is not signed/m,
    );
    expect(proxy.writes).toEqual([]);
  } finally {
    await proxy.close();
  }
});

test("encrypt --cvm --rpc-url with a forging API: refused, no ciphertext printed (accepted without the chain)", async () => {
  const cvm = await baseCvm();
  const proxy = await hostileProxy(emu.url, forger());
  try {
    const anchored = [
      "--cvm",
      cvm.id,
      "--rpc-url",
      chain.url,
      "--kms-contract",
      contract,
      "-e",
      `A=${SECRET}`,
    ];
    const enc = await cli(["encrypt", ...anchored], proxy.url);
    expect(enc.code).toBe(1);
    expect(enc.out).toBe("");
    expect(enc.err).toContain("the env-encryption key is not signed by the KMS signer");
    // Without the chain, encrypt takes the API's signer: the forged key is accepted.
    const unanchored = await cli(["encrypt", "--cvm", cvm.id, "-e", `A=${SECRET}`], proxy.url);
    expect(unanchored.code).toBe(0);
    expect(unanchored.out).toMatch(/^[0-9a-f]+\n$/);
    expect(proxy.writes).toEqual([]);
  } finally {
    await proxy.close();
  }
});

test("the RPC down: chain-id FAILED with the node's origin only, the rest not checked, exit 1", async () => {
  const cvm = await baseCvm();
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const res = await cli([
    "trust",
    "--cvm",
    cvm.id,
    "--rpc-url",
    `http://user:${RPC_KEY}@127.0.0.1:${port}/?key=${RPC_KEY}`,
    "--kms-contract",
    contract,
  ]);
  expect(res.code).toBe(1);
  expect(res.out).toMatch(
    new RegExp(`^FAILED {7}chain-id {7}the chain could not be read: .*http://127\\.0\\.0\\.1:${port}`, "m"),
  );
  expect(res.out).toMatch(/^not checked {2}registered {5}the chain could not be read$/m);
  expect(res.out).toMatch(
    /^not checked {2}key-signature {2}no trusted signer: the chain could not be read$/m,
  );
});

test("no RPC URL for an on-chain app: chain checks not checked, the API's signer said so, exit 0", async () => {
  const cvm = await baseCvm();
  const json = await statuses(["--cvm", cvm.id]);
  expect(json.code).toBe(0);
  expect(json.report.signer).toEqual({ source: "api" });
  expect(json.report.checks[0]).toEqual({
    check: "chain-id",
    status: "not-checked",
    detail: "no RPC URL for chain 8453: pass --rpc-url (or set CVM_SECRETS_RPC_URL_8453)",
  });
  expect(json.checks["key-signature"]).toBe("ok");
});

test("a Phala-KMS (off-chain) CVM: no chain to read and no signature to check, said per line, exit 0", async () => {
  const cvm = await emu.admin.createCvm({ name: "t-phala" });
  const res = await cli(["trust", "--cvm", cvm.id, "--rpc-url", chain.url]);
  expect(res.code).toBe(0);
  expect(res.out).toContain("(off-chain)");
  expect(res.out).toMatch(
    /^not checked {2}chain-id {7}the app's KMS \(phala\) is not on a chain: there is no contract to read$/m,
  );
  expect(res.out).toMatch(
    /^not checked {2}key-signature {2}a Phala-KMS app's key comes from the API unsigned by any trusted signer; pass --trusted-signer/m,
  );
  expect(res.out).toMatch(/^not checked {2}quote-binding {2}the KMS contract was not read$/m);
  expect(res.out).toMatch(/^ok: 0 checks passed, 6 not checked$/m);
});
