/**
 * `OwnerKey`'s provider methods: 32 random bytes made once, at create, and kept in the stack's
 * state as the secret output `key` (64 hex digits). A `CvmSecrets` mixes it into the owner tag
 * of every push (core/envelope-facts.ts), so only a resource of this stack holding it — the
 * CvmSecrets, or its replacement after `pulumi up --replace` — recognises its pushes; the same
 * project, stack and resource names in another backend have another key.
 *
 * It has no inputs and never changes: diff answers no change, update keeps the key, delete does
 * nothing (nothing outside the state holds it), read returns what state has. The dynamic stub
 * (dynamic/owner-key-stub.ts) loads this module as `pulumi-cvm-secrets/impl/owner-key`, a path
 * stored in users' state; the plugin serves it as `cvm-secrets:index:OwnerKey`.
 */
import { randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { OWNER_KEY_BYTES } from "../core/envelope-facts";
import { isSecretWire, secretWire } from "../runtime/wire";

type Props = Record<string, unknown>;

/** The inputs as given: an OwnerKey takes none (the dynamic host's `__provider` passes through). */
export async function check(_olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
  return { inputs: news };
}

/** Never a change: the key is made once and kept, whatever the inputs. */
export async function diff(_id: string, _olds: Props, _news: Props): Promise<pulumi.dynamic.DiffResult> {
  return { changes: false };
}

/** A new key (`crypto.randomBytes`), returned as a secret; the id is random too, never derived from the key. */
export async function create(_inputs: Props): Promise<pulumi.dynamic.CreateResult> {
  return {
    id: `ownerkey-${randomBytes(8).toString("hex")}`,
    outs: { key: secretWire(randomBytes(OWNER_KEY_BYTES).toString("hex")) },
  };
}

/** Keeps the key (diff never asks for an update; an engine that does anyway changes nothing). */
export async function update(_id: string, olds: Props, _news: Props): Promise<pulumi.dynamic.UpdateResult> {
  return { outs: keyOf(olds) };
}

/** Nothing to undo: the key lives in the stack's state only. */
export async function remove(_id: string, _props: Props): Promise<void> {}

/** What state has (refresh). */
export async function read(id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
  return { id, props: keyOf(props) };
}

/** The state's key, as a secret (absent when state has none). */
function keyOf(props: Props): Props {
  const key = isSecretWire(props.key) ? props.key.value : props.key;
  return typeof key === "string" ? { key: secretWire(key) } : {};
}
