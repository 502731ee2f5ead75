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
const PASSED_THROUGH = [
  "cvms",
  "env",
  "rollout",
  "kms",
  "composeCheck",
  "adopt",
  "retainOnRemove",
  "transactionHash",
];

/** The outputs the schema declares, which every class must expose as Outputs. */
function schemaOutputs(type: string): string[] {
  const schema = JSON.parse(readFileSync(path.join(__dirname, "../../schema.json"), "utf8"));
  return Object.keys(schema.resources[type].properties);
}

function inputsOf(name: string): Record<string, unknown> {
  const found = registered.find((r) => r.name === name);
  if (!found) throw new Error(`${name} was not registered`);
  return found.inputs;
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 50));

test("CvmSecrets: both classes pass every setting through alike; each adds only its own keys", async () => {
  const dynamic = new DynamicCvmSecrets("props-dynamic", SETTINGS);
  const plugin = new PluginCvmSecrets("props-plugin", SETTINGS);
  await settled();
  const d = inputsOf("props-dynamic");
  const p = inputsOf("props-plugin");
  for (const key of PASSED_THROUGH) expect([key, p[key]]).toEqual([key, d[key]]);
  // Sent as secrets (the wire's secret signature): every env value, the registry's variables.
  expect(p.env).toEqual(secret(SETTINGS.env));
  // The dynamic provider sees no URN and no registry object; the plugin takes the registry whole.
  expect(
    Object.keys(d)
      .filter((k) => !PASSED_THROUGH.includes(k) && k !== "__provider")
      .sort(),
  ).toEqual(["defaultRegistryEnv", "ownerUrn", "registryEnv", "registryHost", "resourceName"]);
  expect(d.registryHost).toBe("ghcr.io");
  expect(d.registryEnv).toEqual(secret(SETTINGS.registry.cvmEnv));
  expect(Object.keys(p).filter((k) => !PASSED_THROUGH.includes(k))).toEqual(["registry"]);
  expect(p.registry).toEqual(secret(SETTINGS.registry)); // the SDK lifts a nested secret to the whole
  for (const resource of [dynamic, plugin] as unknown as Array<Record<string, unknown>>) {
    for (const key of schemaOutputs("cvm-secrets:index:CvmSecrets"))
      expect([key, pulumi.Output.isInstance(resource[key])]).toEqual([key, true]);
  }
});

const CREDENTIAL = {
  type: "ghcr",
  username: "acme-bot",
  token: "resource-properties-token-2",
  mintEcrToken: false,
  verify: { image: "ghcr.io/acme/api:1", timeoutSeconds: 5 },
};
const CREDENTIAL_KEYS = ["type", "username", "token", "mintEcrToken", "verify"];

test("RegistryCredential: both classes register the same credential inputs; each adds only its own key", async () => {
  const dynamic = new DynamicRegistryCredential("cred-dynamic", CREDENTIAL);
  const plugin = new PluginRegistryCredential("cred-plugin", CREDENTIAL);
  await settled();
  const d = inputsOf("cred-dynamic");
  const p = inputsOf("cred-plugin");
  for (const key of CREDENTIAL_KEYS) expect([key, p[key]]).toEqual([key, d[key]]);
  expect(p.token).toEqual(secret(CREDENTIAL.token));
  expect(Object.keys(d).filter((k) => !CREDENTIAL_KEYS.includes(k) && k !== "__provider")).toEqual([
    "resourceName",
  ]);
  expect(Object.keys(p).filter((k) => !CREDENTIAL_KEYS.includes(k))).toEqual(["__programRenders"]);
  for (const resource of [dynamic, plugin] as unknown as Array<Record<string, unknown>>) {
    for (const key of schemaOutputs("cvm-secrets:index:RegistryCredential"))
      expect([key, pulumi.Output.isInstance(resource[key])]).toEqual([key, true]);
  }
});
