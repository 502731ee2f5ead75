/**
 * Keeps this package's resource inputs out of the Pulumi Node.js SDK's debug log.
 *
 * At debug level (`pulumi --debug`, `-v` ≥ 5 and the log files `-v` writes) the SDK logs the
 * engine's answer to every resource registration, with secret values in clear:
 *   `@pulumi/pulumi/runtime/resource.js` (3.216.0 lines 477/482, 3.276.0 lines 597/602):
 *     log.debug(`RegisterResource RPC finished: ${label}; err: ${rpcErr}, resp: ${innerResponse}`)
 *   and likewise `ReadResource RPC finished: …; resp: …` (212 / 214), and, when the SDK's
 *   `excessiveDebugOutput` is switched on, `RegisterResource RPC prepared: …, obj=…` (332 / 434).
 * During a preview the answer for a resource being created or updated is its planned state —
 * its inputs: the env values and registry credentials of a `CvmSecrets`, the token of a
 * `RegistryCredential`. `resource.js` calls `log.debug` through the module object of
 * `@pulumi/pulumi/log` at call time (`const log = __importStar(require("../log"))`, a plain
 * writable export), so this module wraps that export: those messages about a resource of this
 * package (`[pulumi-nodejs:dynamic/cvm-secrets:…]` in the label, `t=…` in the prepared line) keep
 * their first part (which resource, whether it failed) and lose the answer; every other message
 * passes through unchanged.
 *
 * It wraps the `@pulumi/pulumi` this package resolves — the same copy whose `dynamic.Resource`
 * registers this package's resources (a peer dependency), so it is the copy that logs them.
 * Resources of other packages keep the SDK's behaviour, including ones fed this package's
 * outputs (docs/security.md, Debug output).
 */
import * as pulumi from "@pulumi/pulumi";

/**
 * The type tokens of this package's resources: the dynamic classes, the classes bound to the
 * provider plugin, and the plugin's explicit `Provider` (its inputs hold the API key).
 */
const OUR_TYPES = [
  "pulumi-nodejs:dynamic/cvm-secrets:",
  "cvm-secrets:index:",
  "pulumi:providers:cvm-secrets",
];

const NOTE = "[left out by pulumi-cvm-secrets: it holds the resource's inputs]";

/** Pure: the debug message with the answer about one of this package's resources left out. */
export function redactSdkDebug(message: string): string {
  if (typeof message !== "string") return message;
  const head = /^(?:RegisterResource|ReadResource) RPC (finished|prepared): /.exec(message);
  if (!head || !OUR_TYPES.some((t) => message.includes(t))) return message;
  if (head[1] === "finished") return message.replace(/, resp: [\s\S]*$/, `, resp: ${NOTE}`);
  return message.replace(/, obj=[\s\S]*$/, `, obj=${NOTE}`);
}

const MARK = Symbol.for("pulumi-cvm-secrets.debug-log");

type LogModule = { debug: (message: string, ...rest: unknown[]) => Promise<void>; [MARK]?: true };

/** Wraps `log.debug` of the SDK once per process (idempotent: several entry points call it). */
export function installDebugRedaction(log: LogModule = pulumi.log as unknown as LogModule): void {
  if (log[MARK]) return;
  const debug = log.debug;
  log.debug = function (this: unknown, message: string, ...rest: unknown[]) {
    return debug.call(this, redactSdkDebug(message), ...rest);
  };
  log[MARK] = true;
}

installDebugRedaction();
