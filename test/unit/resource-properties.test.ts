/**
 * What the program-side classes register with the engine (Pulumi's runtime mocks stand in for
 * it): the dynamic classes and the classes bound to the plugin pass the same settings through
 * from one builder (dynamic/cvm-secrets.ts, dynamic/registry-credential.ts), each adding only
 * what its provider needs, and both expose every declared output as an Output.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets as DynamicCvmSecrets } from "../../provider/dynamic/cvm-secrets";
import { RegistryCredential as DynamicRegistryCredential } from "../../provider/dynamic/registry-credential";
import { SECRET_SIG, SECRET_SIG_KEY } from "../../provider/runtime/wire";
import {
  CvmSecrets as PluginCvmSecrets,
  RegistryCredential as PluginRegistryCredential,
} from "../../provider/sdk/index";

const secret = (value: unknown) => ({ [SECRET_SIG_KEY]: SECRET_SIG, value });
const OWNER_KEY = "e5".repeat(32);
const registered: Array<{ type: string; name: string; inputs: Record<string, unknown> }> = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        // An OwnerKey's create makes its key (provider/cvm-secrets/owner-key.ts).
        const state = args.type.endsWith(":OwnerKey") ? { key: OWNER_KEY } : args.inputs;
        return { id: `${args.name}-id`, state };
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
  // What the dynamic class adds, it registers under `__`, which the CLI's diff leaves out
  // (runtime/internal-keys.ts); its secrets stay marked.
  expect(extra.dynamic).toEqual([
    "__defaultRegistryEnv",
    "__ownerKey",
    "__ownerUrn",
    "__registryEnv",
    "__registryHost",
    "__resourceName",
  ]);
  expect(d.__registryHost).toBe("ghcr.io");
  expect(d.__registryEnv).toEqual(secret(SETTINGS.registry.cvmEnv));
  expect(d.__defaultRegistryEnv).toEqual(secret(""));
  expect(extra.plugin).toEqual(["ownerKey", "registry"]);
  // Each made its OwnerKey (its key is the ownerKey input), a secret.
  expect([d.__ownerKey, p.ownerKey]).toEqual([secret(OWNER_KEY), secret(OWNER_KEY)]);
  expect(p.registry).toEqual(secret(SETTINGS.registry)); // the SDK lifts a nested secret to the whole
  expect(missingOutputs).toEqual({ dynamic: [], plugin: [] });
});

const CREDENTIAL = {
  type: "ghcr" as const,
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
  expect(extra).toEqual({ dynamic: ["__resourceName"], plugin: ["__programRenders"] });
  expect(missingOutputs).toEqual({ dynamic: [], plugin: [] });
});

test("an argument that is also an output keeps its value (RegistryCredential's registry)", async () => {
  new PluginRegistryCredential("custom-credential", {
    type: "custom",
    registry: "registry.example.com",
    username: "bot",
    password: "resource-properties-password-5",
  });
  new DynamicRegistryCredential("custom-credential-dynamic", {
    type: "custom",
    registry: "registry.example.com",
    username: "bot",
    password: "resource-properties-password-5",
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  for (const name of ["custom-credential", "custom-credential-dynamic"])
    expect(registered.find((r) => r.name === name)?.inputs.registry).toBe("registry.example.com");
});

test("an argument left out is not registered at all (each registered property costs the program four stacks)", async () => {
  const args = { cvms: ["cvm_min"], env: { API_KEY: "resource-properties-value-3" } };
  // A registered property becomes an Output on the resource object (an own property); the
  // engine's inputs cannot tell, as an undefined one is sent as absent.
  const own = (resource: object) =>
    Object.keys(resource)
      .filter((k) => k !== "id" && k !== "urn")
      .filter((k) => pulumi.Output.isInstance((resource as Record<string, unknown>)[k]))
      .sort();
  const plugin = own(new PluginCvmSecrets("minimal-plugin", args));
  const dynamic = own(new DynamicCvmSecrets("minimal-dynamic", args));
  const made = new PluginRegistryCredential("minimal-credential", { type: "public" });
  const credential = own(made);
  // Everything resolves before the assertions (a failed one would end the test under it).
  await new Promise((resolve) => made.cvmEnv.apply(resolve));
  const cvmOutputs = schemaOutputs("cvm-secrets:index:CvmSecrets");
  const credentialOutputs = schemaOutputs("cvm-secrets:index:RegistryCredential");
  expect({
    plugin: plugin.filter((k) => !cvmOutputs.includes(k)),
    dynamic: dynamic.filter((k) => !cvmOutputs.includes(k)),
    credential: credential.filter((k) => !credentialOutputs.includes(k)),
    missing: [
      ...cvmOutputs.filter((k) => !plugin.includes(k) || !dynamic.includes(k)),
      ...credentialOutputs.filter((k) => !credential.includes(k)),
    ],
  }).toEqual({
    plugin: ["env", "ownerKey"],
    dynamic: [
      "__defaultRegistryEnv",
      "__ownerKey",
      "__ownerUrn",
      "__provider",
      "__resourceName",
      "__secretCvms",
      "env",
    ],
    credential: ["__programRenders", "ecrToken", "type"],
    missing: [],
  });
});

/**
 * Stack traces while a resource registers (registration-stacks.ts), in a fresh Node process on
 * the built package (jest's own stack formatting would stand in for the program runner's): the
 * stacks the SDK captured for the property promises of each resource.
 */
function registrationStacks(
  env: NodeJS.ProcessEnv,
): Record<string, { promises: number; withFrames: number }> {
  const root = path.join(__dirname, "../..");
  const script = `
const pulumi = require("@pulumi/pulumi");
const debuggable = require("@pulumi/pulumi/runtime/debuggable");
pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "p", "s", false);
const seen = {};
const original = debuggable.debuggablePromise;
debuggable.debuggablePromise = (p, ctx) => {
  const promise = original(p, ctx);
  const name = /^transferProperty\\(resource:([^\\[]+)\\[/.exec(ctx)?.[1];
  if (name) {
    seen[name] ??= { promises: 0, withFrames: 0 };
    seen[name].promises++;
    if (p._debugStackTrace.includes("\\n    at ")) seen[name].withFrames++;
  }
  return promise;
};
const plugin = require("./dist/provider/sdk");
const dynamic = require("./dist/provider");
const args = { cvms: ["cvm_stacks"], env: { API_KEY: "resource-properties-value-4" } };
const limit = Error.stackTraceLimit;
new plugin.CvmSecrets("plugin", args);
new dynamic.CvmSecrets("dynamic", args);
new plugin.RegistryCredential("credential", { type: "public" });
let threw = false;
try { new plugin.CvmSecrets(undefined, args); } catch { threw = true; }
if (!threw || Error.stackTraceLimit !== limit) throw new Error("limit not restored");
setTimeout(() => { process.stdout.write(JSON.stringify(seen)); process.exit(0); }, 100);
`;
  const r = spawnSync(path.join(root, "node_modules", ".bin", "node"), ["--no-warnings", "-e", script], {
    cwd: root,
    encoding: "utf8",
    env: { PATH: process.env.PATH, ...env },
  });
  expect([r.status, r.stderr]).toEqual([0, ""]);
  return JSON.parse(r.stdout);
}

test("registering captures no stack for the property promises, and restores the limit (after a throw too)", () => {
  const seen = registrationStacks({});
  // Each CvmSecrets registers its OwnerKey first; the one without a name makes none.
  expect(Object.keys(seen).sort()).toEqual([
    "credential",
    "dynamic",
    "dynamic-owner-key",
    "plugin",
    "plugin-owner-key",
  ]);
  for (const [name, { promises, withFrames }] of Object.entries(seen)) {
    // An OwnerKey registers one property (its key).
    expect(promises).toBeGreaterThan(name.endsWith("-owner-key") ? 0 : 5);
    expect(withFrames).toBe(0);
  }
});

test("with PULUMI_DEBUG_PROMISE_LEAKS set (the only time the SDK prints them) the stacks are as usual", () => {
  const seen = registrationStacks({ PULUMI_DEBUG_PROMISE_LEAKS: "true" });
  for (const { promises, withFrames } of Object.values(seen)) expect(withFrames).toBe(promises);
});
