/**
 * The `cvm-secrets` command.
 *
 *   cvm-secrets pr-summary [preview.json | -] [--title TEXT]
 *       Markdown summary of `pulumi preview --json` for a pull-request comment; fails (exit 1)
 *       on a failed, empty or non-preview document.
 *   cvm-secrets encrypt (--public-key HEX | --cvm ID) [--env-file FILE | -]... [-e KEY=VALUE | -e FILE]...
 *       Encrypts an env for a CVM, like `phala envs encrypt`: prints lowercase hex only.
 *       --cvm reads the key from the API (PHALA_CLOUD_API_KEY, PHALA_CLOUD_API_PREFIX) under the
 *       provider's trust rules: for on-chain KMS the KMS-signed key, verified against
 *       --trusted-signer, else the chain's signer with --rpc-url (cli/trust-flags.ts), else the
 *       signer the API reports for the KMS.
 *   cvm-secrets trust --cvm ID [--rpc-url URL] [--kms-contract ADDR] [--trusted-signer HEX] [--json]
 *       The chain of trust of one CVM's key, each check ok / FAILED / not checked (cli/trust.ts);
 *       exits 1 when a check that ran failed.
 *   cvm-secrets --help | --version | <command> --help
 *
 * Nothing a user passes as an argument is ever echoed back: a stray argument may be a value.
 */
import { readFileSync } from "node:fs";
import { type HintSources, type PhalaClient, phalaClient } from "../api/phala";
import { validateEnv } from "../core/env-rules";
import { encryptEnv } from "../core/envelope";
import { type PreviewDocument, renderPrSummary } from "../core/pr-summary";
import { previewProblem } from "../core/preview-check";
import { renderTrustJson, renderTrustText, trustPassed } from "../core/trust-report";
import { trustedKey } from "../cvm-secrets/steps/trust";
import { CvmSecretsError, ErrorCodes } from "../errors";
import { DEFAULT_API_URL } from "../runtime/settings";
import { describeArg, parseFlags, UsageError } from "./args";
import { readEnv } from "./env-input";
import { checkTrust, type TrustFlags } from "./trust";
import { TRUST_FLAG_SPECS, trustFlags } from "./trust-flags";

const USAGE = `usage: cvm-secrets <command> [options]

commands:
  pr-summary   Markdown summary of \`pulumi preview --json\` for a pull-request comment
  encrypt      encrypt an env for a CVM (prints the hex for PATCH /cvms/{id}/envs)
  trust        check and print the chain of trust of a CVM's env-encryption key

options:
  -h, --help     show this help (\`cvm-secrets <command> --help\` for a command's options)
  -V, --version  print the version`;

const COMMAND_USAGE: Record<string, string> = {
  "pr-summary": `usage: cvm-secrets pr-summary [preview.json | -] [--title TEXT]

Reads \`pulumi preview --json\` (a file, or standard input when the file is - or omitted) and
prints Markdown: per resource the keys added, changed and removed and the CVMs that restart,
never a value. Exits 1 without a summary when the preview failed, printed nothing, or is not
a preview document.

options:
  --title TEXT   heading of the summary (default "pulumi preview")
  -h, --help     show this help`,
  encrypt: `usage: cvm-secrets encrypt (--public-key HEX | --cvm ID [--rpc-url URL] [--kms-contract ADDR] [--trusted-signer HEX]) [--env-file FILE]... [-e KEY=VALUE | -e FILE]...

Encrypts an env to a CVM's app key and prints lowercase hex (like \`phala envs encrypt\`).
Values are best read from a file or standard input, not the command line (which other local
users can see): \`--env-file -\` reads KEY=VALUE lines from standard input.

options:
  -k, --public-key HEX  the app's encrypted_env_pubkey (64 hex digits)
  --cvm ID              fetch the key from the API instead (PHALA_CLOUD_API_KEY, optionally
                        PHALA_CLOUD_API_PREFIX), under the provider's trust rules: for
                        on-chain KMS the KMS-signed key
  --rpc-url URL         with --cvm: a JSON-RPC node of the CVM's chain (on-chain KMS): the
                        signer is read from the KMS contract, as \`pulumi up\` does with
                        cvm-secrets:rpcUrls; default CVM_SECRETS_RPC_URL_<chainId>
  --kms-contract ADDR   with --rpc-url: the KMS contract to trust (default: Phala's for the chain)
  --trusted-signer HEX  with --cvm: the KMS signer's public key the signature must recover to
                        (else the chain's, else the signer the API reports, which proves less)
  --env-file FILE       KEY=VALUE lines (# comments, quotes, export prefix); - is standard
                        input; repeatable, later keys win
  -e, --env KEY=VALUE   one variable, or the path of an env file; repeatable
  -h, --help            show this help

Key names follow the CVM's rules: ^[A-Za-z_][A-Za-z0-9_]*$, at most 255 bytes, values at most
128 KiB, at most 1024 entries; DSTACK_APP_ID, DSTACK_GATEWAY_DOMAIN and DSTACK_APP_DOMAIN are
reserved.`,
  trust: `usage: cvm-secrets trust --cvm ID [--rpc-url URL] [--kms-contract ADDR] [--trusted-signer HEX] [--json]

Checks and prints the chain of trust of a CVM's env-encryption key, as \`pulumi up\` decides
it: the resolved CVM and app, the KMS, the chain and contract the signer is read from, the
signer and where it came from, then one line per check — ok, FAILED, or not checked and why:
chain-id, contract, kms-signer, registered (on-chain KMS, with an RPC URL), key-signature, and
quote-binding (kmsInfo().quote's report_data names the KMS keys; the quote is not
DCAP-verified). Exits 0 when every check that ran passed, 1 when one failed. An RPC URL is
printed by its origin only.

options:
  --cvm ID              the CVM (id or name); the API is PHALA_CLOUD_API_KEY, optionally
                        PHALA_CLOUD_API_PREFIX
  --rpc-url URL         a JSON-RPC node of the CVM's chain (default CVM_SECRETS_RPC_URL_<chainId>)
  --kms-contract ADDR   the KMS contract to trust (default: Phala's documented one for the chain)
  --trusted-signer HEX  the KMS signer's public key the key's signature must recover to
  --json                print the report as JSON
  -h, --help            show this help`,
};

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => string;
  env: NodeJS.ProcessEnv;
}

const defaultIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  readStdin: () => readFileSync(0, "utf8"),
  env: process.env,
};

/** The package version (package.json, resolved through the package's own export map). */
function version(): string {
  return (require("pulumi-cvm-secrets/package.json") as { version: string }).version;
}

/** Runs the command; returns the exit code. Errors are printed without values. */
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
      (command === undefined ? io.stderr : io.stdout)(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command === "--version" || command === "-V") {
      io.stdout(`${version()}\n`);
      return 0;
    }
    const usage = COMMAND_USAGE[command];
    if (usage === undefined) {
      io.stderr(`cvm-secrets: unknown command ${describeArg(command)}\n\n${USAGE}\n`);
      return 2;
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      io.stdout(`${usage}\n`);
      return 0;
    }
    try {
      if (command === "pr-summary") return prSummary(rest, io);
      if (command === "trust") return await trust(rest, io);
      return await encrypt(rest, io);
    } catch (err) {
      if (err instanceof UsageError) {
        io.stderr(`cvm-secrets ${command}: ${err.message}\n\n${usage}\n`);
        return 2;
      }
      throw err;
    }
  } catch (err) {
    io.stderr(`cvm-secrets: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

function prSummary(argv: readonly string[], io: Io): number {
  const { flags, positionals } = parseFlags(argv, { title: { names: ["--title"], value: "a title" } });
  if (positionals.length > 1) {
    throw new UsageError(`takes one preview file (or -), got ${positionals.length} arguments`);
  }
  const title = flags.filter(([k]) => k === "title").pop()?.[1];
  const file = positionals[0]?.[1] ?? "-";
  const source = file === "-" ? "standard input" : file;
  const text = file === "-" ? io.readStdin() : readFileSync(file, "utf8");
  const problem = previewProblem(text, source);
  if (problem) throw new CvmSecretsError(ErrorCodes.INVALID_INPUT, problem);
  io.stdout(renderPrSummary(JSON.parse(text) as PreviewDocument, title));
  return 0;
}

async function encrypt(argv: readonly string[], io: Io): Promise<number> {
  const { flags, positionals } = parseFlags(argv, {
    publicKey: { names: ["--public-key", "-k"], value: "the app's public key (64 hex digits)" },
    cvm: { names: ["--cvm"], value: "a CVM id or name" },
    ...TRUST_FLAG_SPECS,
    envFile: { names: ["--env-file"], value: "a file path, or - for standard input" },
    env: { names: ["-e", "--env"], value: "KEY=VALUE or an env file path" },
  });
  if (positionals.length > 0) {
    const [position] = positionals[0]!;
    throw new UsageError(
      `unexpected ${describeArg("", position)}; values go in --env-file FILE, --env-file - (standard input) or -e KEY=VALUE`,
    );
  }
  const one = (key: string): string | undefined => {
    const given = flags.filter(([k]) => k === key);
    if (given.length > 1) throw new UsageError(`--${key === "cvm" ? "cvm" : "public-key"} given twice`);
    return given[0]?.[1];
  };
  const publicKey = one("publicKey");
  const cvm = one("cvm");
  if ((publicKey === undefined) === (cvm === undefined)) {
    throw new CvmSecretsError(ErrorCodes.INVALID_INPUT, "give exactly one of --public-key HEX or --cvm ID");
  }
  const env = readEnv({ flags, readStdin: io.readStdin });
  if (Object.keys(env).length === 0) {
    io.stderr(
      "cvm-secrets encrypt: warning: no variables given (--env-file FILE, --env-file - or -e KEY=VALUE); " +
        "printing an encrypted empty env (sent to a CVM, it replaces all of its variables with none)\n",
    );
  }
  const failures = validateEnv(env);
  if (failures.length > 0) {
    throw new CvmSecretsError(
      ErrorCodes.INVALID_INPUT,
      `the env cannot be encrypted for a CVM:\n${failures.map((f) => `  ${f.property}: ${f.reason}`).join("\n")}`,
    );
  }
  const trust = trustFlags(flags);
  if (publicKey !== undefined && Object.keys(trust).length > 0) {
    throw new UsageError("--rpc-url, --kms-contract and --trusted-signer go with --cvm");
  }
  const key = publicKey ?? (await keyOfCvm(cvm!, io.env, trust));
  io.stdout(`${encryptEnv(env, key)}\n`);
  return 0;
}

/** The CVM's key under the provider's trust rules (cvm-secrets/steps/trust.ts): signed for on-chain KMS. */
async function keyOfCvm(cvm: string, env: NodeJS.ProcessEnv, trust: TrustFlags): Promise<string> {
  const client = apiClient(env, "--cvm");
  return trustedKey(client, await client.getCvm(cvm), { kms: trust });
}

async function trust(argv: readonly string[], io: Io): Promise<number> {
  const { flags, positionals } = parseFlags(argv, {
    cvm: { names: ["--cvm"], value: "a CVM id or name" },
    json: { names: ["--json"], value: "no value", boolean: true },
    ...TRUST_FLAG_SPECS,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected ${describeArg("", positionals[0]![0])}`);
  const cvms = flags.filter(([k]) => k === "cvm");
  if (cvms.length !== 1)
    throw new UsageError(cvms.length === 0 ? "--cvm ID is required" : "--cvm given twice");
  const trust = trustFlags(flags);
  const client = apiClient(io.env, "trust");
  const report = await checkTrust(client, await client.getCvm(cvms[0]![1]), trust);
  io.stdout(flags.some(([k]) => k === "json") ? renderTrustJson(report) : renderTrustText(report));
  return trustPassed(report) ? 0 : 1;
}

/** What the hints of a failed API call name: this command's environment variables and flag. */
const CLI_SOURCES: HintSources = {
  apiKey: "the PHALA_CLOUD_API_KEY environment variable",
  apiUrl: "the PHALA_CLOUD_API_PREFIX environment variable (default the Phala Cloud API)",
  cvm: "--cvm",
  rerun: "the command",
};

/** The API client of `--cvm`: PHALA_CLOUD_API_KEY, optionally PHALA_CLOUD_API_PREFIX. */
function apiClient(env: NodeJS.ProcessEnv, what: string): PhalaClient {
  const apiKey = env.PHALA_CLOUD_API_KEY;
  if (!apiKey) {
    throw new CvmSecretsError(
      ErrorCodes.CONFIGURATION,
      `${what} needs PHALA_CLOUD_API_KEY (and optionally PHALA_CLOUD_API_PREFIX)`,
    );
  }
  return phalaClient({
    baseUrl: env.PHALA_CLOUD_API_PREFIX || DEFAULT_API_URL,
    apiKey,
    sources: CLI_SOURCES,
  });
}
