/**
 * CvmSecrets' properties, in one table: every key its state can hold, where its value comes
 * from, and how each part of the house must treat it. The lists the methods, the plugin and the
 * resource classes use (which inputs are optional, which hold plaintext, which name a CVM, which
 * only an apply learns, which the classes declare, what a diff hides) are derived from it, so a
 * new property is described once; scripts/gen-schema.ts takes the schema's secret marks from it.
 * Pure data, and no imports: the schema generator loads this file as it is, under Node's type
 * stripping. test/unit/properties.test.ts holds the table to the state's shapes in state.ts (one
 * row per key).
 */

/** Where a property's value comes from. */
export type PropertySource =
  /** The program's arguments (through the resource class or the plugin's schema). */
  | "program"
  /** The host: the dynamic resource class or the plugin, never the user. */
  | "host"
  /** The provider's `check`. */
  | "check"
  /** What a `create`/`update` learned (and `read` may refresh). */
  | "apply"
  /** What only a `read` (refresh) observes. */
  | "read";

/** How the house treats one property. Absent facets are false. */
export interface Property {
  /** Where the value comes from; absent for a key only states of earlier versions hold. */
  from?: PropertySource;
  /** Holds plaintext secrets: kept in the (secret) inputs only, never returned as an output. */
  secret?: boolean;
  /** Left out of the plugin's diff display (plaintext, shown through `fingerprints`, or bookkeeping). */
  hiddenInDiff?: boolean;
  /**
   * Never typed by the user as it is stored (the host, `check` or the split of `registry` sets
   * it): the dynamic classes store it as `__<name>`, which the CLI's display leaves out
   * (runtime/internal-keys.ts).
   */
  internal?: boolean;
  /** Shown key by key in the plugin's diff. */
  perKeyDiff?: boolean;
  /** Names a CVM or its app: secret as a whole when one of the resource's CVM ids is (runtime/secret-ids.ts). */
  idBearing?: boolean;
  /** Known only after an apply: unknown in a preview that writes. */
  learned?: boolean;
  /** A program may leave it out: absent from the new inputs means unset, whatever state held. */
  optional?: boolean;
  /** Declared as an output by the resource classes (`CvmSecretsProperties`, the schema's outputs). */
  declared?: boolean;
  /** A record keyed by CVM (earlier versions keyed it by the id form as typed: migrate.ts). */
  perCvm?: boolean;
  /** Written only by the version named, read once at upgrade and then dropped (migrate.ts). */
  legacy?: string;
}

/** Every CvmSecrets property, the legacy ones included. */
export const PROPERTIES = {
  // The program's arguments, and what the host adds to them.
  resourceName: { from: "host", hiddenInDiff: true, internal: true },
  ownerUrn: { from: "host", hiddenInDiff: true, internal: true },
  /**
   * An OwnerKey's key, mixed into each push's owner tag (core/envelope-facts.ts). Secret: kept in
   * the inputs only; the TypeScript classes pass one they make, YAML and other languages declare one.
   */
  ownerKey: { from: "program", secret: true, hiddenInDiff: true, optional: true, internal: true },
  secretCvms: { from: "host", hiddenInDiff: true, internal: true },
  cvms: { from: "program", idBearing: true, declared: true },
  env: { from: "program", secret: true, hiddenInDiff: true },
  registryHost: { from: "program", optional: true, hiddenInDiff: true, internal: true },
  registryEnv: { from: "program", secret: true, hiddenInDiff: true, internal: true },
  rollout: { from: "program", optional: true },
  kms: { from: "program", optional: true },
  composeCheck: { from: "program", optional: true },
  adopt: { from: "program", optional: true },
  retainOnRemove: { from: "program", optional: true },
  transactionHash: { from: "program", optional: true },
  // Check's bookkeeping.
  defaultRegistryEnv: { from: "check", secret: true, hiddenInDiff: true, internal: true },
  cvmIds: { from: "check", idBearing: true, hiddenInDiff: true, internal: true },
  fingerprintGeneration: { from: "check", hiddenInDiff: true, internal: true },
  // The outputs the classes declare (in the order they register them).
  envKeys: { from: "apply", declared: true },
  appIds: { from: "apply", perCvm: true, idBearing: true, learned: true, declared: true },
  encryptionPublicKeys: { from: "apply", idBearing: true, learned: true, declared: true },
  keyAnchors: { from: "apply", idBearing: true, learned: true, declared: true },
  composeHashes: { from: "apply", perCvm: true, idBearing: true, learned: true, declared: true },
  lastRollout: { from: "apply", idBearing: true, learned: true, declared: true },
  fingerprints: { from: "check", perKeyDiff: true, declared: true },
  onDelete: { from: "check", optional: true, declared: true },
  // Per-CVM truth and what the provider keeps for itself.
  applied: { from: "apply", perCvm: true, idBearing: true, learned: true },
  pushed: { from: "apply", perCvm: true, idBearing: true, learned: true },
  observedEncryptionPublicKeys: { from: "read", idBearing: true },
  pendingComposeHashes: { from: "apply", idBearing: true },
  /** Set by every method's secret-id scope (runtime/secret-ids.ts), a secret output. */
  idLabels: { from: "apply", idBearing: true },
  /**
   * The HMAC key of the fingerprints up to 0.1 (core/fingerprint.ts). Plaintext-grade: kept out
   * of every output; `check` drops it from the inputs after using it once. Not among the
   * plugin's secret inputs: the plugin came after 0.1, and its resource type is not the dynamic
   * one's, so no state it reads holds the key.
   */
  fingerprintSalt: { legacy: "0.1", secret: true },
} as const satisfies Record<string, Property>;

/** A CvmSecrets property name. */
export type PropertyName = keyof typeof PROPERTIES;

/** The property names whose row passes `test`, in the table's order. */
export function propertiesWhere(test: (p: Property) => boolean): PropertyName[] {
  return (Object.keys(PROPERTIES) as PropertyName[]).filter((name) => test(PROPERTIES[name]));
}

/** The boolean facets of a property. */
type Flag = { [F in keyof Property]-?: Property[F] extends boolean | undefined ? F : never }[keyof Property];

/** The names of the properties whose row sets `flag`, as a type. */
export type PropertiesWith<F extends Flag> = {
  [K in PropertyName]: (typeof PROPERTIES)[K] extends { readonly [P in F]: true } ? K : never;
}[PropertyName];

/** The property names whose row sets `flag`, in the table's order, typed as exactly those. */
export function propertiesWith<F extends Flag>(flag: F): PropertiesWith<F>[] {
  return propertiesWhere((p) => p[flag] === true) as PropertiesWith<F>[];
}

/** Inputs a program may leave out: absent from the new inputs means unset, whatever state held. */
export const OPTIONAL_INPUT_KEYS: readonly PropertiesWith<"optional">[] = propertiesWith("optional");

/** Inputs that hold plaintext secrets (legacy ones too): kept in (secret) inputs, never returned as outputs. */
export const SECRET_INPUT_KEYS: readonly PropertyName[] = propertiesWhere((p) => p.secret === true);

/** Checked inputs the plugin always marks secret: the current ones holding plaintext. */
export const PLUGIN_SECRET_INPUTS: readonly PropertyName[] = propertiesWhere(
  (p) => p.secret === true && p.legacy === undefined,
);

/** Outputs (and checked inputs) that name CVMs or their apps: secret as a whole when one id is. */
export const ID_OUTPUT_KEYS: readonly PropertiesWith<"idBearing">[] = propertiesWith("idBearing");

/** Outputs only an apply can know. */
export const LEARNED: readonly PropertiesWith<"learned">[] = propertiesWith("learned");

/** The output-only properties the resource classes declare (`CvmSecretsProperties` without its inputs). */
export const DECLARED_OUTPUTS: readonly PropertyName[] = propertiesWhere(
  (p) => p.declared === true && p.from !== "program",
);

/** What the plugin's diff hides, and what it shows key by key. */
export const DIFF_VIEW: { hidden: readonly PropertyName[]; perKey: readonly PropertyName[] } = {
  hidden: propertiesWith("hiddenInDiff"),
  perKey: propertiesWith("perKeyDiff"),
};

/** What the dynamic classes store as `__<name>` (runtime/internal-keys.ts). */
export const INTERNAL_KEYS: readonly PropertiesWith<"internal">[] = propertiesWith("internal");

/** Keys only states written by earlier versions hold. */
export const LEGACY_KEYS: readonly PropertyName[] = propertiesWhere((p) => p.legacy !== undefined);
