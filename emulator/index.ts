/**
 * A local Phala Cloud: `startEmulator()` serves the secrets-relevant subset of the Phala Cloud
 * API (the Phala Cloud API, emulator/COVERAGE.md; emulator/COVERAGE.md) on loopback, with admin endpoints under
 * `/_emulator` and their JS mirror `admin`. See emulator/COVERAGE.md for what is emulated.
 */
// First: a Node.js too old gets a sentence, not a dependency's stack trace.
import "../provider/node-version";
import type { AddressInfo } from "node:net";
import { EmulatorAdmin } from "./admin";
import { EmulatorChain } from "./chain";
import { FaultPlan } from "./faults";
import { newApiKey } from "./ids";
import { API_PREFIX, createEmulatorServer } from "./server";
import { EmulatorState } from "./state";

export {
  type AppInfo,
  type CountsInfo,
  type CreateAppInput,
  type CreateCvmInput,
  EmulatorAdmin,
  EmulatorAdminError,
  type GuestInfo,
  type OpsEntry,
} from "./admin";
export type { FaultSpec } from "./faults";
export type { KmsKind } from "./state";

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Listen address; default `127.0.0.1` (loopback). */
  host?: string;
  /** The `X-API-Key` to accept; default a random `phak_…`. */
  apiKey?: string;
  /** How long a restart (env update, restart, start, stop) takes, in ms; default 1500. */
  restartMs?: number;
  /** Persist apps, CVMs and keys here (mode 0600) after each change; loaded on start. */
  stateFile?: string;
  /** Receives one line per request (method, route, status, duration) and lifecycle events. */
  log?: (line: string) => void;
  /**
   * JSON-RPC URL of a development chain (ganache, anvil, hardhat: it must offer an unlocked
   * account). Each on-chain KMS on that chain's id gets a KMS contract there with the
   * emulator's signer, reported as its contract address; its apps are registered on it.
   */
  chainRpcUrl?: string;
}

/** A running emulator. */
export interface Emulator {
  /** Base URL of the API, e.g. `http://127.0.0.1:41234/api/v1`. */
  url: string;
  /** The API key it accepts. */
  apiKey: string;
  /** Stops the server, open streams and pending restarts. */
  close(): Promise<void>;
  /** JS mirror of the `/_emulator` admin endpoints. */
  admin: EmulatorAdmin;
}

/** Starts an emulator and resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const log = options.log ?? (() => {});
  const apiKey = options.apiKey ?? newApiKey();
  const faults = new FaultPlan();
  let chain: EmulatorChain | undefined;
  const state = new EmulatorState({
    restartMs: options.restartMs ?? 1500,
    stateFile: options.stateFile,
    log,
    faults,
    onApp: (app) => chain?.register(app),
  });
  if (options.chainRpcUrl) chain = await EmulatorChain.start(options.chainRpcUrl, state, log);
  const server = createEmulatorServer({
    apiKey,
    state,
    faults,
    log,
    beforeRequest: () => chain?.idle() ?? Promise.resolve(),
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}${API_PREFIX}`,
    apiKey,
    admin: new EmulatorAdmin({ state, faults }),
    close() {
      closed ??= new Promise<void>((resolve) => {
        state.stopTimers();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
