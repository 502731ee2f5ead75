/**
 * `cvm-secrets-emulator`: runs a local Phala Cloud until SIGINT/SIGTERM.
 *
 *   cvm-secrets-emulator [--port N] [--host H] [--api-key K] [--restart-ms N]
 *                        [--state-file PATH] [--seed-cvm NAME]... [--seed-replicas N]
 *                        [--seed-compose FILE] [--chain-rpc URL] [--quiet] [--log-file FILE]
 *
 * It prints its URL, the API key and the seeded CVMs, then one line per request (route, status,
 * time; never a body or a value) on standard output, or into `--log-file`, or nowhere with
 * `--quiet`. Ctrl-C (SIGINT) or SIGTERM stops it.
 * The API key comes from `--api-key`, else `CVM_SECRETS_EMULATOR_API_KEY`, else is random.
 * Binds loopback unless `--host` is given explicitly.
 */
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { type Emulator, startEmulator } from "./index";

/**
 * The docker-compose of a seeded CVM: the README quickstart's service, reading the quickstart's
 * two keys. A seeded CVM has no encrypted env yet (empty `allowed_envs`), so `CvmSecrets` takes
 * it without `adopt` and its compose check passes.
 */
export const SEED_DOCKER_COMPOSE =
  "services:\n  api:\n    image: ghcr.io/acme/api:1.4.2\n    environment:\n" +
  "      - DATABASE_URL=${DATABASE_URL}\n      - STRIPE_KEY=${STRIPE_KEY}\n";

/** Parsed command line. */
export interface CliArgs {
  port: number;
  host: string;
  apiKey?: string;
  restartMs?: number;
  stateFile?: string;
  seedCvms: string[];
  /** CVMs per seeded name: 1 is `NAME`; more are `NAME-1` … `NAME-N`, replicas of one app. */
  seedReplicas: number;
  /** docker-compose YAML file for seeded CVMs (default {@link SEED_DOCKER_COMPOSE}). */
  seedCompose?: string;
  /** JSON-RPC URL of a development chain for the on-chain KMS contracts. */
  chainRpc?: string;
  /** No request log on standard output. */
  quiet: boolean;
  /** Appends the request log to this file (created with mode 0600) instead of standard output. */
  logFile?: string;
  help: boolean;
}

const USAGE = `Usage: cvm-secrets-emulator [options]

  --port N            TCP port (default 8787; 0 picks a free port)
  --host H            listen address (default 127.0.0.1; only set this on purpose)
  --api-key K         accepted X-API-Key (default: $CVM_SECRETS_EMULATOR_API_KEY, else random)
  --restart-ms N      how long a CVM restart takes (default 1500)
  --state-file PATH   keep apps, CVMs and keys in PATH (mode 0600) across runs
  --seed-cvm NAME     create a CVM named NAME at start, with no env yet (repeatable); one
                      already in the state file is kept
  --seed-replicas N   seed N replicas of one app per --seed-cvm: NAME-1 ... NAME-N (default 1)
  --seed-compose FILE docker-compose of seeded CVMs (default: the README quickstart's service,
                      reading DATABASE_URL and STRIPE_KEY)
  --chain-rpc URL     deploy the on-chain KMS contract (the emulator's signer) on the development
                      chain at URL (ganache, anvil, hardhat) and register each on-chain app there
  --quiet             no request log (the startup lines are still printed)
  --log-file FILE     append the request log (route, status, time; never a body) to FILE
                      instead of standard output
  -h, --help          show this help

Stop it with Ctrl-C (SIGINT) or SIGTERM.
`;

/** Parses argv (without node and script). Throws an Error with a message for bad input. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliArgs {
  const args: CliArgs = {
    port: 8787,
    host: "127.0.0.1",
    seedCvms: [],
    seedReplicas: 1,
    quiet: false,
    help: false,
  };
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
      case "--seed-replicas":
        args.seedReplicas = int();
        if (args.seedReplicas < 1) throw new Error(`${name} needs an integer of at least 1`);
        break;
      case "--seed-compose":
        args.seedCompose = value();
        break;
      case "--chain-rpc":
        args.chainRpc = value();
        break;
      case "--quiet":
        if (inline !== undefined) throw new Error(`${name} takes no value`);
        args.quiet = true;
        break;
      case "--log-file":
        args.logFile = value();
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

/** The CVMInfo fields the seeding prints. */
interface SeededCvm {
  id: string;
  app_id: string;
}

/** The CVM named `name` if the emulator already has it (loaded from `--state-file`). */
async function existingCvm(emu: Emulator, name: string): Promise<SeededCvm | undefined> {
  const res = await fetch(`${emu.url}/cvms/${encodeURIComponent(name)}`, {
    headers: { "X-API-Key": emu.apiKey },
  });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`GET /cvms/${name} answered HTTP ${res.status}`);
  return (await res.json()) as SeededCvm;
}

/** Seeds `name` (or `name-1` … `name-N`, one app) unless the state file already holds it. */
async function seed(
  emu: Emulator,
  name: string,
  replicas: number,
  compose: string,
  out: (text: string) => void,
): Promise<void> {
  const names = replicas === 1 ? [name] : Array.from({ length: replicas }, (_, i) => `${name}-${i + 1}`);
  let appId: string | undefined;
  for (const cvmName of names) {
    const kept = await existingCvm(emu, cvmName);
    if (kept) {
      out(`Kept CVM ${cvmName} from the state file: ${kept.id} (app_id ${kept.app_id})\n`);
      appId ??= kept.app_id;
      continue;
    }
    const cvm = await emu.admin.createCvm({
      name: cvmName,
      docker_compose_file: compose,
      ...(appId ? { app_id: appId } : {}),
    });
    appId ??= cvm.app_id;
    out(`Seeded CVM ${cvmName}: ${cvm.id} (app_id ${cvm.app_id})\n`);
  }
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
  let compose = SEED_DOCKER_COMPOSE;
  if (args.seedCompose !== undefined) {
    try {
      compose = readFileSync(args.seedCompose, "utf8");
    } catch (error) {
      err(
        `cvm-secrets-emulator: --seed-compose: cannot read ${args.seedCompose}: ${(error as Error).message}\n`,
      );
      return 2;
    }
  }
  let logFd: number | undefined;
  if (args.logFile !== undefined) {
    try {
      logFd = openSync(args.logFile, "a", 0o600);
    } catch (error) {
      err(`cvm-secrets-emulator: --log-file: cannot open ${args.logFile}: ${(error as Error).message}\n`);
      return 2;
    }
  }
  const fd = logFd;
  const log =
    fd !== undefined
      ? (line: string) => void writeSync(fd, `${new Date().toISOString()} ${line}\n`)
      : args.quiet
        ? () => {}
        : (line: string) => out(`${new Date().toISOString()} ${line}\n`);
  try {
    return await serve(args, compose, log, out, err, hooks.stop);
  } finally {
    if (logFd !== undefined) closeSync(logFd);
  }
}

/** Starts the emulator, prints how to reach and stop it, seeds, and serves until `stop`. */
async function serve(
  args: CliArgs,
  compose: string,
  log: (line: string) => void,
  out: (text: string) => void,
  err: (text: string) => void,
  stop: Promise<void> | undefined,
): Promise<number> {
  const emu = await startEmulator({
    port: args.port,
    host: args.host,
    ...(args.apiKey !== undefined ? { apiKey: args.apiKey } : {}),
    ...(args.restartMs !== undefined ? { restartMs: args.restartMs } : {}),
    ...(args.stateFile !== undefined ? { stateFile: args.stateFile } : {}),
    ...(args.chainRpc !== undefined ? { chainRpcUrl: args.chainRpc } : {}),
    log,
  });
  out(`Phala Cloud emulator listening on ${emu.url} (Ctrl-C to stop)\n`);
  out(`API key: ${emu.apiKey}\n`);
  if (args.logFile !== undefined) out(`Request log: ${args.logFile}\n`);
  try {
    for (const name of args.seedCvms) await seed(emu, name, args.seedReplicas, compose, out);
  } catch (error) {
    await emu.close();
    err(`cvm-secrets-emulator: could not seed a CVM: ${(error as Error).message}\n`);
    return 1;
  }
  await (stop ?? untilSignal());
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
