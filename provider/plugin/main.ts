/**
 * Entry point of `pulumi-resource-cvm-secrets` (bin/): the engine starts it with its own gRPC
 * address as the first argument and reads the port the plugin listens on from its first line of
 * stdout.
 */
import "../node-version";
import { useEngine } from "../runtime/engine-log";
import { packageVersion } from "./package-source";
import { schemaJson } from "./schema";
import { startServer } from "./server";

export async function main(args: readonly string[]): Promise<void> {
  const engine = args.find((a) => !a.startsWith("-"));
  if (!engine) {
    console.error(
      "pulumi-resource-cvm-secrets: the Pulumi engine starts this plugin with its address; run `pulumi up` instead",
    );
    process.exit(1);
  }
  useEngine(engine);
  const version = packageVersion();
  const { port } = await startServer({ version, schema: () => schemaJson(version) });
  // The engine reads the port from the first line (a string, so Node does not colour it).
  process.stdout.write(`${port}\n`);
}

// An error outside a call is reported without a stack trace and does not stop the server.
process.on("unhandledRejection", (error) =>
  console.error(`pulumi-resource-cvm-secrets: ${(error as Error)?.message ?? error}`),
);

if (require.main === module) void main(process.argv.slice(2));
