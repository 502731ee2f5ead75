/**
 * Property values as the engine sends and takes them over gRPC (`google.protobuf.Struct`,
 * converted with `toJavaScript` / `fromJavaScript`), and as the provider methods take them:
 * plain values — secrets revealed, and concealed again on the way back.
 *
 * The plugin accepts secrets (`acceptSecrets`), so a secret arrives wrapped in Pulumi's secret
 * signature object and must go back wrapped: the engine no longer re-marks outputs itself. An
 * unknown value (preview) arrives as Pulumi's unknown sentinel string, which the provider
 * methods already handle. The sentinels and the wrapping itself are runtime/wire.ts's. Pure: no I/O.
 */
import { isSecretWire, secretWire } from "../runtime/wire";

export type Props = Record<string, unknown>;

/** Wraps a value as a secret (once). */
export function secret(value: unknown): unknown {
  return isSecretWire(value) ? value : secretWire(value);
}

/** The value with every secret wrapper removed, and whether there was one. */
export function reveal(value: unknown): { plain: unknown; secret: boolean } {
  if (isSecretWire(value)) return { plain: reveal(value.value).plain, secret: true };
  if (Array.isArray(value)) {
    const items = value.map(reveal);
    return { plain: items.map((i) => i.plain), secret: items.some((i) => i.secret) };
  }
  if (value !== null && typeof value === "object") {
    let found = false;
    const plain: Props = {};
    for (const [k, v] of Object.entries(value)) {
      const r = reveal(v);
      plain[k] = r.plain;
      found ||= r.secret;
    }
    return { plain, secret: found };
  }
  return { plain: value, secret: false };
}

/** Plain properties, and the top-level keys that held a secret anywhere inside. */
export function revealProps(props: Props | undefined): { plain: Props; secretKeys: Set<string> } {
  const plain: Props = {};
  const secretKeys = new Set<string>();
  for (const [k, v] of Object.entries(props ?? {})) {
    const r = reveal(v);
    plain[k] = r.plain;
    if (r.secret) secretKeys.add(k);
  }
  return { plain, secretKeys };
}

/** Marks the given top-level keys secret where present. */
export function concealKeys(props: Props, keys: Iterable<string>): Props {
  const out: Props = { ...props };
  for (const key of keys) if (out[key] !== undefined) out[key] = secret(out[key]);
  return out;
}

/** The resource name in a URN (`urn:pulumi:stack::project::type::name`). */
export function nameOfUrn(urn: string): string {
  const at = urn.lastIndexOf("::");
  return at < 0 ? urn : urn.slice(at + 2);
}

/**
 * Which CVM ids the program gave as secrets (the resource's `secretCvms` input): `true` for a
 * secret list, else the secret positions, else undefined. The dynamic class works this out in
 * the program; the plugin reads it off the wire.
 */
export function secretPositionsOnWire(cvms: unknown): true | number[] | undefined {
  if (isSecretWire(cvms)) return true;
  if (!Array.isArray(cvms)) return undefined;
  const at = cvms.flatMap((cvm, i) => (isSecretWire(cvm) ? [i] : []));
  return at.length > 0 ? at : undefined;
}
