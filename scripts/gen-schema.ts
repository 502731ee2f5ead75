/**
 * Writes schema.json, the Pulumi package schema the resource provider plugin serves
 * (`GetSchema`, `pulumi package get-schema`), from its one source: the TypeScript declarations of
 * the resources — args interfaces (inputs), the classes' declared fields (outputs), their TSDoc
 * (descriptions) and the provider's `ProviderArgs` (config). A resource's property is secret when
 * its resource's property table says so (provider/cvm-secrets/properties.ts,
 * provider/registry-credential/properties.ts), which its TSDoc must then say too; any other
 * property (the config, the object types' fields) when its TSDoc says so ("Secret.", "(secret)",
 * "wrapped with `pulumi.secret`").
 *
 *   node scripts/gen-schema.ts           # rewrite schema.json
 *   node scripts/gen-schema.ts --check   # exit 1 when schema.json is not what the sources say
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { PROPERTIES as CVM_SECRETS_PROPERTIES } from "../provider/cvm-secrets/properties.ts";
import { pluginDownloadUrl } from "../provider/plugin/package-source.ts";
import { PROPERTIES as REGISTRY_CREDENTIAL_PROPERTIES } from "../provider/registry-credential/properties.ts";

// `node scripts/gen-schema.ts` runs it as ESM (no __dirname); jest imports it as CommonJS.
const HERE = typeof __dirname === "string" ? __dirname : path.dirname(path.resolve(process.argv[1] ?? "."));
const ROOT = path.resolve(HERE, "..");
const PKG = "cvm-secrets";
const SOURCES = [
  "provider/dynamic/cvm-secrets.ts",
  "provider/dynamic/registry-credential.ts",
  "provider/dynamic/owner-key.ts",
  "provider/sdk/cvm-secrets.ts",
  "provider/sdk/registry-credential.ts",
  "provider/sdk/owner-key.ts",
  "provider/sdk/provider.ts",
];
/** Resource → [args interface, outputs: an interface or the class's declared fields]. */
const RESOURCES: Record<string, [string, string]> = {
  CvmSecrets: ["CvmSecretsArgs", "CvmSecretsProperties"],
  RegistryCredential: ["RegistryCredentialArgs", "RegistryCredentialProperties"],
  OwnerKey: ["OwnerKeyArgs", "OwnerKeyProperties"],
};
/** A row of a resource's property table, as far as the schema reads it. */
type Row = { readonly from?: string; readonly secret?: boolean };
/** Each resource's property table: which of its properties are secret. */
const TABLES: Record<string, Readonly<Record<string, Row>>> = {
  CvmSecrets: CVM_SECRETS_PROPERTIES,
  RegistryCredential: REGISTRY_CREDENTIAL_PROPERTIES,
};
/**
 * Object types the properties refer to: TypeScript interface → schema type name. The schema
 * names carry no `Args`/`Output` suffix: the other languages' generators add their own (Go
 * `RolloutArgs` and `RolloutOutput`, Python `RolloutArgs`, C# `Inputs.RolloutArgs`), so
 * `RolloutArgs` here would become `RolloutArgsArgs` there.
 */
const TYPES: Record<string, string> = {
  RolloutArgs: "Rollout",
  KmsArgs: "Kms",
  RegistryRef: "RegistryRef",
  EcrArgs: "Ecr",
  RegistryVerifyArgs: "RegistryVerify",
  LastRollout: "LastRollout",
  KeyAnchorOutput: "KeyAnchor",
  AkashCredentialsOutput: "AkashCredentials",
};

type Spec = Record<string, unknown>;
interface Member {
  name: string;
  optional: boolean;
  type: string;
  doc: string;
}

function docOf(node: ts.Node): string {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const last = docs[docs.length - 1];
  return last ? (ts.getTextOfJSDocComment(last.comment) ?? "").trim() : "";
}

const interfaces = new Map<string, { doc: string; members: Member[] }>();
const classes = new Map<string, { doc: string; members: Member[]; file: string }>();
for (const file of SOURCES) {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  for (const stmt of sf.statements) {
    if (ts.isInterfaceDeclaration(stmt)) {
      const members = stmt.members.filter(ts.isPropertySignature).map((m) => ({
        name: m.name.getText(sf),
        optional: m.questionToken !== undefined,
        type: m.type?.getText(sf) ?? "unknown",
        doc: docOf(m),
      }));
      interfaces.set(stmt.name.text, { doc: docOf(stmt), members });
    }
    // The classes bound to the plugin (provider/sdk) are the outputs' source.
    if (ts.isClassDeclaration(stmt) && stmt.name && file.startsWith("provider/sdk/")) {
      const members = stmt.members.filter(ts.isPropertyDeclaration).map((m) => ({
        name: m.name.getText(sf),
        optional: false,
        type: m.type?.getText(sf) ?? "unknown",
        doc: docOf(m),
      }));
      classes.set(stmt.name.text, { doc: docOf(stmt), members, file });
    }
  }
}

function isSecretDoc(doc: string): boolean {
  return /(^|\s)Secret\.|\(secret\)|wrapped with `pulumi\.secret`/.test(doc);
}

/** `pulumi.Input<X>` / `pulumi.Output<X>` / `X | undefined` → X. */
function unwrap(type: string): { type: string; optional: boolean } {
  let t = type.replace(/\s+/g, " ").trim();
  let optional = false;
  for (;;) {
    const m = /^pulumi\.(Input|Output)<(.*)>$/.exec(t);
    if (m) {
      t = m[2]!.trim();
      continue;
    }
    if (/\| undefined$/.test(t)) {
      t = t.replace(/ ?\| undefined$/, "").trim();
      optional = true;
      continue;
    }
    return { type: t, optional };
  }
}

/** Named unions of string literals: a string in the other languages. */
const STRING_UNIONS = new Set(["RegistryTypeName"]);

/** A `number` documented as "an integer" is one: the other languages then get an integer type. */
function typeSpec(raw: string, doc = ""): Spec {
  const { type } = unwrap(raw);
  // A union of string literals, or a named one (the registry type's accepted spellings).
  if (type === "string" || STRING_UNIONS.has(type) || /^"[^"]*"( \| "[^"]*")*$/.test(type)) {
    return { type: "string" };
  }
  if (type === "number") return { type: /\ban\s+integer\b/.test(doc) ? "integer" : "number" };
  if (type === "boolean") return { type: "boolean" };
  const arr = /^(.*)\[\]$/.exec(type);
  if (arr) return { type: "array", items: typeSpec(arr[1]!) };
  const rec = /^Record<string, (.*)>$/.exec(type);
  if (rec) return { type: "object", additionalProperties: typeSpec(rec[1]!) };
  const named = TYPES[type];
  if (named) return { $ref: `#/types/${PKG}:index:${named}` };
  throw new Error(`no schema type for ${raw}`);
}

/**
 * A property's schema. `table` (a resource's property table) says whether it is secret, and its
 * TSDoc must agree; without a table, or a row in it, the TSDoc says.
 */
function property(m: Member, table?: Readonly<Record<string, Row>>): Spec {
  const row = table && Object.hasOwn(table, m.name) ? table[m.name] : undefined;
  const secret = row ? row.secret === true : isSecretDoc(m.doc);
  if (secret !== isSecretDoc(m.doc)) {
    throw new Error(`${m.name}: its property table and its TSDoc disagree on whether it is secret`);
  }
  return { ...typeSpec(m.type, m.doc), description: m.doc, ...(secret ? { secret: true } : {}) };
}

function properties(
  members: readonly Member[],
  table?: Readonly<Record<string, Row>>,
): { properties: Spec; required: string[] } {
  const props: Spec = {};
  const required: string[] = [];
  for (const m of members) {
    props[m.name] = property(m, table);
    if (!m.optional && !unwrap(m.type).optional) required.push(m.name);
  }
  return { properties: props, required };
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} not found in ${SOURCES.join(", ")}`);
  return value;
}

export function buildSchema(): Spec {
  const resources: Spec = {};
  for (const [name, [args, cls]] of Object.entries(RESOURCES)) {
    const input = must(interfaces.get(args), args);
    const output = must(interfaces.get(cls) ?? classes.get(cls), cls);
    const ins = properties(input.members, TABLES[name]);
    const outs = properties(output.members, TABLES[name]);
    resources[`${PKG}:index:${name}`] = {
      description: must(classes.get(name), name).doc,
      inputProperties: ins.properties,
      requiredInputs: ins.required,
      properties: outs.properties,
      required: outs.required,
    };
  }
  const types: Spec = {};
  for (const [name, schemaName] of Object.entries(TYPES)) {
    const t = must(interfaces.get(name), name);
    const p = properties(t.members);
    types[`${PKG}:index:${schemaName}`] = {
      type: "object",
      description: t.doc || name,
      properties: p.properties,
      required: p.required,
    };
  }
  const config = properties(must(interfaces.get("ProviderArgs"), "ProviderArgs").members);
  const provider = must(classes.get("Provider"), "Provider");
  return {
    name: PKG,
    displayName: "CVM Secrets (Phala Cloud)",
    description:
      "Encrypted env for confidential VMs on Phala Cloud (dstack), with restart-aware diffs, and registry pull credentials.",
    keywords: ["pulumi", "phala", "dstack", "tee", "secrets", "category/utility"],
    license: "Apache-2.0",
    repository: REPOSITORY,
    // The package version (the plugin serves it too, from package.json), and where the engine
    // downloads the plugin of that version (`pulumi plugin install`, automatic acquisition).
    version: MANIFEST.version,
    pluginDownloadURL: pluginDownloadUrl(MANIFEST.repository.url),
    config: { variables: config.properties },
    provider: {
      description: provider.doc,
      inputProperties: config.properties,
    },
    resources,
    types,
    // `pulumi package gen-sdk` then writes what `pulumi package add` writes (which sets it anyway):
    // the version in every SDK's plugin metadata, so each requests the plugin it came from, and a
    // go.mod for Go (Pulumi's pkg/codegen: `SupportPack`).
    meta: { supportPack: true },
    language: LANGUAGE,
  };
}

/** package.json: the version and the repository. */
const MANIFEST = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  version: string;
  repository: { url: string };
};
/** The repository, from package.json (`git+https://host/owner/name.git` → `https://host/owner/name`). */
const REPOSITORY = MANIFEST.repository.url.replace(/^git\+/, "").replace(/\.git$/, "");

/**
 * Per-language settings, only ones the generators read (Pulumi's pkg/codegen/{go,python}/importer.go,
 * and pulumi-language-dotnet's codegen/importer.go). The Python and .NET requirements on the
 * Pulumi SDK are left to the generators: each emits the floor its own generated code needs
 * (Python `pulumi>=3.269.0,<4.0.0` from 3.276.0), which a fixed range here would override.
 */
const LANGUAGE = {
  nodejs: { packageName: "pulumi-cvm-secrets" },
  // Without it the generated package directory (`cvmsecrets`) and the import path its files use
  // (`…/sdk/go/cvm-secrets`) differ and the SDK does not compile. Module: `…/sdk/go`.
  go: { importBasePath: `${new URL(REPOSITORY).host}${new URL(REPOSITORY).pathname}/sdk/go/cvmsecrets` },
  // pyproject.toml instead of setup.py.
  python: { packageName: "pulumi_cvm_secrets", pyproject: { enabled: true } },
  // Namespaces Pulumi.CvmSecrets(.Inputs/.Outputs), assembly Pulumi.CvmSecrets; pinned so the names
  // the docs give do not move with a generator's default.
  csharp: { rootNamespace: "Pulumi" },
};

const FILE = path.join(ROOT, "schema.json");
if (/gen-schema\.ts$/.test(process.argv[1] ?? "")) {
  const schema = buildSchema();
  if (process.argv.includes("--check")) {
    const current = JSON.parse(readFileSync(FILE, "utf8"));
    if (JSON.stringify(current) !== JSON.stringify(schema)) {
      console.error("schema.json is not what the sources say: run `node scripts/gen-schema.ts`");
      process.exit(1);
    }
  } else {
    writeFileSync(FILE, `${JSON.stringify(schema, null, 2)}\n`);
    console.log(`wrote ${path.relative(ROOT, FILE)}`);
  }
}
