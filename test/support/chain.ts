/**
 * A real EVM for tests: ganache 7.9.2 in-process on 127.0.0.1 (port 0) with a given chain id,
 * MockKms (test/fixtures/MockKms.sol) compiled with solc (evmVersion "paris": ganache 7.9 lacks
 * the Cancun opcodes) and deployed from the first unlocked account. `close` stops the node.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { deployKmsContract, type KmsInfoInput, setKmsInfo, setRegistered } from "../../emulator/kms-contract";
import { type JsonRpc, jsonRpc } from "../../provider/api/chain/rpc";

/** A running development chain. */
export interface TestChain {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  chainId: number;
  rpc: JsonRpc;
  close(): Promise<void>;
}

/** Starts ganache with `chainId`, instant mining, quiet logs. */
export async function startChain(chainId: number): Promise<TestChain> {
  const ganache = require("ganache") as typeof import("ganache");
  const server = ganache.server({
    chain: { chainId },
    logging: { quiet: true },
    wallet: { totalAccounts: 2, deterministic: true },
    miner: { blockGasLimit: 30_000_000 },
  });
  await server.listen(0, "127.0.0.1");
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return { url, chainId, rpc: jsonRpc({ url }), close: () => server.close() };
}

/** The MockKms source and its solc 0.8.37 compilation as emulator/kms-contract.ts ships it. */
export function compileMockKms(): {
  bytecode: string;
  methodIdentifiers: Record<string, string>;
  version: string;
} {
  const solc = require("solc") as { compile(input: string): string; version(): string };
  const source = readFileSync(path.join(__dirname, "../fixtures/MockKms.sol"), "utf8");
  const input = {
    language: "Solidity",
    sources: { "MockKms.sol": { content: source } },
    settings: {
      evmVersion: "paris",
      optimizer: { enabled: true, runs: 200 },
      metadata: { bytecodeHash: "none", appendCBOR: false },
      outputSelection: { "*": { "*": ["evm.bytecode.object", "evm.methodIdentifiers"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<
      string,
      Record<string, { evm: { bytecode: { object: string }; methodIdentifiers: Record<string, string> } }>
    >;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const contract = output.contracts["MockKms.sol"]!.MockKms!;
  return {
    bytecode: `0x${contract.evm.bytecode.object}`,
    methodIdentifiers: contract.evm.methodIdentifiers,
    version: solc.version(),
  };
}

/** Deploys MockKms with `kmsInfo` and the given apps registered; resolves to its address. */
export async function deployMockKms(
  chain: TestChain,
  info: KmsInfoInput,
  apps: readonly string[] = [],
): Promise<string> {
  const contract = await deployKmsContract(chain.rpc);
  await setKmsInfo(chain.rpc, contract, info);
  for (const app of apps) await setRegistered(chain.rpc, contract, app, true);
  return contract;
}

/**
 * An RPC URL with a credential in its path, as hosted nodes hand out (`…/<token>`), answered by
 * `chain`: a loopback forwarder that posts every request body to the node's root (ganache
 * answers on `/` only). `close` stops the forwarder, not the chain.
 */
export async function rpcWithPathToken(
  chain: TestChain,
  token: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      if (req.url !== `/${token}`) {
        res.writeHead(404).end();
        return;
      }
      try {
        const answer = await fetch(chain.url, {
          method: req.method,
          headers: { "content-type": "application/json" },
          body: Buffer.concat(chunks),
        });
        res.writeHead(answer.status, { "content-type": "application/json" });
        res.end(Buffer.from(await answer.arrayBuffer()));
      } catch {
        res.writeHead(502).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${token}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
