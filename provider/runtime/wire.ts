/**
 * Pulumi's wire vocabulary, in one place: the unknown sentinel and the secret signature
 * (defined in core/pulumi-wire.ts, where pure code can read them), and the helpers every provider
 * method uses on values as the engine sends and takes them — wrap or recognise a secret, find an
 * unknown, drop what a Struct cannot carry. Pure: no I/O.
 */
import { SECRET_SIG, SECRET_SIG_KEY, UNKNOWN } from "../core/pulumi-wire";

export { SECRET_SIG, SECRET_SIG_KEY, UNKNOWN };

/** A value in Pulumi's secret wire form: what the engine reads as a secret from a provider. */
export interface SecretWire<T = unknown> {
  [SECRET_SIG_KEY]: typeof SECRET_SIG;
  value: T;
}

/** Wraps a value in secret wire form (the provider cannot mark an output secret otherwise). */
export function secretWire<T>(value: T): SecretWire<T> {
  return { [SECRET_SIG_KEY]: SECRET_SIG, value };
}

/** True when a value is in secret wire form (an object carrying the secret signature). */
export function isSecretWire(value: unknown): value is SecretWire {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG
  );
}

/** True when the value (or anything inside it) is the unknown placeholder. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/**
 * The engine's gRPC Struct cannot carry `undefined` ("Unexpected struct type"): drop such keys,
 * recursively, from anything returned to it. Secret wrappers and the unknown sentinel are kept
 * as they are.
 */
export function withoutUndefined(value: object): Record<string, unknown> {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(
        Object.entries(v)
          .filter(([, x]) => x !== undefined)
          .map(([k, x]) => [k, strip(x)]),
      );
    }
    return v;
  };
  return strip(value) as Record<string, unknown>;
}
