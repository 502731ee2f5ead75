/**
 * `cvm-secrets-emulator`: runs a local Phala Cloud until SIGINT/SIGTERM.
 *
 *   cvm-secrets-emulator [--port N] [--host H] [--api-key K] [--restart-ms N]
 *                        [--state-file PATH] [--seed-cvm NAME]...
 *
 * The API key comes from `--api-key`, else `CVM_SECRETS_EMULATOR_API_KEY`, else is random.
 * Binds loopback unless `--host` is given explicitly.
 */
import { startEmulator } from "./index";

/** Parsed command line. */
export interface CliArgs {
  port: number;
  host: string;
  apiKey?: string;
  restartMs?: number;
  stateFile?: string;
  seedCvms: string[];
  help: boolean;
}

const USAGE = `Usage: cvm-secrets-emulator [options]

  --port N            TCP port (default 8787; 0 picks a free port)
  --host H            listen address (default 127.0.0.1; only set this on purpose)
  --api-key K         accepted X-API-Key (default: $CVM_SECRETS_EMULATOR_API_KEY, else random)
  --restart-ms N      how long a CVM restart takes (default 1500)
  --state-file PATH   keep apps, CVMs and keys in PATH (mode 0600) across runs
  --seed-cvm NAME     create a CVM named NAME at start (repeatable)
  -h, --help          show this help
`;

/** Parses argv (without node and script). Throws an Error with a message for bad input. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliArgs {
  const args: CliArgs = { port: 8787, host: "127.0.0.1", seedCvms: [], help: false };
  const apiKeyEnv = env["CVM_SECRETS_EMULATOR_API_KEY"];
  if (apiKeyEnv) args.apiKey = apiKeyEnv;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const [name, inline] = flag.includes("=")
      ? [flag.slice(0, flag.indexOf("=")), flag.slice(flag.indexOf("=") + 1)]
      : [flag, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined) throw new Error(`${name} needs a value`);
      return next;
    };
    const int = (): number => {
      const text = value();
      const n = Number(text);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${name} needs a non-negative integer, got ${text}`);
      return n;
    };
    switch (name) {
      case "--port":
        args.port = int();
        break;
      case "--host":
        args.host = value();
        break;
      case "--api-key":
        args.apiKey = value();
        break;
      case "--restart-ms":
        args.restartMs = int();
        break;
      case "--state-file":
        args.stateFile = value();
        break;
      case "--seed-cvm":
        args.seedCvms.push(value());
        break;
      case "-h":
      case "--help":
        args.help = true;
        break;
      default:
        throw new Error(`unknown option ${name}`);
    }
  }
  return args;
}

/** Hooks for running {@link main} in-process (tests). */
export interface MainHooks {
  /** Resolves when the emulator should stop (default: SIGINT or SIGTERM). */
  stop?: Promise<void>;
  /** Standard output (default: process.stdout). */
  out?: (text: string) => void;
  /** Standard error (default: process.stderr). */
  err?: (text: string) => void;
  /** Environment (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/** Runs the CLI; resolves with the exit code once a signal stopped the server. */
export async function main(argv: readonly string[], hooks: MainHooks = {}): Promise<number> {
  const out = hooks.out ?? ((text: string) => void process.stdout.write(text));
  const err = hooks.err ?? ((text: string) => void process.stderr.write(text));
  let args: CliArgs;
  try {
    args = parseArgs(argv, hooks.env ?? process.env);
  } catch (error) {
    err(`cvm-secrets-emulator: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    out(USAGE);
    return 0;
  }
  const emu = await startEmulator({
    port: args.port,
    host: args.host,
    ...(args.apiKey !== undefined ? { apiKey: args.apiKey } : {}),
    ...(args.restartMs !== undefined ? { restartMs: args.restartMs } : {}),
    ...(args.stateFile !== undefined ? { stateFile: args.stateFile } : {}),
    log: (line) => out(`${new Date().toISOString()} ${line}\n`),
  });
  out(`Phala Cloud emulator listening on ${emu.url}\n`);
  out(`API key: ${emu.apiKey}\n`);
  try {
    for (const name of args.seedCvms) {
      const cvm = await emu.admin.createCvm({ name, allowed_envs: ["API_KEY"] });
      out(`Seeded CVM ${name}: ${cvm.id} (app_id ${cvm.app_id})\n`);
    }
  } catch (error) {
    await emu.close();
    err(`cvm-secrets-emulator: could not seed a CVM: ${(error as Error).message}\n`);
    return 1;
  }
  await (hooks.stop ?? untilSignal());
  await emu.close();
  out("Phala Cloud emulator stopped\n");
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `cvm-secrets-emulator: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
