/**
 * The shapes CvmSecrets keeps in Pulumi state, and pure helpers over them.
 *
 * Inputs (after `check`) carry the plaintext env and registry variables (secret) and the per-key
 * fingerprints (not secret: value-independent change tokens, see core/fingerprint.ts) — the
 * fingerprints are what `pulumi preview --diff` and the PR summary show, because a changed
 * secret inside a map is displayed as `[secret]` without any change marker.
 *
 * Outputs carry no secret-derived value at all (the SDK prints every output of a resource at
 * debug level, secret or not): the non-secret inputs, the fingerprints, and what the provider
 * learned — per-CVM truth (`applied`: the digest of the fingerprints each CVM carries and runs
 * with), app ids, pinned keys, compose hashes, the last rollout. `diff`, `delete` and `read`
 * work from those alone; only `check` and `create`/`update` see the plaintext (the inputs).
 */
import type { Owner } from "../core/envelope-facts";
import type { KeyAnchor } from "../core/key-anchor";
import type { PlanState } from "../core/plan";
import { containsUnknown, withoutUndefined } from "../runtime/wire";
import { labelForms } from "./forms";
import { byResolvedId, migrate } from "./migrate";
import { SECRET_INPUT_KEYS } from "./properties";

export type ComposeCheckMode = "error" | "warn" | "off";

/** Inputs as the provider receives them after `check`. */
export interface CvmSecretsInputs {
  resourceName?: string;
  /**
   * The resource's Pulumi URN, set by the resource class. Every push carries its owner tag
   * (core/envelope-facts.ts): a replacement has the same URN, so its create knows which CVMs the
   * resource it replaces pushed to, on any machine.
   */
  ownerUrn?: string;
  /**
   * The key of the resource's `OwnerKey` (64 hex digits, secret): mixed into every push's owner
   * tag, so only a resource holding it — this one, or its replacement — recognises its pushes
   * (core/envelope-facts.ts). Absent: pushes carry the v1 tag, which proves nothing.
   */
  ownerKey?: string;
  cvms: string[];
  env: Record<string, string>;
  registryHost?: string;
  registryEnv?: Record<string, string>;
  rollout?: { maxUnavailable?: number; readyTimeoutSeconds?: number };
  kms?: { trustedSigner?: string; allowKeyChange?: boolean; rpcUrl?: string; contract?: string };
  composeCheck?: ComposeCheckMode;
  adopt?: boolean;
  retainOnRemove?: boolean;
  transactionHash?: string;
  /** Per CVM, what deleting the resource will do to it (set by check, core/announce.ts). */
  onDelete?: Record<string, string>;
  /** The stack-wide default credential's variables when no `registry` is given (secret). */
  defaultRegistryEnv?: Record<string, string>;
  fingerprints?: Record<string, string>;
  /**
   * Set by `check`: per id form in `cvms` (as typed), the CVM's `cvm_…` id as the API resolved
   * it. Forms already known are kept from the previous state, so only a new form costs a request.
   */
  cvmIds?: Record<string, string>;
  /** How many env changes the fingerprints have seen (core/fingerprint.ts `nextGeneration`). */
  fingerprintGeneration?: number;
  /** Positions of `cvms` given as secrets, or `true` for the whole list (secret-ids.ts). */
  secretCvms?: true | number[];
}

/** What a CVM's last rollout did. */
export interface LastRolloutState {
  at: string;
  restarted: string[];
  reason: string;
}

/** Outputs (state) of a CvmSecrets resource. */
export interface CvmSecretsOutputs extends CvmSecretsInputs {
  envKeys: string[];
  /** Per CVM: the digest of the env it carries and runs with. Absent = unknown / not yet pushed. */
  applied: Record<string, string>;
  /**
   * Per CVM: sha256 of the `encrypted_env` this resource last pushed to it (not secret: the
   * ciphertext has a random ephemeral key). A CVM whose latest app revision carries another
   * ciphertext was written by someone else since: delete leaves it alone, refresh reports it.
   */
  pushed?: Record<string, string>;
  appIds: Record<string, string>;
  encryptionPublicKeys: Record<string, string>;
  /**
   * Per app: what its key was checked against (core/key-anchor.ts): the anchor (`trustedSigner`,
   * `chain`, `api`, `unsigned`), chain id, contract, block, signer fingerprint and quote binding.
   * A `chain` anchor pins chain, contract and signer. Absent in states of earlier versions.
   */
  keyAnchors?: Record<string, KeyAnchor>;
  /** Keys seen on the server by the last refresh that differ from the pinned ones. */
  observedEncryptionPublicKeys?: Record<string, string>;
  composeHashes: Record<string, string>;
  /** Per app: the compose hash an on-chain KMS must allow (from HTTP 465), until phase 2 is done. */
  pendingComposeHashes?: Record<string, string>;
  lastRollout?: LastRolloutState;
  /** Secret CVM ids and the position that names each (secret-ids.ts); a secret output. */
  idLabels?: Record<string, string>;
}

/** The state a new resource starts from: no CVMs, no env (its plan says "first deploy"). */
export function noPreviousState(inputs: CvmSecretsInputs): CvmSecretsOutputs {
  return {
    ...inputs,
    cvms: [],
    fingerprints: {},
    envKeys: [],
    applied: {},
    appIds: {},
    encryptionPublicKeys: {},
    composeHashes: {},
  };
}

/** Default rollout settings (docs/restarts-and-ownership.md). */
export const DEFAULT_MAX_UNAVAILABLE = 1;
export const DEFAULT_READY_TIMEOUT_SECONDS = 600;

export { envDigest } from "../core/fingerprint";

/**
 * Who a push of this resource is by (core/envelope-facts.ts): its URN and owner key; undefined
 * without a URN (no tag is written, none recognised).
 */
export function ownerOf(inputs: Pick<CvmSecretsInputs, "ownerUrn" | "ownerKey">): Owner | undefined {
  if (!inputs.ownerUrn) return undefined;
  return inputs.ownerKey ? { urn: inputs.ownerUrn, key: inputs.ownerKey } : { urn: inputs.ownerUrn };
}

/** What may be returned as outputs: everything but the plaintext-bearing inputs. */
export function publicOutputs(outs: object): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...outs };
  for (const key of SECRET_INPUT_KEYS) delete copy[key];
  return withoutUndefined(copy);
}

/**
 * The plan's view of a resource's old state (core/plan.ts). `ids` maps typed forms to resolved
 * ids (the new inputs' map: it knows every form the old state used, and any new one).
 */
export function planStateOf(
  old: CvmSecretsOutputs,
  ids: Readonly<Record<string, string>> | undefined = old.cvmIds,
  journal?: Readonly<Record<string, string>>,
): PlanState {
  const map = { ...old.cvmIds, ...ids };
  const { cvms, labels } = labelForms(old.cvms ?? [], map);
  const { perCvm } = migrate(old as unknown as Record<string, unknown>, map);
  return {
    cvms,
    forms: old.cvms ?? [],
    labels,
    journal: journal ? byResolvedId(journal, map) : undefined,
    fingerprints: old.fingerprints ?? {},
    applied: perCvm.applied,
    appIds: perCvm.appIds,
    encryptionKeys: old.encryptionPublicKeys ?? {},
    observedKeys: old.observedEncryptionPublicKeys ?? {},
    allowKeyChange: old.kms?.allowKeyChange === true,
    retainOnRemove: old.retainOnRemove === true,
    rollout: old.rollout,
    composeCheck: old.composeCheck,
    envKeys: old.envKeys,
  };
}

/** The plan's view of the new inputs: what the CVMs should see. */
export function desiredOf(
  news: CvmSecretsInputs,
  ids: Readonly<Record<string, string>> | undefined = news.cvmIds,
): PlanState {
  const forms = Array.isArray(news.cvms) ? news.cvms : [];
  const { cvms, labels } = labelForms(
    forms.filter((f) => typeof f === "string"),
    ids,
  );
  return {
    cvms,
    forms,
    labels,
    fingerprints: news.fingerprints ?? {},
    unknown:
      news.fingerprints === undefined || containsUnknown(news.fingerprints) || containsUnknown(news.cvms),
    unknownInput:
      containsUnknown(news.registryEnv) && !containsUnknown(news.env) && !containsUnknown(news.cvms)
        ? "the registry credential"
        : undefined,
    applied: {},
    encryptionKeys: {},
    observedKeys: {},
    allowKeyChange: news.kms?.allowKeyChange === true,
    retainOnRemove: news.retainOnRemove === true,
    rollout: news.rollout,
    composeCheck: news.composeCheck,
    adopt: news.adopt === true,
  };
}

export function maxUnavailable(x: { rollout?: { maxUnavailable?: number } }): number {
  return x.rollout?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE;
}

export function readyTimeoutMs(x: { rollout?: { readyTimeoutSeconds?: number } }): number {
  return (x.rollout?.readyTimeoutSeconds ?? DEFAULT_READY_TIMEOUT_SECONDS) * 1000;
}
