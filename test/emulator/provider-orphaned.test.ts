/**
 * A provider process outlives its engine: when the Pulumi CLI is killed mid-rollout (its process
 * group, say), the provider — the plugin, or the SDK's dynamic-provider host, each in a process
 * group of its own — is orphaned with its stdout and stderr pipes broken and its engine gone.
 * Its messages then fall back to stderr, and a write there fails with EPIPE. The rollout in
 * flight must still finish and its journal record every CVM done, or the next `up` restarts a
 * CVM that already runs the new env (e2e: gauntlet-kill, SIGKILL to the CLI's process group).
 * Measured before the fix (runtime/engine-log.ts, ignoreBrokenOutput): the plugin died at its first
 * write (the call failed with "Connection dropped"); the dynamic-provider host spun at full CPU
 * on the EPIPEs its error handler kept writing about, the last CVM's push never recorded.
 * Needs dist/ (npm run build).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Emulator, startEmulator } from "../../emulator/index";
import { SECRET_SIG, SECRET_SIG_KEY } from "../../provider/runtime/wire";

const ROOT = path.resolve(__dirname, "../..");
const NODE = path.join(ROOT, "node_modules", ".bin", "node");
const grpc = require("@grpc/grpc-js");
const structproto = require("google-protobuf/google/protobuf/struct_pb");
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");

const VALUE = "orphaned-rollout-value";

/** The dynamic resource's `__provider`, serialized as `pulumi.dynamic.Resource` does. */
function dynamicProvider(): string {
  const out = execFileSync(
    NODE,
    [
      path.join(ROOT, "test/support/serialize-provider.js"),
      "#internal/provider/dynamic/cvm-secrets-stub",
      "cvmSecretsProvider",
    ],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } },
  );
  return (JSON.parse(out) as { text: string }).text;
}

const DYNAMIC_URN = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/cvm-secrets:CvmSecrets::api";

const PROVIDERS = {
  plugin: {
    urn: "urn:pulumi:dev::proj::cvm-secrets:index:CvmSecrets::api",
    argv: [path.join(ROOT, "bin/pulumi-resource-cvm-secrets")],
    // The plugin accepts secrets.
    inputs: (cvms: string[]) => ({
      cvms,
      env: { API_KEY: { [SECRET_SIG_KEY]: SECRET_SIG, value: VALUE } },
      composeCheck: "off",
    }),
  },
  "dynamic-provider host": {
    urn: DYNAMIC_URN,
    argv: [path.join(ROOT, "node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js")],
    // What the dynamic class sends (provider/dynamic/cvm-secrets.ts); secrets arrive plain.
    inputs: (cvms: string[]) => ({
      __provider: dynamicProvider(),
      resourceName: "api",
      ownerUrn: DYNAMIC_URN,
      cvms,
      env: { API_KEY: VALUE },
      composeCheck: "off",
    }),
  },
};

describe.each(Object.entries(PROVIDERS))("%s", (_name, kind) => {
  let emu: Emulator;
  let provider: ChildProcess;
  let home: string;
  // biome-ignore lint/suspicious/noExplicitAny: generated gRPC client
  let client: any;

  // biome-ignore lint/suspicious/noExplicitAny: generated protobuf messages
  function call(method: string, req: any): Promise<any> {
    return new Promise((resolve, reject) =>
      client[method](req, (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res))),
    );
  }

  beforeAll(async () => {
    emu = await startEmulator({ restartMs: 200 });
    home = mkdtempSync(path.join(tmpdir(), "cvms-orphan-"));
    // An engine address nothing listens on: every message falls back to stderr.
    provider = spawn(process.execPath, [...kind.argv, "127.0.0.1:1"], {
      cwd: ROOT,
      env: {
        ...process.env,
        PHALA_CLOUD_API_KEY: emu.apiKey,
        PHALA_CLOUD_API_PREFIX: emu.url,
        PULUMI_HOME: home,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const port = await new Promise<string>((resolve, reject) => {
      provider.stdout?.once("data", (d: Buffer) => resolve(d.toString().trim()));
      provider.once("exit", (code) => reject(new Error(`provider exited ${code}`)));
    });
    client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const configure = new provproto.ConfigureRequest();
    configure.setArgs(structproto.Struct.fromJavaScript({}));
    await call("configure", configure);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    provider?.kill("SIGKILL");
    await emu?.close();
    rmSync(home, { recursive: true, force: true });
  });

  test("with its stdout and stderr pipes broken, a rollout over three CVMs finishes and the journal records each", async () => {
    const app = await emu.admin.createApp();
    const cvms: string[] = [];
    for (const n of [1, 2, 3])
      cvms.push((await emu.admin.createCvm({ name: `orphan-${n}`, app_id: app.app_id })).id);
    const check = new provproto.CheckRequest();
    check.setUrn(kind.urn);
    check.setOlds(structproto.Struct.fromJavaScript({}));
    check.setNews(structproto.Struct.fromJavaScript(kind.inputs(cvms)));
    const checked = (await call("check", check)).getInputs();

    // The engine is gone: nobody reads what the provider writes.
    provider.stdout?.destroy();
    provider.stderr?.destroy();
    let exited: number | null | undefined;
    provider.once("exit", (code) => {
      exited = code;
    });
    const create = new provproto.CreateRequest();
    create.setUrn(kind.urn);
    create.setProperties(checked);
    create.setTimeout(120);
    const id = (await call("create", create)).getId();
    expect(id).toMatch(/^cvmsecrets-/);
    for (const cvm of cvms) expect((await emu.admin.guest(cvm)).env).toEqual({ API_KEY: VALUE });

    // Serving, and not busy: the next call is answered at once.
    const asked = Date.now();
    await call("getPluginInfo", new emptyproto.Empty());
    expect(Date.now() - asked).toBeLessThan(1_000);
    expect(exited).toBeUndefined();
    // The journal holds every CVM as done, none in flight.
    const dir = path.join(home, "cvm-secrets", "journal");
    const file = readdirSync(dir).find((f) => f.startsWith("cvmsecrets-"))!;
    const journal = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as {
      env: Record<string, string>;
      inflight: Record<string, string>;
    };
    expect(Object.keys(journal.env).sort()).toEqual([...cvms].sort());
    expect(journal.inflight).toEqual({});
  }, 60_000);
});
