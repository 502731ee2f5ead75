/**
 * The gRPC side of the resource provider plugin `pulumi-resource-cvm-secrets`: Pulumi's
 * `ResourceProvider` service on the SDK's own stubs (`@pulumi/pulumi/proto/*`, and the
 * `@grpc/grpc-js` the SDK uses), the way the SDK's dynamic-provider host serves it. Every method
 * decodes the request, runs the same provider methods as the dynamic resources (resources.ts)
 * with the resource's URN attached to their messages, and encodes the answer; the translations
 * are pure (wire.ts, diff-translation.ts, provider-config.ts).
 *
 * Unlike the dynamic-provider host it implements CheckConfig, DiffConfig and Configure (so an
 * explicit `Provider` carries its own API key), accepts secrets, takes part in previews, serves
 * a schema, and honours the timeouts the engine passes (`customTimeouts`).
 */
import type * as grpcTypes from "@grpc/grpc-js";
import type * as structTypes from "google-protobuf/google/protobuf/struct_pb";
import { isCvmSecretsError } from "../errors";
import { withResource } from "../runtime/engine-log";
import { fromStored, storedNames, toStored } from "../runtime/internal-keys";
import { withoutUndefined } from "../runtime/wire";
import { translateDiff } from "./diff-translation";
import { warnPlainStackCredentials } from "./plain-stack-config";
import { checkConfig, configure, diffConfig } from "./provider-config";
import { kindOf, type ResourceKind, typeOfUrn } from "./resources";
import { concealKeys, nameOfUrn, type Props, revealProps } from "./wire";

// The SDK's stubs and the grpc-js instance they were generated for (resolved from the SDK).
const sdk = require.resolve("@pulumi/pulumi/package.json");
const fromSdk = (id: string) => require(require.resolve(id, { paths: [sdk] }));
const grpc = fromSdk("@grpc/grpc-js") as typeof grpcTypes;
const structproto = fromSdk("google-protobuf/google/protobuf/struct_pb") as typeof structTypes;
const emptyproto = fromSdk("google-protobuf/google/protobuf/empty_pb");
const anyproto = fromSdk("google-protobuf/google/protobuf/any_pb");
const provrpc = fromSdk("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = fromSdk("@pulumi/pulumi/proto/provider_pb");
const plugproto = fromSdk("@pulumi/pulumi/proto/plugin_pb");
const statusproto = fromSdk("@pulumi/pulumi/proto/status_pb");

// biome-ignore lint/suspicious/noExplicitAny: generated protobuf messages, untyped at run time
type Message = any;
type Call = { request: Message };
type Callback = (error: unknown, value?: Message, trailer?: grpcTypes.Metadata) => void;

export interface ServerOptions {
  /** The package version GetPluginInfo reports. */
  version: string;
  /** The package schema GetSchema returns (JSON text). */
  schema: () => string;
}

const DIFF_CHANGES: Record<string, number> = { none: 1, some: 2, unknown: 0 };
const PROPERTY_DIFF_KIND: Record<string, number> = {
  add: 0,
  "add-replace": 1,
  delete: 2,
  "delete-replace": 3,
  update: 4,
  "update-replace": 5,
};

function struct(props: Props): Message {
  return structproto.Struct.fromJavaScript(
    withoutUndefined(props) as Record<string, structTypes.JavaScriptValue>,
  );
}

function props(value: Message | undefined): Props {
  return (value?.toJavaScript() as Props | undefined) ?? {};
}

/** The deadline of a call whose request carries the engine's timeout in seconds (0 = none). */
export function deadlineOf(timeoutSeconds: number, now = Date.now()): number | undefined {
  return timeoutSeconds > 0 ? now + timeoutSeconds * 1000 : undefined;
}

function resourceOf(urn: string): ResourceKind {
  const type = typeOfUrn(urn);
  const kind = kindOf(type);
  if (!kind) throw new Error(`unknown resource type ${type}`);
  return kind;
}

/** Runs one RPC: its messages attached to `urn`, its error (never a stack) sent as the answer. */
function serve(urn: string, callback: Callback, work: () => Promise<Message>): void {
  withResource(urn, work).then(
    (value) => callback(null, value),
    (error: unknown) => callback(errorAnswer(error)),
  );
}

/** A resource RPC: its kind from the request's URN, its messages attached to that URN. */
function serveResource(
  call: Call,
  callback: Callback,
  work: (req: Message, kind: ResourceKind, urn: string) => Promise<Message>,
): void {
  const req = call.request;
  const urn: string = req.getUrn();
  serve(urn, callback, async () => work(req, resourceOf(urn), urn));
}

/** Properties as the provider methods take them: every secret wrapper removed. */
function plain(value: Message | undefined): Props {
  return revealProps(props(value)).plain;
}

/**
 * An error as the engine takes it. One that carries `id` (a rollout that stopped after writing)
 * is "created but failed to initialise" (`ErrorResourceInitFailed`), so the engine keeps the
 * state that says which CVMs are done — as the SDK's dynamic-provider host encodes it.
 */
export function errorAnswer(error: unknown): grpcTypes.ServiceError {
  const e = error as Error & { id?: string; properties?: Props; reasons?: string[] };
  const message = isCvmSecretsError(e) || e instanceof Error ? e.message : String(error);
  const metadata = new grpc.Metadata();
  if (e?.id) {
    const detail = new provproto.ErrorResourceInitFailed();
    detail.setId(e.id);
    detail.setProperties(struct(e.properties ?? {}));
    detail.setReasonsList(e.reasons ?? [message]);
    const any = new anyproto.Any();
    any.pack(detail.serializeBinary(), "pulumirpc.ErrorResourceInitFailed");
    const status = new statusproto.Status();
    status.setCode(grpc.status.UNKNOWN);
    status.setMessage(message);
    status.addDetails(any);
    metadata.add("grpc-status-details-bin", Buffer.from(status.serializeBinary()));
  }
  return Object.assign(new Error(message), { code: grpc.status.UNKNOWN, details: message, metadata });
}

export function providerService(options: ServerOptions): Record<string, (call: Call, cb: Callback) => void> {
  return {
    getPluginInfo(_call, cb) {
      const info = new plugproto.PluginInfo();
      info.setVersion(options.version);
      cb(null, info);
    },
    getSchema(_call, cb) {
      const resp = new provproto.GetSchemaResponse();
      resp.setSchema(options.schema());
      cb(null, resp);
    },
    cancel(_call, cb) {
      cb(null, new emptyproto.Empty());
    },
    checkConfig(call, cb) {
      const req = call.request;
      serve(req.getUrn(), cb, async () => {
        await warnPlainStackCredentials(req.getUrn());
        const result = checkConfig(props(req.getNews()));
        const resp = new provproto.CheckResponse();
        resp.setInputs(struct(result.inputs));
        resp.setFailuresList(result.failures.map(failure));
        return resp;
      });
    },
    diffConfig(call, cb) {
      const req = call.request;
      serve(req.getUrn(), cb, async () => {
        const result = diffConfig(props(req.getOldInputs() ?? req.getOlds()), props(req.getNews()));
        const resp = new provproto.DiffResponse();
        resp.setChanges(result.changed.length > 0 ? DIFF_CHANGES.some : DIFF_CHANGES.none);
        resp.setDiffsList(result.changed);
        setDetailed(resp, result.detailedDiff);
        return resp;
      });
    },
    configure(call, cb) {
      const req = call.request;
      serve(req.getUrn?.() ?? "", cb, async () => {
        const variables = new Map<string, string>(req.getVariablesMap().toArray());
        configure(req.getArgs() ? props(req.getArgs()) : undefined, variables);
        const resp = new provproto.ConfigureResponse();
        resp.setAcceptsecrets(true);
        resp.setSupportspreview(true);
        resp.setAcceptresources(false);
        resp.setAcceptoutputs(false);
        return resp;
      });
    },
    check(call, cb) {
      serveResource(call, cb, async (req, kind, urn) => {
        const olds = revealProps(props(req.getOlds()));
        const raw = props(req.getNews());
        const news = revealProps(raw);
        const inputs = kind.toMethodInputs(news.plain, nameOfUrn(urn), raw, urn);
        const result = await kind.methods().check(olds.plain, inputs);
        // The checked inputs come back with the internal ones stored as `__<name>`.
        const given = (result.inputs as Props | undefined) ?? toStored(inputs, kind.internal);
        const checked = concealKeys(
          given,
          storedNames(
            [
              ...kind.secretInputs,
              ...secretInputsOf(kind, news.secretKeys),
              ...(kind.secretByContent?.(fromStored(given, kind.internal)) ?? []),
            ],
            kind.internal,
          ),
        );
        const resp = new provproto.CheckResponse();
        resp.setInputs(struct(checked));
        resp.setFailuresList((result.failures ?? []).map(failure));
        return resp;
      });
    },
    diff(call, cb) {
      serveResource(call, cb, async (req, kind) => {
        const olds = plain(req.getOlds());
        const news = plain(req.getNews());
        const oldInputs = req.getOldInputs() ? plain(req.getOldInputs()) : olds;
        const result = await kind.methods().diff(req.getId(), olds, news);
        // The view names the methods' keys: the internal ones by their plain names (all hidden).
        const d = translateDiff(
          result,
          fromStored(oldInputs, kind.internal),
          fromStored(news, kind.internal),
          kind.diffView,
        );
        const resp = new provproto.DiffResponse();
        resp.setChanges(DIFF_CHANGES[d.changes]);
        resp.setReplacesList(d.replaces);
        resp.setDeletebeforereplace(d.deleteBeforeReplace);
        resp.setDiffsList(d.diffs);
        if (d.changes !== "none" && Object.keys(d.detailedDiff).length > 0) setDetailed(resp, d.detailedDiff);
        return resp;
      });
    },
    create(call, cb) {
      serveResource(call, cb, async (req, kind) => {
        const inputs = revealProps(props(req.getProperties()));
        const resp = new provproto.CreateResponse();
        if (req.getPreview()) {
          resp.setId("");
          const planned = await kind.previewCreate(fromStored(inputs.plain, kind.internal));
          resp.setProperties(struct(concealKeys(toStored(planned, kind.internal), inputs.secretKeys)));
          return resp;
        }
        const result = await kind.methods().create(inputs.plain, { deadline: deadlineOf(req.getTimeout()) });
        const outs = kind.toOutputs(result.outs ?? {}, inputs.plain);
        resp.setId(result.id);
        resp.setProperties(struct(concealKeys(outs, inputs.secretKeys)));
        return resp;
      });
    },
    update(call, cb) {
      serveResource(call, cb, async (req, kind) => {
        const olds = plain(req.getOlds());
        const news = revealProps(props(req.getNews()));
        const resp = new provproto.UpdateResponse();
        if (req.getPreview()) {
          const planned = await kind.previewUpdate(
            fromStored(olds, kind.internal),
            fromStored(news.plain, kind.internal),
          );
          resp.setProperties(struct(concealKeys(toStored(planned, kind.internal), news.secretKeys)));
          return resp;
        }
        const result = await kind
          .methods()
          .update(req.getId(), olds, news.plain, { deadline: deadlineOf(req.getTimeout()) });
        const outs = kind.toOutputs(result.outs ?? {}, news.plain);
        resp.setProperties(struct(concealKeys(outs, news.secretKeys)));
        return resp;
      });
    },
    delete(call, cb) {
      serveResource(call, cb, async (req, kind) => {
        const state = plain(req.getProperties());
        await kind.methods().remove(req.getId(), state, { deadline: deadlineOf(req.getTimeout()) });
        return new emptyproto.Empty();
      });
    },
    read(call, cb) {
      serveResource(call, cb, async (req, kind, urn) => {
        const state = revealProps(props(req.getProperties()));
        const resp = new provproto.ReadResponse();
        if (Object.keys(state.plain).length === 0) {
          // `pulumi import` / the `import` option: no state yet.
          if (!kind.importRead) throw new Error(`${kind.name} cannot be imported`);
          const imported = await kind.importRead(req.getId(), nameOfUrn(urn));
          if (!imported) return resp; // no id, no properties: "does not exist"
          resp.setId(imported.id);
          resp.setProperties(struct(toStored(imported.props, kind.internal)));
          const inputs = concealKeys(imported.inputs, kind.secretInputs);
          resp.setInputs(struct(toStored(inputs, kind.internal)));
          return resp;
        }
        const result = await kind.methods().read(req.getId(), state.plain);
        if (!result.id) return resp; // gone: refresh drops it from state
        resp.setId(result.id);
        resp.setProperties(struct(concealKeys(result.props ?? {}, state.secretKeys)));
        // The previous inputs, as the engine sent them (the plaintext env among them, secret).
        if (req.getInputs()) resp.setInputs(req.getInputs());
        return resp;
      });
    },
  };
}

/** Keys the program marked secret, as the methods name them (e.g. `registry` → `registryEnv`). */
function secretInputsOf(kind: ResourceKind, keys: ReadonlySet<string>): string[] {
  const out = [...keys];
  for (const key of keys) {
    const carried = kind.secretCarriedBy?.[key];
    if (carried !== undefined) out.push(...carried);
  }
  return out;
}

function failure(f: { property: string; reason: string }): Message {
  const m = new provproto.CheckFailure();
  m.setProperty(f.property);
  m.setReason(f.reason);
  return m;
}

function setDetailed(resp: Message, detailed: Record<string, string>): void {
  const map = resp.getDetaileddiffMap();
  for (const [path, kind] of Object.entries(detailed)) {
    const d = new provproto.PropertyDiff();
    d.setKind(PROPERTY_DIFF_KIND[kind]);
    d.setInputdiff(true);
    map.set(path, d);
  }
  resp.setHasdetaileddiff(true);
}

/** Starts the server on a free loopback port; resolves with the port. */
export async function startServer(
  options: ServerOptions,
): Promise<{ port: number; server: grpcTypes.Server }> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": 1024 * 1024 * 400,
  });
  server.addService(
    provrpc.ResourceProviderService,
    providerService(options) as grpcTypes.UntypedServiceImplementation,
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    );
  });
  return { port, server };
}
