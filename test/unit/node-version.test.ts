/**
 * An unsupported Node.js gets one sentence naming the version it needs, at import of the package
 * and of the emulator, and from both commands — not a stack trace from inside undici. Pulumi's
 * program runner prints the import's error without a stack (a RunError), and the plugin, started
 * by the engine, serves the sentence as every provider's check failure instead of exiting.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { isSupportedNode, MIN_NODE_VERSION, unsupportedNodeMessage } from "../../provider/node-version";

const ROOT = path.resolve(__dirname, "../..");
const NODE = path.join(ROOT, "node_modules", ".bin", "node");

test("the version rule: undici's floor, 22.19.0", () => {
  expect(MIN_NODE_VERSION).toBe(require("undici/package.json").engines.node.replace(">=", ""));
  for (const v of ["22.19.0", "22.19.1", "22.20.0", "24.0.0", "25.1.2"])
    expect(isSupportedNode(v)).toBe(true);
  for (const v of ["22.18.9", "22.0.0", "20.20.2", "18.19.0"]) expect(isSupportedNode(v)).toBe(false);
  expect(unsupportedNodeMessage("20.11.1")).toContain("needs Node.js ≥ 22.19 (this is Node.js 20.11.1)");
});

describe("on Node.js 20 (process.versions.node replaced before anything loads)", () => {
  let dir: string;
  let fake: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "cvms-old-node-"));
    fake = path.join(dir, "node20.js");
    writeFileSync(fake, 'Object.defineProperty(process.versions, "node", { value: "20.11.1" });\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]) =>
    spawnSync(NODE, ["-r", fake, ...args], { cwd: ROOT, encoding: "utf8", env: { PATH: process.env.PATH } });

  test.each([
    ["cvm-secrets", ["bin/cvm-secrets.js", "--help"]],
    ["cvm-secrets-emulator", ["bin/cvm-secrets-emulator.js", "--help"]],
    ["pulumi-resource-cvm-secrets", ["bin/pulumi-resource-cvm-secrets", "--help"]],
  ])("%s exits 1 with the sentence", (name, args) => {
    const r = run(args);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`${name}: ${unsupportedNodeMessage("20.11.1")}\n`);
  });

  test.each(["pulumi-cvm-secrets", "pulumi-cvm-secrets/emulator"])(
    "require(%j) throws CVMS_CONFIGURATION, loading no undici",
    (mod) => {
      const script = `try { require(${JSON.stringify(mod)}); console.log("loaded"); } catch (e) {
      console.log(JSON.stringify({ code: e.code, message: e.message,
        undici: Object.keys(require.cache).some((f) => f.includes("/undici/")) })); }`;
      const r = run(["-e", script]);
      expect(JSON.parse(r.stdout)).toEqual({
        code: "CVMS_CONFIGURATION",
        message: unsupportedNodeMessage("20.11.1"),
        undici: false,
      });
    },
  );

  test("the error is a RunError to Pulumi's program runner, which then prints its message alone", () => {
    const script = `try { require("pulumi-cvm-secrets"); } catch (e) {
      console.log(JSON.stringify({ run: require("@pulumi/pulumi").RunError.isInstance(e), message: e.message })); }`;
    expect(JSON.parse(run(["-e", script]).stdout)).toEqual({
      run: true,
      message: unsupportedNodeMessage("20.11.1"),
    });
  });

  test("started by the engine, the plugin serves the sentence as the provider's check failure", async () => {
    const plugin = spawn(NODE, ["-r", fake, "bin/pulumi-resource-cvm-secrets", "127.0.0.1:1"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    plugin.stderr.on("data", (d) => {
      stderr += d;
    });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        plugin.stdout.once("data", (d: Buffer) => resolve(d.toString().trim()));
        plugin.once("exit", (code) => reject(new Error(`the plugin exited ${code}: ${stderr}`)));
      });
      const sdk = require.resolve("@pulumi/pulumi/package.json");
      const fromSdk = (id: string) => require(require.resolve(id, { paths: [sdk] }));
      const grpc = fromSdk("@grpc/grpc-js");
      const provrpc = fromSdk("@pulumi/pulumi/proto/provider_grpc_pb");
      const provproto = fromSdk("@pulumi/pulumi/proto/provider_pb");
      const emptyproto = fromSdk("google-protobuf/google/protobuf/empty_pb");
      const client = new provrpc.ResourceProviderClient(
        `127.0.0.1:${port}`,
        grpc.credentials.createInsecure(),
      );
      const ask = <T>(method: string, req: unknown) =>
        new Promise<{ error?: { code: number; details: string }; value?: T }>((resolve) =>
          client[method](req, (error: { code: number; details: string } | null, value: T) =>
            resolve(error ? { error } : { value }),
          ),
        );
      const info = await ask<{ getVersion(): string }>("getPluginInfo", new emptyproto.Empty());
      expect(info.value?.getVersion()).toBe(require("../../package.json").version);
      const schema = await ask<{ getSchema(): string }>("getSchema", new provproto.GetSchemaRequest());
      expect(JSON.parse(schema.value!.getSchema()).name).toBe("cvm-secrets");
      const checked = await ask<{ getFailuresList(): Array<{ getReason(): string }> }>(
        "checkConfig",
        new provproto.CheckRequest(),
      );
      expect(checked.value!.getFailuresList().map((f) => f.getReason())).toEqual([
        unsupportedNodeMessage("20.11.1"),
      ]);
      const created = await ask("create", new provproto.CreateRequest());
      expect(created.error).toMatchObject({
        code: grpc.status.UNKNOWN,
        details: unsupportedNodeMessage("20.11.1"),
      });
      const handshake = await ask("handshake", new provproto.ProviderHandshakeRequest());
      expect(handshake.error?.code).toBe(grpc.status.UNIMPLEMENTED);
      client.close();
      expect(stderr).toBe("");
    } finally {
      plugin.kill();
    }
  });
});
