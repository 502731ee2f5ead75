/**
 * What the program-side classes register with the engine (Pulumi's runtime mocks stand in for
 * it): the dynamic classes and the classes bound to the plugin pass the same settings through
 * from one builder (resources/cvm-secrets.ts, resources/registry-credential.ts), each adding only
 * what its provider needs, and both expose every declared output as an Output.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { SECRET_SIG, SIG_KEY } from "../../provider/plugin/wire";
import { CvmSecrets as DynamicCvmSecrets } from "../../provider/resources/cvm-secrets";
import { RegistryCredential as DynamicRegistryCredential } from "../../provider/resources/registry-credential";
import {
  CvmSecrets as PluginCvmSecrets,
  RegistryCredential as PluginRegistryCredential,
} from "../../provider/sdk";

const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });
const registered: Array<{ type: string; name: string; inputs: Record<string, unknown> }> = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    "proj",
    "dev",
    false,
  );
});

const SETTINGS = {
  cvms: ["cvm_a", "cvm_b"],
  env: { API_KEY: "resource-properties-value-1" },
  registry: { registry: "ghcr.io", cvmEnv: { DSTACK_DOCKER_REGISTRY: "ghcr.io" } },
  rollout: { maxUnavailable: 2, readyTimeoutSeconds: 30 },
  kms: { trustedSigner: "02ab", allowKeyChange: true },
  composeCheck: "warn" as const,
  adopt: true,
  retainOnRemove: true,
  transactionHash: "0xabc",
};

/** The outputs the schema declares, which every class must expose as Outputs. */
function schemaOutputs(type: string): string[] {
  const schema = JSON.parse(readFileSync(path.join(__dirname, "../../schema.json"), "utf8"));
  return Object.keys(schema.resources[type].properties);
}

type Constructor<A> = new (name: string, args: A) => pulumi.CustomResource;

/**
 * One resource of each class, made with the same arguments: what each registered, the keys it
 * sent beyond the `shared` ones, and whether it exposes every output of the schema as an Output.
 */
async function registerBoth<A extends object>(
  classes: { dynamic: Constructor<A>; plugin: Constructor<A> },
  args: A,
  type: string,
  shared: readonly string[],
) {
  const made = {
    dynamic: new classes.dynamic(`${type}-dynamic`, args),
    plugin: new classes.plugin(`${type}-plugin`, args),
  };
  await new Promise((resolve) => setTimeout(resolve, 50));
  const inputs = (name: string) => registered.find((r) => r.name === name)?.inputs ?? {};
  const d = inputs(`${type}-dynamic`);
  const p = inputs(`${type}-plugin`);
  for (const key of shared) expect([key, p[key]]).toEqual([key, d[key]]);
  const extra = (sent: Record<string, unknown>) =>
    Object.keys(sent)
      .filter((k) => !shared.includes(k) && k !== "__provider")
      .sort();
  const outputs = (resource: pulumi.CustomResource) =>
    schemaOutputs(type).filter(
      (k) => !pulumi.Output.isInstance((resource as unknown as Record<string, unknown>)[k]),
    );
  return {
    d,
    p,
    extra: { dynamic: extra(d), plugin: extra(p) },
    missingOutputs: { dynamic: outputs(made.dynamic), plugin: outputs(made.plugin) },
  };
}

test("CvmSecrets: both classes pass every setting through alike; each adds only its own keys", async () => {
  const { registry: _, ...shared } = SETTINGS;
  const { d, p, extra, missingOutputs } = await registerBoth(
    { dynamic: DynamicCvmSecrets, plugin: PluginCvmSecrets },
    SETTINGS,
    "cvm-secrets:index:CvmSecrets",
    Object.keys(shared),
  );
  // Sent as secrets (the wire's secret signature): every env value, the registry's variables.
  expect(p.env).toEqual(secret(SETTINGS.env));
  // The dynamic provider sees no URN and no registry object; the plugin takes the registry whole.
  expect(extra.dynamic).toEqual([
    "defaultRegistryEnv",
    "ownerUrn",
    "registryEnv",
    "registryHost",
    "resourceName",
  ]);
  expect(d.registryHost).toBe("ghcr.io");
  expect(d.registryEnv).toEqual(secret(SETTINGS.registry.cvmEnv));
  expect(extra.plugin).toEqual(["registry"]);
  expect(p.registry).toEqual(secret(SETTINGS.registry)); // the SDK lifts a nested secret to the whole
  expect(missingOutputs).toEqual({ dynamic: [], plugin: [] });
});

const CREDENTIAL = {
  type: "ghcr",
  username: "acme-bot",
  token: "resource-properties-token-2",
  mintEcrToken: false,
  verify: { image: "ghcr.io/acme/api:1", timeoutSeconds: 5 },
};

test("RegistryCredential: both classes register the same credential inputs; each adds only its own key", async () => {
  const { p, extra, missingOutputs } = await registerBoth(
    { dynamic: DynamicRegistryCredential, plugin: PluginRegistryCredential },
    CREDENTIAL,
    "cvm-secrets:index:RegistryCredential",
    Object.keys(CREDENTIAL),
  );
  expect(p.token).toEqual(secret(CREDENTIAL.token));
  expect(extra).toEqual({ dynamic: ["resourceName"], plugin: ["__programRenders"] });
  expect(missingOutputs).toEqual({ dynamic: [], plugin: [] });
});
