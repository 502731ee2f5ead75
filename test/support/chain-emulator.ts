/**
 * Jest hooks for tests of the on-chain KMS against the emulator: one ganache chain per file
 * (chain id 8453, Base's), a fresh emulator per test whose base KMS contract is deployed on that
 * chain (`startEmulator({ chainRpcUrl })`), closed after the test.
 */
import { type Emulator, startEmulator } from "../../emulator";
import { startChain, type TestChain } from "./chain";

/** What a test gets: the chain, the emulator, and the address of its base KMS contract. */
export interface ChainEmulator {
  chain: TestChain;
  emu: Emulator;
  contract: string;
}

/** Registers the hooks; `started` runs before each test with the fresh emulator. */
export function useChainEmulator(restartMs: number, started: (setup: ChainEmulator) => void): void {
  let chain: TestChain | undefined;
  let emu: Emulator | undefined;
  beforeAll(async () => {
    chain = await startChain(8453);
  });
  afterAll(async () => {
    await chain?.close();
  });
  beforeEach(async () => {
    emu = await startEmulator({ restartMs, chainRpcUrl: chain!.url });
    const kms = (await fetch(`${emu.url}/kms`, { headers: { "x-api-key": emu.apiKey } }).then((r) =>
      r.json(),
    )) as { items: Array<{ chain_id: number | null; kms_contract_address: string | null }> };
    const contract = kms.items.find((k) => k.chain_id === 8453)!.kms_contract_address!;
    started({ chain: chain!, emu, contract });
  });
  afterEach(async () => {
    await emu?.close();
  });
}
