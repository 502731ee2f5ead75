/**
 * Input schemas as data, and the one function that checks a value against one. A schema says,
 * per input, the shape it must have and the rule to print when it has not (`reason`: a rule,
 * never a value); `checkShape` walks a value and returns one failure per input that breaks its
 * rule, with the input's path (`rollout.maxUnavailable`, `cvms[1]`).
 *
 * Why not zod, as RegistryCredential uses: CvmSecrets' `check` runs in every preview, and loading
 * zod costs a provider process about 100 ms (test/unit/lazy-load.test.ts keeps it out of
 * check and diff). These shapes are all CvmSecrets needs: strings, whole numbers in a range,
 * one of a few words, lists, maps and objects.
 *
 * A value the engine does not know yet (the wire's unknown sentinel, passed in as `unknown`) is
 * accepted wherever it stands: a preview checks it again once it is known.
 */
import { isRecord } from "./is-record";

/** An input that breaks its rule: its path and the rule (runtime/failures.ts hands it to the engine). */
export interface Failure {
  property: string;
  reason: string;
}

/** The shape one input must have. */
export type Shape =
  /** A string; `nonEmpty`: not blank; `test`: what else it must satisfy. */
  | { kind: "string"; reason: string; nonEmpty?: boolean; test?: (value: string) => boolean }
  /** A whole number in `[min, max]`. */
  | { kind: "int"; reason: string; min: number; max: number }
  /** One of `values`. */
  | { kind: "enum"; reason: string; values: readonly string[] }
  /** A list of `of`; `empty`: the rule printed for an empty list when one is not allowed. */
  | { kind: "list"; reason: string; of: Shape; empty?: string }
  /** A map (an object, not a list) whose values are checked elsewhere. */
  | { kind: "map"; reason: string }
  /** An object with these fields (others are not looked at). */
  | { kind: "object"; reason: string; fields: Fields };

/** An object's fields: each shape, and whether it may be left out. */
export type Fields = Readonly<Record<string, { shape: Shape; optional?: boolean }>>;

/** Pure: the failures of `value` against the fields of a schema, in the schema's order. */
export function checkFields(fields: Fields, value: Record<string, unknown>, unknown: string): Failure[] {
  return Object.entries(fields).flatMap(([name, field]) => {
    const v = value[name];
    if (v === undefined && field.optional) return [];
    return checkShape(field.shape, v, name, unknown);
  });
}

/** Pure: the failures of `value` against `shape`, `path` naming it. */
export function checkShape(shape: Shape, value: unknown, path: string, unknown: string): Failure[] {
  if (value === unknown) return [];
  const fail = (reason: string, at = path): Failure[] => [{ property: at, reason }];
  switch (shape.kind) {
    case "string":
      return typeof value === "string" &&
        !(shape.nonEmpty && value.trim() === "") &&
        (shape.test === undefined || shape.test(value))
        ? []
        : fail(shape.reason);
    case "int":
      return typeof value === "number" && Number.isInteger(value) && value >= shape.min && value <= shape.max
        ? []
        : fail(shape.reason);
    case "enum":
      return typeof value === "string" && shape.values.includes(value) ? [] : fail(shape.reason);
    case "list":
      if (!Array.isArray(value)) return fail(shape.reason);
      if (value.length === 0 && shape.empty !== undefined) return fail(shape.empty);
      return value.flatMap((item, i) => checkShape(shape.of, item, `${path}[${i}]`, unknown));
    case "map":
      return isRecord(value) ? [] : fail(shape.reason);
    case "object":
      return isRecord(value)
        ? checkFields(shape.fields, value, unknown).map((f) => ({ ...f, property: `${path}.${f.property}` }))
        : fail(shape.reason);
  }
}
