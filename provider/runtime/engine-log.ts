/**
 * Messages from the provider to the person running Pulumi, with their severity.
 *
 * A dynamic provider's stderr reaches the CLI only as `info` lines, so a warning would read like
 * progress. The engine's own `Engine.Log` RPC carries a severity: the dynamic-provider host is
 * started by the engine with the engine's gRPC address as its first argument
 * (`@pulumi/pulumi/cmd/dynamic-provider`: "the address of the RPC endpoint for the engine"), and
 * this module sends `LogRequest`s there (pulumi/pulumi `proto/pulumi/engine.proto`). Outside that
 * host (unit tests, the `cvm-secrets` command) it writes to stderr with a severity prefix.
 *
 * Inside the resource provider plugin (provider/plugin), each call runs in a resource context
 * (`withResource`): its messages carry the resource's URN, so the CLI shows them under the
 * resource, and the plugin sets the engine address itself (`useEngine`).
 *
 * Messages name CVMs, keys and rules only — never a value; a CVM whose id is a secret is named
 * by its position (secret-scope.ts).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { redactIds } from "./secret-scope";

/** Severity of a message (the values of `pulumirpc.LogSeverity`). */
export type Severity = "info" | "warning";

const SEVERITY: Record<Severity, number> = { info: 1, warning: 2 };

export interface ProviderLog {
  info(message: string): void;
  warn(message: string): void;
  /** Resolves when every message sent so far was delivered. */
  flush(): Promise<void>;
}

type Send = (severity: Severity, message: string, urn?: string) => Promise<void>;

let shared: ProviderLog | undefined;
let pluginEngine: string | undefined;
const resource = new AsyncLocalStorage<{ urn: string }>();

/** The log of this process: to the engine inside the dynamic-provider host, else to stderr. */
export function providerLog(): ProviderLog {
  if (!shared) shared = logTo(engineSender(pluginEngine ?? engineAddress()) ?? stderrSender);
  return shared;
}

/** For the resource provider plugin: the engine address it was started with. */
export function useEngine(addr: string): void {
  pluginEngine = addr;
  shared = undefined;
  ignoreBrokenOutput();
}

const quieted = new WeakSet<NodeJS.EventEmitter>();

/**
 * Keeps a provider process running, and idle, once nobody reads its output. The engine reads
 * the stdout and stderr of the processes it starts; when the Pulumi CLI is killed mid-rollout
 * (its process group: the provider, in a group of its own, lives on), the engine is gone, so
 * messages fall back to stderr, and a write there fails with EPIPE, emitted as an `error` on the
 * stream. Unhandled, it ends the plugin in the middle of the rollout; in the SDK's
 * dynamic-provider host, whose `uncaughtException` handler writes each error to stderr again, it
 * starts a loop of new EPIPEs that starves the rollout. Either way the CVM pushed last is never
 * recorded as done in the journal (journal.ts), and the next `up` restarts it again. With the
 * errors consumed the rollout in flight finishes; what it writes goes nowhere.
 */
export function ignoreBrokenOutput(
  streams: readonly NodeJS.EventEmitter[] = [process.stdout, process.stderr],
): void {
  for (const stream of streams) {
    if (quieted.has(stream)) continue;
    quieted.add(stream);
    stream.on("error", () => undefined);
  }
}

/** Runs `fn` for one resource: messages it logs (also after an await) carry `urn`. */
export function withResource<T>(urn: string, fn: () => T): T {
  return resource.run({ urn }, fn);
}

/**
 * Whether what is logged now is attached to a resource's URN (a call of the plugin, `withResource`):
 * the CLI then shows it under the resource's row, printed again each time that row changes, and
 * files it under the resource in Diagnostics. Without a URN (the dynamic provider, stderr) it is
 * filed under the stack.
 */
export function onResourceRow(): boolean {
  return resource.getStore() !== undefined;
}

/**
 * The one place that names the resource a message is about (`CvmSecrets api: …`): a message
 * attached to the resource's URN is shown under the row and the Diagnostics heading that already
 * name it (`cvm-secrets:index:CvmSecrets (api)`), so it is the text alone; a message without a
 * URN (the dynamic provider's, filed under the stack) starts with `<kind> <name>: `.
 */
export function about(kind: "CvmSecrets" | "RegistryCredential", name: string, text: string): string {
  return onResourceRow() ? text : `${kind} ${name}: ${text}`;
}

/**
 * A line for the person running Pulumi from a method that has always written it to stderr
 * (the CLI shows a provider's stderr as info lines): for a resource of the plugin, an info
 * message attached to the resource instead. Either way a secret CVM id in it is named by its
 * position (secret-scope.ts).
 */
export function notice(message: string): void {
  if (onResourceRow()) providerLog().info(message);
  else console.error(redactIds(message));
}

const said = new Set<string>();

/**
 * A warning about the whole run rather than one resource, given once per provider process (one
 * process serves a whole run: the dynamic-provider host, or the plugin's process of one provider
 * configuration) whatever the number of resources that meet it. Outside any resource's context,
 * so the CLI shows it once among the run's diagnostics, not under a resource.
 */
export function warnOnce(topic: string, message: string): void {
  if (said.has(topic)) return;
  said.add(topic);
  resource.exit(() => providerLog().warn(message));
}

/** For tests: forget which run-wide warnings were given. */
export function resetWarnOnce(): void {
  said.clear();
}

/** A log over any sender, delivering messages one at a time in order. */
export function logTo(send: Send): ProviderLog {
  let last: Promise<void> = Promise.resolve();
  const enqueue = (severity: Severity, text: string): void => {
    // Named here, while still in the scope of the provider call that wrote it (secret-scope.ts).
    const message = redactIds(text);
    const urn = resource.getStore()?.urn;
    last = last.then(() => send(severity, message, urn)).catch(() => stderrSender(severity, message));
  };
  return {
    info: (message) => enqueue("info", message),
    warn: (message) => enqueue("warning", message),
    flush: () => last,
  };
}

/** The engine address when this process is the dynamic-provider host the engine started. */
export function engineAddress(argv: readonly string[] = process.argv): string | undefined {
  const script = (argv[1] ?? "").replace(/\\/g, "/");
  if (!/\/cmd\/dynamic-provider(\/index\.js)?$/.test(script)) return undefined;
  const addr = argv[2];
  return addr && /^[\w.[\]:-]+:\d+$/.test(addr) ? addr : undefined;
}

async function stderrSender(severity: Severity, message: string): Promise<void> {
  console.error(`${severity === "warning" ? "warning: " : ""}${message}`);
}

function engineSender(addr: string | undefined): Send | undefined {
  if (!addr) return undefined;
  let client: { log(req: unknown, done: (err: Error | null) => void): void } | undefined;
  let LogRequest: (new () => Record<string, (v: unknown) => unknown>) | undefined;
  try {
    // The SDK's own gRPC stubs and grpc-js, resolved from the SDK the provider runs under.
    const sdk = require.resolve("@pulumi/pulumi/package.json");
    const from = (id: string) => require(require.resolve(id, { paths: [sdk] }));
    const grpc = from("@grpc/grpc-js");
    const services = from("@pulumi/pulumi/proto/engine_grpc_pb");
    LogRequest = from("@pulumi/pulumi/proto/engine_pb").LogRequest;
    client = new services.EngineClient(addr, grpc.credentials.createInsecure());
  } catch {
    return undefined;
  }
  return (severity, message, urn) =>
    new Promise<void>((resolve, reject) => {
      const req = new LogRequest!();
      req.setSeverity!(SEVERITY[severity]);
      req.setMessage!(message);
      req.setUrn!(urn ?? "");
      req.setEphemeral!(false);
      client!.log(req, (err) => (err ? reject(err) : resolve()));
    });
}

// Loaded by a provider method inside the dynamic-provider host: from then on.
if (engineAddress() !== undefined) ignoreBrokenOutput();
