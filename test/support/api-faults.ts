/**
 * Generated API behaviour for the invariant tests (fast-check arbitraries), and what those tests
 * share: the id form `cvms` names a CVM in, what a hostile API reports at the second `up`, the
 * faults a push meets (a lost answer, a CVM busy for another reason, a failing wait), state as
 * a version before ids were resolved wrote it, and which key an envelope was encrypted to.
 */
import fc from "fast-check";
import { bootEnv, generateX25519 } from "../../emulator/guest";
import type { Resource } from "./provider-harness";

/** How `cvms` names a CVM (every form the API accepts). */
export type IdForm = "name" | "vm_uuid" | "app" | "cvm";
export const ID_FORMS: readonly IdForm[] = ["name", "vm_uuid", "app", "cvm"];

/** The typed form of a CVM the emulator created (`POST /_emulator/cvms`'s answer). */
export function typedForm(created: Record<string, unknown>, form: IdForm): string {
  const appId = String(created.app_id);
  const app = appId.startsWith("app_") ? appId : `app_${appId}`;
  return { name: String(created.name), vm_uuid: String(created.vm_uuid), app, cvm: String(created.id) }[form];
}

/** The per-CVM records of state (cvm-secrets/migrate.ts PER_CVM_KEYS). */
const PER_CVM = ["applied", "pushed", "appIds", "composeHashes"] as const;

/** The resource as a version before ids were resolved wrote it: per-CVM records keyed by the typed form, no `cvmIds`. */
export function writtenByTypedForm(resource: Resource, id: string, typed: string): Resource {
  const rekey = (props: Record<string, unknown>): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...props };
    delete copy.cvmIds;
    for (const key of PER_CVM) {
      const record = copy[key] as Record<string, string> | undefined;
      if (record?.[id] !== undefined) copy[key] = { [typed]: record[id] };
    }
    return copy;
  };
  return { id: resource.id, inputs: rekey(resource.inputs), outputs: rekey(resource.outputs) };
}

/** A key pair the attacker holds (the secret decrypts what is encrypted to the public key). */
export function attackerKey(): { publicKey: string; secret: Uint8Array } {
  const pair = generateX25519();
  return { publicKey: Buffer.from(pair.publicKey).toString("hex"), secret: pair.secretKey };
}

/** Whether `encryptedEnv` (hex) was encrypted to the key whose secret is `secret`. */
export function decryptsWith(encryptedEnv: string, secret: Uint8Array): boolean {
  return bootEnv(encryptedEnv.replace(/^0x/i, "").toLowerCase(), secret, []).ok;
}

/** What the API reports for the CVM at the second `up`. */
export type ApiLie =
  /** The truth. */
  | "honest"
  /** Another app, with a key the attacker holds. */
  | "swap-app"
  /** The same app, with a key the attacker holds. */
  | "swap-key";

/** One scenario of invariant 1 (keys). */
export interface KeyScenario {
  form: IdForm;
  /** The state was written by a version before ids were resolved. */
  legacyState: boolean;
  api: ApiLie;
  /** The app's real key is rotated before the second `up`. */
  rotate: boolean;
  allowKeyChange: boolean;
}

export const keyScenarios: fc.Arbitrary<KeyScenario> = fc.record({
  form: fc.constantFrom(...ID_FORMS),
  legacyState: fc.boolean(),
  api: fc.constantFrom<ApiLie>("honest", "swap-app", "swap-key"),
  rotate: fc.boolean(),
  allowKeyChange: fc.boolean(),
});

/** What a push to one CVM meets at the second `up`. */
export type PushFault =
  /** Nothing. */
  | "none"
  /** Forwarded and applied; the answer is lost (a reset connection). */
  | "answer-lost"
  /** The CVM is made busy for another reason (a restart) and the push is dropped before the API. */
  | "busy-and-dropped"
  /** Applied, but the CVM's next boot fails (the wait for it fails). */
  | "boot-error";

export const PUSH_FAULTS: readonly PushFault[] = ["none", "answer-lost", "busy-and-dropped", "boot-error"];

/** One scenario of invariant 3 (evidence): the fault each replica's push meets, in order. */
export interface EvidenceScenario {
  faults: PushFault[];
  /** Replicas restarted at once (`rollout.maxUnavailable`). */
  maxUnavailable: number;
}

export const evidenceScenarios: fc.Arbitrary<EvidenceScenario> = fc.record({
  faults: fc.array(fc.constantFrom(...PUSH_FAULTS), { minLength: 1, maxLength: 3 }),
  maxUnavailable: fc.constantFrom(1, 3),
});
