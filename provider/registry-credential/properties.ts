/**
 * RegistryCredential's properties, in one table: every key its inputs and state can hold, where
 * its value comes from, and how each part of the house must treat it. The lists the provider,
 * the plugin and the resource classes use are derived from it; scripts/gen-schema.ts takes the
 * schema's secret marks from it. Pure data, and no imports: the schema generator loads this file
 * as it is, under Node's type stripping.
 */

/** Where a property's value comes from. */
export type PropertySource =
  /** The program's arguments. */
  | "program"
  /** The host: the dynamic resource class or the plugin, never the user. */
  | "host"
  /** The provider's `check`. */
  | "check"
  /** What a `create`/`update` learned or rendered. */
  | "apply";

/** How the house treats one property. Absent facets are false. */
export interface Property {
  from: PropertySource;
  /** A field of the credential: what the renderings (cvmEnv, dockerConfigJson, …) are made of. */
  credential?: boolean;
  /**
   * Holds a secret: an input always secret in the plugin's checked inputs, whatever the program
   * marked; an output returned (and declared in the schema) as a secret.
   */
  secret?: boolean;
  /** Left out of the plugin's diff display. */
  hiddenInDiff?: boolean;
  /** Set by the host, never typed: the dynamic class stores it as `__<name>` (runtime/internal-keys.ts). */
  internal?: boolean;
  /** Only ever an output: never fed back into validation, dropped from the inputs by `check`. */
  outputOnly?: boolean;
  /** Known only after an apply: unknown in a preview. */
  learned?: boolean;
  /** Kept in the provider's outputs (state), so a preview can say it. */
  kept?: boolean;
  /** Registered as an output by the resource classes (the provider returns it). */
  declared?: boolean;
}

/** Every RegistryCredential property. */
export const PROPERTIES = {
  // The credential.
  type: { from: "program", credential: true, kept: true },
  registry: { from: "program", credential: true, kept: true, declared: true },
  username: { from: "program", credential: true },
  password: { from: "program", credential: true, secret: true },
  token: { from: "program", credential: true, secret: true },
  serviceAccountKey: { from: "program", credential: true, secret: true },
  ecr: { from: "program", credential: true, secret: true },
  region: { from: "program", credential: true },
  // The resource's other inputs.
  resourceName: { from: "host", hiddenInDiff: true, kept: true, internal: true },
  verify: { from: "program", kept: true },
  mintEcrToken: { from: "program", kept: true },
  // Outputs.
  verifiedAt: { from: "apply", outputOnly: true, learned: true, declared: true },
  verifiedDigest: { from: "apply", outputOnly: true, learned: true, declared: true },
  expiresAt: { from: "apply", outputOnly: true, learned: true, declared: true },
  credentialVersion: { from: "check", outputOnly: true, kept: true, declared: true },
  ecrToken: { from: "apply", outputOnly: true, learned: true, declared: true },
  cvmEnv: { from: "apply", outputOnly: true, learned: true, secret: true },
  dockerConfigJson: { from: "apply", outputOnly: true, learned: true, secret: true },
  akashCredentials: { from: "apply", outputOnly: true, learned: true, secret: true },
  insecureRegistry: { from: "check", outputOnly: true, hiddenInDiff: true, kept: true },
} as const satisfies Record<string, Property>;

/** A RegistryCredential property name. */
export type PropertyName = keyof typeof PROPERTIES;

/** The property names whose row passes `test`, in the table's order. */
export function propertiesWhere(test: (p: Property) => boolean): PropertyName[] {
  return (Object.keys(PROPERTIES) as PropertyName[]).filter((name) => test(PROPERTIES[name]));
}

/** The credential's fields, what the renderings are made of. */
export const CREDENTIAL_KEYS: readonly PropertyName[] = propertiesWhere((p) => p.credential === true);

/** Inputs of the resource that are not credential fields. */
export const RESOURCE_KEYS: readonly PropertyName[] = propertiesWhere(
  (p) => p.credential !== true && p.outputOnly !== true,
);

/** Outputs only: never fed back into validation. */
export const OUTPUT_KEYS: readonly PropertyName[] = propertiesWhere((p) => p.outputOnly === true);

/** Checked inputs the plugin always marks secret. */
export const SECRET_INPUTS: readonly PropertyName[] = propertiesWhere(
  (p) => p.secret === true && p.outputOnly !== true,
);

/** Outputs only an apply can know: unknown in a preview. */
export const LEARNED: readonly PropertyName[] = propertiesWhere((p) => p.learned === true);

/** What a preview can already say: the kept properties `check` settled. */
export const PREVIEW_KNOWN: readonly PropertyName[] = propertiesWhere((p) => p.kept === true);

/** Outputs the resource classes register (`registry` is an input too: the normalised host). */
export const DECLARED_OUTPUTS: readonly PropertyName[] = propertiesWhere((p) => p.declared === true);

/** What the plugin's diff hides, and what it shows key by key. */
export const DIFF_VIEW: { hidden: readonly PropertyName[]; perKey: readonly PropertyName[] } = {
  hidden: propertiesWhere((p) => p.hiddenInDiff === true),
  perKey: [],
};

/** What the dynamic class stores as `__<name>` (runtime/internal-keys.ts). */
export const INTERNAL_KEYS: readonly PropertyName[] = propertiesWhere((p) => p.internal === true);
