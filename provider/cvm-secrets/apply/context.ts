/**
 * What every phase of an apply (`create` / `update`, ../apply.ts) is given: the resource, its old
 * state and new inputs, the call's deadline, and the I/O it may use (the Phala Cloud client and
 * the provider log). Built once per call; the phases only read it.
 */
import type { PhalaClient } from "../../api/phala";
import type { Owner } from "../../core/envelope-facts";
import type { ProviderLog } from "../../runtime/engine-log";
import type { CvmSecretsInputs, CvmSecretsOutputs } from "../state";

export interface ApplyContext {
  /** The resource id (`cvmsecrets-…`): names the journal, and the resource when it has no name. */
  id: string;
  /** The resource's name in messages (`resourceName`, else the id). */
  name: string;
  /** The old state; a create starts from `noPreviousState`. */
  old: CvmSecretsOutputs;
  /** The new inputs, as check left them (with `fingerprints` and `cvmIds`). */
  inputs: CvmSecretsInputs;
  /** The env pushed: `env` plus the registry credential's entries (steps/registry-env.ts). */
  env: Readonly<Record<string, string>>;
  /**
   * The resource's URN and owner key, written as the owner tag of every push and recognised in
   * a CVM's newest revision (core/envelope-facts.ts); undefined without a URN.
   */
  owner: Owner | undefined;
  /** The `__provider` input, kept in the state of a failed rollout. */
  providerText: unknown;
  creating: boolean;
  /** When the engine gives up on this call (ms since the epoch); no push starts after it. */
  deadline: number | undefined;
  client: PhalaClient;
  log: ProviderLog;
  /** Info line about this resource. */
  say(line: string): void;
  /** Warning about this resource. */
  warn(message: string): void;
}
