/**
 * The emulator's on-chain KMS on a real development chain (`startEmulator({ chainRpcUrl })`,
 * `--chain-rpc URL`): at start, each on-chain KMS whose chain id is the node's gets a KMS
 * contract (kms-contract.ts) deployed there, holding the emulator's own signer as
 * `kmsInfo().k256Pubkey`, and its KMS record reports that address; every app of that KMS is
 * registered on it (`registeredApps`), those created later too. Requests wait for pending
 * registrations ({@link EmulatorChain.idle}), so an app the API reports is on chain already.
 */
import { jsonRpc } from "../provider/api/chain/rpc";
import { deployKmsContract, setKmsInfo, setRegistered } from "./kms-contract";
import type { AppRecord, EmulatorState, KmsRecord } from "./state";

/** A chain the emulator's on-chain KMS lives on. */
export class EmulatorChain {
  private pending: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  private constructor(
    private readonly rpc: ReturnType<typeof jsonRpc>,
    /** KMS records deployed on this chain, by kind. */
    readonly deployed: ReadonlyMap<string, KmsRecord>,
  ) {}

  /** Deploys the KMS contracts of `state` on the chain at `url` and registers the known apps. */
  static async start(url: string, state: EmulatorState, log: (line: string) => void): Promise<EmulatorChain> {
    const rpc = jsonRpc({ url });
    const chainId = Number.parseInt(String(await rpc.call("eth_chainId", [])), 16);
    const deployed = new Map<string, KmsRecord>();
    for (const kms of state.kms) {
      if (kms.chainId !== chainId) continue;
      const contract = await deployKmsContract(rpc);
      await setKmsInfo(rpc, contract, { k256Pubkey: kms.k256Pubkey });
      kms.contractAddress = contract;
      deployed.set(kms.type, kms);
      log(`chain ${chainId}: KMS ${kms.slug} deployed at ${contract}`);
    }
    if (deployed.size === 0) log(`chain ${chainId}: no on-chain KMS of the emulator is on this chain`);
    state.save();
    const chain = new EmulatorChain(rpc, deployed);
    for (const app of state.apps.values()) chain.register(app);
    await chain.idle();
    return chain;
  }

  /** Registers `app` on its KMS's contract when that KMS is on this chain (queued, in order). */
  register(app: AppRecord): void {
    const kms = this.deployed.get(app.kms);
    if (!kms?.contractAddress) return;
    const contract = kms.contractAddress;
    this.pending = this.pending
      .then(() => setRegistered(this.rpc, contract, app.appId, true))
      .catch((error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
      });
  }

  /** Resolves when every registration so far is on chain; rejects if one failed. */
  async idle(): Promise<void> {
    await this.pending;
    if (this.failure) throw new Error(`registering an app on chain failed: ${this.failure.message}`);
  }
}
