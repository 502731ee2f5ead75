/**
 * The plugin executable over gRPC, driven the way the engine drives it (the SDK's own stubs):
 * it prints its port, serves its version and schema, keeps secrets secret in every answer,
 * answers previews without env values, creates against the emulator, translates the diff, and
 * imports. Needs dist/ (npm run build).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { type Emulator, startEmulator } from "../../emulator/index";
import { INTERNAL_KEYS } from "../../provider/cvm-secrets/properties";
import { SECRET_SIG, SECRET_SIG_KEY, UNKNOWN } from "../../provider/runtime/wire";

const ROOT = path.resolve(__dirname, "../..");
const grpc = require("@grpc/grpc-js");
const structproto = require("google-protobuf/google/protobuf/struct_pb");
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");

// biome-ignore lint/suspicious/noExplicitAny: generated gRPC client
let client: any;
let plugin: ChildProcess;
let emu: Emulator;
let cvm: string;
let stderr = "";
const S = (value: unknown) => ({ [SECRET_SIG_KEY]: SECRET_SIG, value });
const URN = "urn:pulumi:dev::proj::cvm-secrets:index:CvmSecrets::api";
const VALUE = "plugin-server-secret-4141";

// biome-ignore lint/suspicious/noExplicitAny: generated protobuf messages
function call(method: string, req: any): Promise<any> {
  return new Promise((resolve, reject) =>
    client[method](req, (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res))),
  );
}
const struct = (v: Record<string, unknown>) => structproto.Struct.fromJavaScript(v);

beforeAll(async () => {
  emu = await startEmulator({ restartMs: 30 });
  cvm = (await emu.admin.createCvm({ name: "plugin-server" })).id;
  plugin = spawn(process.execPath, [path.join(ROOT, "bin/pulumi-resource-cvm-secrets"), "127.0.0.1:1"], {
    env: { ...process.env, PHALA_CLOUD_API_KEY: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  plugin.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const port = await new Promise<string>((resolve, reject) => {
    plugin.stdout?.once("data", (d: Buffer) => resolve(d.toString().trim()));
    plugin.once("exit", (code) => reject(new Error(`plugin exited ${code}: ${stderr}`)));
  });
  expect(port).toMatch(/^\d+$/);
  client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 60_000);

afterAll(async () => {
  client?.close();
  plugin?.kill();
  await emu?.close();
});

test("plugin info and schema: the package's version, the three resources", async () => {
  const info = await call("getPluginInfo", new emptyproto.Empty());
  const version = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
  expect(info.getVersion()).toBe(version);
  const schema = JSON.parse((await call("getSchema", new provproto.GetSchemaRequest())).getSchema());
  expect(schema.version).toBe(version);
  expect(Object.keys(schema.resources).sort()).toEqual([
    "cvm-secrets:index:CvmSecrets",
    "cvm-secrets:index:OwnerKey",
    "cvm-secrets:index:RegistryCredential",
  ]);
});

test("CheckConfig marks the API key secret; Configure accepts secrets and previews", async () => {
  const check = new provproto.CheckRequest();
  check.setUrn("urn:pulumi:dev::proj::pulumi:providers:cvm-secrets::default");
  check.setNews(struct({ apiKey: emu.apiKey, apiUrl: emu.url }));
  const checked = (await call("checkConfig", check)).getInputs().toJavaScript();
  expect(checked).toEqual({ apiKey: S(emu.apiKey), apiUrl: emu.url });
  const configure = new provproto.ConfigureRequest();
  configure.setArgs(struct(checked));
  configure.setAcceptsecrets(true);
  const res = await call("configure", configure);
  expect(res.getAcceptsecrets()).toBe(true);
  expect(res.getSupportspreview()).toBe(true);
});

let checked: Record<string, unknown>;

test("Check: env and registry variables come back secret; a bad key names the path, not the value", async () => {
  const req = new provproto.CheckRequest();
  req.setUrn(URN);
  req.setOlds(struct({}));
  req.setNews(
    struct({
      cvms: [cvm],
      env: { API_KEY: S(VALUE) },
      registry: {
        registry: "ghcr.io",
        cvmEnv: S({
          DSTACK_DOCKER_REGISTRY: "ghcr.io",
          DSTACK_DOCKER_USERNAME: "bot",
          DSTACK_DOCKER_PASSWORD: "pw-4242",
        }),
      },
      composeCheck: "off",
    }),
  );
  const res = await call("check", req);
  expect(res.getFailuresList()).toEqual([]);
  checked = res.getInputs().toJavaScript();
  expect(checked.env).toEqual(S({ API_KEY: VALUE }));
  // What the user never typed is stored as `__<name>`, out of the CLI's display (runtime/internal-keys.ts).
  expect(INTERNAL_KEYS.filter((k) => k in checked)).toEqual([]);
  expect(checked.__registryEnv).toEqual(
    S({
      DSTACK_DOCKER_REGISTRY: "ghcr.io",
      DSTACK_DOCKER_USERNAME: "bot",
      DSTACK_DOCKER_PASSWORD: "pw-4242",
    }),
  );
  expect(checked.__resourceName).toBe("api");
  expect(Object.keys(checked.fingerprints as object).sort()).toEqual([
    "API_KEY",
    "DSTACK_DOCKER_PASSWORD",
    "DSTACK_DOCKER_REGISTRY",
    "DSTACK_DOCKER_USERNAME",
  ]);

  const bad = new provproto.CheckRequest();
  bad.setUrn(URN);
  bad.setOlds(struct({}));
  bad.setNews(struct({ cvms: [cvm], env: { "BAD-KEY": S(VALUE) } }));
  const failures = (await call("check", bad)).getFailuresList();
  expect(failures.map((f: { getProperty(): string }) => f.getProperty())).toEqual([""]);
  expect(failures[0].getReason()).toMatch(/^env\.BAD-KEY: /);
  expect(failures[0].getReason()).not.toContain(VALUE);
});

let id: string;
let outputs: Record<string, unknown>;

test("Create: the preview answers without any env value; the apply pushes and returns no secret", async () => {
  const preview = new provproto.CreateRequest();
  preview.setUrn(URN);
  preview.setProperties(struct(checked));
  preview.setPreview(true);
  const planned = (await call("create", preview)).getProperties().toJavaScript();
  expect(JSON.stringify(planned)).not.toContain(VALUE);
  expect(JSON.stringify(planned)).not.toContain("pw-4242");
  expect(planned.envKeys).toEqual([
    "API_KEY",
    "DSTACK_DOCKER_PASSWORD",
    "DSTACK_DOCKER_REGISTRY",
    "DSTACK_DOCKER_USERNAME",
  ]);
  expect(planned.appIds).toBe(UNKNOWN);
  expect((await emu.admin.counts()).writes).toBe(0);

  const req = new provproto.CreateRequest();
  req.setUrn(URN);
  req.setProperties(struct(checked));
  req.setTimeout(120);
  const res = await call("create", req);
  id = res.getId();
  outputs = res.getProperties().toJavaScript();
  expect(id).toMatch(/^cvmsecrets-/);
  expect(JSON.stringify(outputs)).not.toContain(VALUE);
  expect(JSON.stringify(outputs)).not.toContain("pw-4242");
  expect((await emu.admin.guest(cvm)).env).toMatchObject({
    API_KEY: VALUE,
    DSTACK_DOCKER_PASSWORD: "pw-4242",
  });
});

test("Diff: a changed value is an update of its fingerprint, in the detailed diff", async () => {
  const check = new provproto.CheckRequest();
  check.setUrn(URN);
  check.setOlds(struct(checked));
  check.setNews(struct({ cvms: [cvm], env: { API_KEY: S(`${VALUE}-2`) }, composeCheck: "off" }));
  const news = (await call("check", check)).getInputs().toJavaScript();
  const req = new provproto.DiffRequest();
  req.setUrn(URN);
  req.setId(id);
  req.setOlds(struct(outputs));
  req.setOldInputs(struct(checked));
  req.setNews(struct(news));
  const res = await call("diff", req);
  expect(res.getChanges()).toBe(provproto.DiffResponse.DiffChanges.DIFF_SOME);
  expect(res.getHasdetaileddiff()).toBe(true);
  const detailed = Object.fromEntries(
    res
      .getDetaileddiffMap()
      .toArray()
      .map(([k, v]: [string, unknown[]]) => [k, v[0]]),
  );
  const K = provproto.PropertyDiff.Kind;
  expect(detailed).toEqual({
    "fingerprints.API_KEY": K.UPDATE,
    "fingerprints.DSTACK_DOCKER_PASSWORD": K.DELETE,
    "fingerprints.DSTACK_DOCKER_REGISTRY": K.DELETE,
    "fingerprints.DSTACK_DOCKER_USERNAME": K.DELETE,
  });
  // The registry's host is internal (stored as `__registryHost`): its removal shows as the
  // DSTACK_DOCKER_* variables' fingerprints going.
  expect(res.getDiffsList().sort()).toEqual(["fingerprints"]);
});

test("Read without state (import): the CVM recorded as imported, with no write", async () => {
  const writes = (await emu.admin.counts()).writes;
  const req = new provproto.ReadRequest();
  req.setUrn(URN);
  req.setId(cvm);
  const res = await call("read", req);
  expect(res.getId()).toMatch(/^cvmsecrets-/);
  expect(res.getProperties().toJavaScript()).toMatchObject({ cvms: [cvm], applied: { [cvm]: "imported" } });
  expect(res.getInputs().toJavaScript()).toEqual({ cvms: [cvm], env: S({}) });
  expect((await emu.admin.counts()).writes).toBe(writes);
  const missing = new provproto.ReadRequest();
  missing.setUrn(URN);
  missing.setId("cvm_doesnotexist");
  expect((await call("read", missing)).getId()).toBe("");
});

test("the program `pulumi import` generates, env: {} kept: the diff says refused, the update writes nothing", async () => {
  // The CVM runs API_KEY and the registry variables (Create above); import it under another name.
  const urn = "urn:pulumi:dev::proj::cvm-secrets:index:CvmSecrets::imported";
  const read = new provproto.ReadRequest();
  read.setUrn(urn);
  read.setId(cvm);
  const imported = await call("read", read);
  const state = imported.getProperties().toJavaScript();
  const generated = imported.getInputs().toJavaScript();
  expect(state.envKeys).toEqual([
    "API_KEY",
    "DSTACK_DOCKER_PASSWORD",
    "DSTACK_DOCKER_REGISTRY",
    "DSTACK_DOCKER_USERNAME",
  ]);
  const check = new provproto.CheckRequest();
  check.setUrn(urn);
  check.setOlds(struct(generated));
  check.setNews(struct(generated));
  const news = (await call("check", check)).getInputs().toJavaScript();
  const diff = new provproto.DiffRequest();
  diff.setUrn(urn);
  diff.setId(imported.getId());
  diff.setOlds(struct(state));
  diff.setOldInputs(struct(generated));
  diff.setNews(struct(news));
  expect((await call("diff", diff)).getChanges()).toBe(provproto.DiffResponse.DiffChanges.DIFF_SOME);
  const writes = (await emu.admin.counts()).writes;
  const update = new provproto.UpdateRequest();
  update.setUrn(urn);
  update.setId(imported.getId());
  update.setOlds(struct(state));
  update.setNews(struct(news));
  update.setTimeout(60);
  await expect(call("update", update)).rejects.toThrow(
    `the env leaves out API_KEY, DSTACK_DOCKER_PASSWORD, DSTACK_DOCKER_REGISTRY, DSTACK_DOCKER_USERNAME, which imported CVM ${cvm} has`,
  );
  expect((await emu.admin.counts()).writes).toBe(writes);
  expect((await emu.admin.guest(cvm)).env).toMatchObject({ API_KEY: VALUE });
  // The preview's line (no engine here: the plugin writes it to stderr) said the same.
  expect(stderr).toContain("refused at apply: the env leaves out API_KEY");
});

test("OwnerKey: unknown in a preview; created as a secret 32-byte key; a diff is no change", async () => {
  const urn = "urn:pulumi:dev::proj::cvm-secrets:index:OwnerKey::api-owner-key";
  const preview = new provproto.CreateRequest();
  preview.setUrn(urn);
  preview.setProperties(struct({}));
  preview.setPreview(true);
  expect((await call("create", preview)).getProperties().toJavaScript()).toEqual({ key: UNKNOWN });
  const req = new provproto.CreateRequest();
  req.setUrn(urn);
  req.setProperties(struct({}));
  const res = await call("create", req);
  const made = res.getProperties().toJavaScript() as { key: { value: string } };
  expect(made.key).toEqual(S(expect.stringMatching(/^[0-9a-f]{64}$/)));
  expect(res.getId()).not.toContain(made.key.value.slice(0, 16));
  const diff = new provproto.DiffRequest();
  diff.setUrn(urn);
  diff.setId(res.getId());
  diff.setOlds(struct({ key: made.key.value }));
  diff.setNews(struct({}));
  expect((await call("diff", diff)).getChanges()).toBe(provproto.DiffResponse.DiffChanges.DIFF_NONE);
  expect(stderr).not.toContain(made.key.value);
});

test("an unknown type is an error; no value reached the plugin's stderr", async () => {
  const req = new provproto.CheckRequest();
  req.setUrn("urn:pulumi:dev::proj::cvm-secrets:index:Nope::x");
  req.setOlds(struct({}));
  req.setNews(struct({}));
  await expect(call("check", req)).rejects.toThrow(/unknown resource type cvm-secrets:index:Nope/);
  expect(stderr).not.toContain(VALUE);
  expect(stderr).not.toContain("pw-4242");
  expect(stderr).not.toContain(emu.apiKey);
});
