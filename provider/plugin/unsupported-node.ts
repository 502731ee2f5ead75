/**
 * The plugin `pulumi-resource-cvm-secrets` on a Node.js too old for this package
 * (node-version.ts). Exiting would make the engine report "exited prematurely. This is *always*
 * a bug in the provider" with the reason inside a dump of the plugin's output; instead this
 * serves Pulumi's `ResourceProvider` service (on the SDK's own stubs, as server.ts) with the
 * plugin's info and schema, and answers every other call with the one-line reason, which the
 * engine then prints as the error of the first resource or provider that needs the plugin.
 *
 * It loads only the SDK's gRPC stubs, package-source.ts and schema.ts: nothing that needs a newer Node.js
 * (undici, the HTTP client, needs 22.19).
 */
import type * as grpcTypes from "@grpc/grpc-js";
import { packageVersion } from "./package-source";
import { schemaJson } from "./schema";

const sdk = require.resolve("@pulumi/pulumi/package.json");
const fromSdk = (id: string) => require(require.resolve(id, { paths: [sdk] }));

type Unary = grpcTypes.handleUnaryCall<unknown, unknown>;

/**
 * The calls that need a working provider, answered with the reason. The others are left to
 * grpc-js, which answers UNIMPLEMENTED, as the engine expects of a plugin without them
 * (Handshake, Attach, GetMapping, ...): failing Handshake would read as a plugin that did not start.
 */
const REFUSED = [
  "checkConfig",
  "diffConfig",
  "configure",
  "invoke",
  "call",
  "check",
  "diff",
  "create",
  "read",
  "update",
  "delete",
  "construct",
];

/** The service: info, schema and cancel answered; the calls of {@link REFUSED} fail with `reason`. */
export function unsupportedNodeService(reason: string): grpcTypes.UntypedServiceImplementation {
  const grpc = fromSdk("@grpc/grpc-js") as typeof grpcTypes;
  const provproto = fromSdk("@pulumi/pulumi/proto/provider_pb");
  const plugproto = fromSdk("@pulumi/pulumi/proto/plugin_pb");
  const emptyproto = fromSdk("google-protobuf/google/protobuf/empty_pb");
  const version = packageVersion();
  const refuse: Unary = (_call, cb) => cb({ code: grpc.status.UNKNOWN, details: reason });
  const service: grpcTypes.UntypedServiceImplementation = {};
  for (const name of REFUSED) service[name] = refuse;
  const getPluginInfo: Unary = (_call, cb) => {
    const info = new plugproto.PluginInfo();
    info.setVersion(version);
    cb(null, info);
  };
  const getSchema: Unary = (_call, cb) => {
    const resp = new provproto.GetSchemaResponse();
    resp.setSchema(schemaJson(version));
    cb(null, resp);
  };
  const cancel: Unary = (_call, cb) => cb(null, new emptyproto.Empty());
  // The first call of a provider: a check failure the engine prints as the reason alone.
  const checkConfig: Unary = (_call, cb) => {
    const failure = new provproto.CheckFailure();
    failure.setReason(reason);
    const resp = new provproto.CheckResponse();
    resp.setFailuresList([failure]);
    cb(null, resp);
  };
  return { ...service, getPluginInfo, getSchema, cancel, checkConfig };
}

/** Serves {@link unsupportedNodeService} on a free loopback port and prints the port (the engine's handshake). */
export async function serveUnsupportedNode(reason: string): Promise<void> {
  const grpc = fromSdk("@grpc/grpc-js") as typeof grpcTypes;
  const provrpc = fromSdk("@pulumi/pulumi/proto/provider_grpc_pb");
  const server = new grpc.Server();
  server.addService(provrpc.ResourceProviderService, unsupportedNodeService(reason));
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    );
  });
  process.stdout.write(`${port}\n`);
}
