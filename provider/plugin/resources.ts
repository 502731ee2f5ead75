/**
 * The resources the plugin serves, each bound to the same provider methods as its dynamic
 * resource (provider/cvm-secrets, provider/registry-credential): what the plugin adds is only the
 * translation between the schema's inputs and the methods' inputs, which keys are secret, and
 * what a preview answers (the keys: each resource's property table, properties.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import * as CvmSecretsProperties from "../cvm-secrets/properties";
import * as RegistryCredentialProperties from "../registry-credential/properties";
import type { CallOptions } from "../runtime/call";
import { withInternalKeysStored } from "../runtime/internal-keys";
import { isSecretWire, UNKNOWN } from "../runtime/wire";
import type { DiffView } from "./diff-translation";
import { PROGRAM_RENDERS } from "./protocol";
import { type Props, secret, secretPositionsOnWire } from "./wire";

/** The provider methods of one resource type (the modules the dynamic stubs load). */
export interface ResourceMethods {
  check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult>;
  diff(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: Props, options?: CallOptions): Promise<pulumi.dynamic.CreateResult>;
  update(id: string, olds: Props, news: Props, options?: CallOptions): Promise<pulumi.dynamic.UpdateResult>;
  remove(id: string, props: Props, options?: CallOptions): Promise<void>;
  read(id: string, props: Props): Promise<pulumi.dynamic.ReadResult>;
}

export interface ResourceKind {
  /** Display name in messages. */
  name: string;
  methods(): ResourceMethods;
  /** Checked inputs that are always secret, whatever the program marked. */
  secretInputs: readonly string[];
  /**
   * Schema inputs whose value `toMethodInputs` carries into other method inputs: when the program
   * marked such an input secret, the inputs made from it are secret too.
   */
  secretCarriedBy?: Readonly<Record<string, readonly string[]>>;
  /**
   * Checked inputs that are secret because of what they hold, whatever the program marked (a
   * YAML program or an SDK generated without the schema's nested `secret` sends plain values).
   */
  secretByContent?(inputs: Props): string[];
  diffView: DiffView;
  /**
   * The methods' inputs stored as `__<name>` (runtime/internal-keys.ts): the CLI prints every
   * checked input of a create or delete, and leaves these out. `methods()` takes and gives them
   * so; the server translates what it hands or takes past them.
   */
  internal: readonly string[];
  /**
   * Schema inputs (as the program sends them) → the methods' inputs. `raw` is the same inputs
   * with their secret wrappers, `urn` the resource's.
   */
  toMethodInputs(news: Props, name: string, raw?: Props, urn?: string): Props;
  /** The methods' outputs → the schema's outputs (plain inputs at hand). */
  toOutputs(outs: Props, inputs: Props): Props;
  previewCreate(inputs: Props): Promise<Props>;
  previewUpdate(olds: Props, news: Props): Promise<Props>;
  /** `pulumi import`: state for an id, when the resource can be imported. */
  importRead?(id: string, name: string): Promise<{ id: string; props: Props; inputs: Props } | undefined>;
}

/** Whether a `kms` input holds an `rpcUrl`. */
function hasRpcUrl(kms: unknown): boolean {
  return kms !== null && typeof kms === "object" && (kms as Props).rpcUrl !== undefined;
}

export const CVM_SECRETS = "cvm-secrets:index:CvmSecrets";
export const REGISTRY_CREDENTIAL = "cvm-secrets:index:RegistryCredential";
export const OWNER_KEY = "cvm-secrets:index:OwnerKey";

const cvmSecrets: ResourceKind = {
  name: "CvmSecrets",
  methods: () =>
    withInternalKeysStored(
      require("../cvm-secrets/index") as ResourceMethods,
      CvmSecretsProperties.INTERNAL_KEYS,
    ),
  internal: CvmSecretsProperties.INTERNAL_KEYS,
  secretInputs: CvmSecretsProperties.PLUGIN_SECRET_INPUTS,
  // `registry` (a RegistryCredential's outputs) becomes `registryHost` and `registryEnv`.
  secretCarriedBy: { registry: ["registryEnv"] },
  // An RPC URL often carries an API key in its path or query (dynamic/cvm-secrets.ts `KmsArgs`).
  secretByContent: (inputs) => (hasRpcUrl(inputs.kms) ? ["kms"] : []),
  // Plaintext (shown through `fingerprints`) and bookkeeping of check hidden.
  diffView: CvmSecretsProperties.DIFF_VIEW,
  toMethodInputs(news, name, raw, urn) {
    const { registry, ...rest } = news;
    // ownerUrn: the owner tag of each push (a replacement shares it); secretCvms: which CVM ids
    // are secret, so messages name them by position and outputs carrying them stay secret.
    const out: Props = {
      ...rest,
      resourceName: name,
      ownerUrn: urn,
      secretCvms: secretPositionsOnWire(raw?.cvms),
    };
    if (registry === UNKNOWN) {
      out.registryHost = UNKNOWN;
      out.registryEnv = UNKNOWN;
    } else if (registry !== undefined && registry !== null) {
      const ref = registry as Props;
      out.registryHost = ref.registry;
      out.registryEnv = ref.cvmEnv;
    }
    return out;
  },
  toOutputs: (outs) => outs,
  // In the scope of the resource's secret CVM ids, as its other methods (cvm-secrets/index.ts).
  previewCreate: (inputs) =>
    (require("../cvm-secrets/index") as typeof import("../cvm-secrets/index")).previewCreate(inputs),
  previewUpdate: (olds, news) =>
    (require("../cvm-secrets/index") as typeof import("../cvm-secrets/index")).previewUpdate(olds, news),
  importRead: (id, name) =>
    (require("../cvm-secrets/import") as typeof import("../cvm-secrets/import")).importCvms(id, name),
};

const registryCredential: ResourceKind = {
  name: "RegistryCredential",
  methods: () =>
    withInternalKeysStored(
      require("../registry-credential/index") as ResourceMethods,
      RegistryCredentialProperties.INTERNAL_KEYS,
    ),
  internal: RegistryCredentialProperties.INTERNAL_KEYS,
  secretInputs: RegistryCredentialProperties.SECRET_INPUTS,
  diffView: RegistryCredentialProperties.DIFF_VIEW,
  toMethodInputs: (news, name) => ({ ...news, resourceName: name }),
  toOutputs(outs, inputs) {
    // The class bound to the plugin renders in the program (dynamic/registry-credential.ts).
    if (inputs[PROGRAM_RENDERS] === true) return outs;
    const { CREDENTIAL_KEYS } = RegistryCredentialProperties;
    const values = Object.fromEntries(
      CREDENTIAL_KEYS.filter((k) => inputs[k] !== undefined).map((k) => [k, inputs[k]]),
    );
    const token = isSecretWire(outs.ecrToken) ? outs.ecrToken.value : outs.ecrToken;
    // Loaded here: zod comes with it, and only the create or update of a RegistryCredential needs it.
    const { renderCredential } =
      require("../core/registry/render") as typeof import("../core/registry/render");
    const r = renderCredential(values, token);
    const rendered: Props = { cvmEnv: secret(r?.cvmEnv ?? {}) };
    if (r?.dockerConfigJson !== undefined) rendered.dockerConfigJson = secret(r.dockerConfigJson);
    if (r?.akashCredentials !== undefined) rendered.akashCredentials = secret(r.akashCredentials);
    return { ...outs, ...rendered };
  },
  previewCreate: async (inputs) => registryPreview(inputs),
  previewUpdate: async (_olds, news) => registryPreview(news),
};

/** No inputs, one secret output (`key`), made at create: unknown in the preview of a create. */
const ownerKey: ResourceKind = {
  name: "OwnerKey",
  methods: () => require("../cvm-secrets/owner-key") as ResourceMethods,
  internal: [],
  secretInputs: [],
  diffView: { hidden: [], perKey: [] },
  toMethodInputs: (news) => news,
  toOutputs: (outs) => outs,
  previewCreate: async () => ({ key: UNKNOWN }),
  previewUpdate: async (olds) => ({ key: secret(olds.key) }),
};

/** Preview: what check settled (type, registry, change token); the renderings known at apply. */
function registryPreview(inputs: Props): Props {
  const { PREVIEW_KNOWN, LEARNED } = RegistryCredentialProperties;
  const outs: Props = Object.fromEntries(
    PREVIEW_KNOWN.filter((k) => inputs[k] !== undefined).map((k) => [k, inputs[k]]),
  );
  for (const key of LEARNED) outs[key] = UNKNOWN;
  return outs;
}

export const RESOURCES: Readonly<Record<string, ResourceKind>> = {
  [CVM_SECRETS]: cvmSecrets,
  [REGISTRY_CREDENTIAL]: registryCredential,
  [OWNER_KEY]: ownerKey,
};

/** The kind of a resource by its type token (the middle of its URN). */
export function kindOf(type: string): ResourceKind | undefined {
  return RESOURCES[type];
}

/** `urn:pulumi:stack::project::[parent$]type::name` → the type token. */
export function typeOfUrn(urn: string): string {
  const parts = urn.split("::");
  const qualified = parts[2] ?? "";
  const at = qualified.lastIndexOf("$");
  return at < 0 ? qualified : qualified.slice(at + 1);
}
