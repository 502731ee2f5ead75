/**
 * The builder of the Phala Cloud API's zod schemas and the models several API areas share.
 * Schemas are written from Phala's OpenAPI document ("Phala Cloud API", components/schemas;
 * names below are the document's) and, where the document leaves a body untyped (`{}`), from the
 * official SDK's schemas (npm `@phala/cloud`). Each area's schemas sit beside its calls
 * (cvms.ts, apps.ts, kms.ts, …) and are built here, by {@link perMode}.
 *
 * One definition, two strictness modes:
 * - `exact`: what the documented server sends — every property the model declares is present
 *   (a FastAPI response model serializes all of its fields, null or default included) and no
 *   other key. The emulator's responses are tested against these, so it can never be more
 *   generous than the API.
 * - `tolerant`: what this package's client accepts — the document's required keys must be
 *   there with their types; other declared keys may be missing; extra keys are allowed (a
 *   newer server may add fields, and the KMS pubkey answer may carry `timestamp` /
 *   `signature_v1`).
 *
 * Enumerations stay exact in both modes: a value the document does not list is not guessed at.
 */
import { z } from "zod";

/** How strictly a schema reads. */
export type SchemaMode = "exact" | "tolerant";

/** The API versions the schemas describe (`X-Phala-Version`). */
export type PhalaApiVersion = "2025-10-28" | "2026-01-21" | "2026-05-22";

/** The parsed type: the document's required keys, the others possibly absent. */
type Relaxed<S extends z.ZodRawShape, R extends keyof S> = { [K in R]: z.output<S[K]> } & {
  [K in Exclude<keyof S, R>]?: z.output<S[K]>;
};

/** The building blocks of one mode: `model()` and the document's scalar formats. */
export function schemaKit(mode: SchemaMode) {
  const exact = mode === "exact";
  /** An object model: `required` = the document's `required` list. */
  function model<S extends z.ZodRawShape, R extends keyof S & string = never>(
    shape: S,
    required: readonly R[] = [],
  ): z.ZodType<Relaxed<S, R>> {
    if (exact) return z.strictObject(shape) as unknown as z.ZodType<Relaxed<S, R>>;
    const relaxed: Record<string, z.ZodType> = {};
    for (const [key, value] of Object.entries(shape)) {
      relaxed[key] = (required as readonly string[]).includes(key)
        ? (value as z.ZodType)
        : (value as z.ZodType).optional();
    }
    return z.looseObject(relaxed) as unknown as z.ZodType<Relaxed<S, R>>;
  }
  return {
    mode,
    exact,
    model,
    str: z.string(),
    int: z.number().int(),
    num: z.number(),
    bool: z.boolean(),
    opt: <T extends z.ZodType>(t: T) => t.nullable(),
    /** `format: hashid` with its prefix, e.g. `cvm_…`. */
    hashid: (prefix: string) => z.string().regex(new RegExp(`^${prefix}_.+`)),
    /** `format: date-time` (ISO 8601). */
    dateTime: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "not an ISO 8601 date-time"),
    /** `additionalProperties: true` objects. */
    anyObject: z.record(z.string(), z.unknown()),
  };
}

/** What an area's schema builder gets. */
export type SchemaKit = ReturnType<typeof schemaKit>;

/** An area's schemas, built once per mode. */
export function perMode<T>(build: (kit: SchemaKit) => T): (mode: SchemaMode) => T {
  const built = new Map<SchemaMode, T>();
  return (mode) => {
    let schemas = built.get(mode);
    if (schemas === undefined) {
      schemas = build(schemaKit(mode));
      built.set(mode, schemas);
    }
    return schemas;
  };
}

/** Models several areas use: the KMS record, workspace and user references, error bodies. */
export const sharedSchemas = perMode(({ model, str, int, opt, hashid }) => {
  /** KMSInfo: `GET /kms/{kms_id}`, `GET /kms` items, `kms_info` of the 2025-10-28 shapes. */
  const KmsInfo = model(
    {
      id: hashid("kms"),
      slug: opt(str),
      url: str,
      version: str,
      chain_id: opt(int),
      kms_contract_address: opt(str),
      gateway_app_id: opt(str),
    },
    ["id", "url", "version"],
  );
  const WorkspaceRef = model(
    {
      object_type: z.literal("workspace"),
      id: hashid("wks"),
      name: str,
      slug: opt(str),
      avatar_url: opt(str),
    },
    ["id", "name"],
  );
  const UserRef = model({
    object_type: z.literal("user"),
    id: opt(hashid("usr")),
    username: opt(str),
    avatar_url: opt(str),
  });

  const ValidationErrorItem = z.looseObject({
    loc: z.array(z.union([str, int])),
    msg: str,
    type: str,
  });
  /** HTTPValidationError (422). */
  const HttpValidationError = model({ detail: z.array(ValidationErrorItem) });
  /** A structured error body (`ERR-MM-NNN`), top level or under `detail`. */
  const StructuredError = z.looseObject({
    error_code: str,
    message: str.nullish(),
    request_id: str.nullish(),
    details: z.array(z.looseObject({ field: str.nullish(), value: z.unknown() })).nullish(),
  });

  return { KmsInfo, WorkspaceRef, UserRef, HttpValidationError, StructuredError };
});
