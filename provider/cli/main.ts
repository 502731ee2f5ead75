/**
 * The `cvm-secrets` command.
 *
 *   cvm-secrets pr-summary [preview.json | -] [--title TEXT]
 *       Markdown summary of `pulumi preview --json` for a pull-request comment.
 *   cvm-secrets encrypt (--public-key HEX | --cvm ID) [-e KEY=VALUE | -e FILE]... [--env-file FILE]
 *       Encrypts an env for a CVM, like `phala envs encrypt`: prints lowercase hex only.
 *       --cvm reads the key from the API (PHALA_CLOUD_API_KEY, PHALA_CLOUD_API_PREFIX).
 */
import { existsSync, readFileSync } from "node:fs";
import { phalaClient } from "../api/phala-client";
import { parseAssignment, parseEnvFile } from "../core/env-file";
import { encryptEnv } from "../core/envelope";
import { type PreviewDocument, renderPrSummary } from "../core/pr-summary";
import { CvmSecretsError, ErrorCodes } from "../errors";
import { DEFAULT_API_URL } from "../impl/settings";

const USAGE = `usage:
  cvm-secrets pr-summary [preview.json | -] [--title TEXT]
  cvm-secrets encrypt (--public-key HEX | --cvm ID) [-e KEY=VALUE | -e FILE]... [--env-file FILE]`;

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

/** Runs the command; returns the exit code. Errors are printed without values. */
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "pr-summary") return prSummary(rest, io);
    if (command === "encrypt") return await encrypt(rest, io);
    if (command === "--help" || command === "-h" || command === "help") {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    io.stderr(`${USAGE}\n`);
    return 2;
  } catch (err) {
    io.stderr(`cvm-secrets: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

function takeFlag(args: string[], ...names: string[]): string | undefined {
  const at = args.findIndex((a) => names.includes(a));
  if (at === -1) return undefined;
  const value = args[at + 1];
  if (value === undefined) throw new CvmSecretsError(ErrorCodes.INVALID_INPUT, `${args[at]} needs a value`);
  args.splice(at, 2);
  return value;
}

function prSummary(argv: readonly string[], io: Io): number {
  const args = [...argv];
  const title = takeFlag(args, "--title");
  const source = args[0] ?? "-";
  const text = source === "-" ? io.readStdin() : readFileSync(source, "utf8");
  let doc: PreviewDocument;
  try {
    doc = JSON.parse(text) as PreviewDocument;
  } catch {
    throw new CvmSecretsError(
      ErrorCodes.INVALID_INPUT,
      `${source === "-" ? "standard input" : source} is not JSON: pass the output of \`pulumi preview --json\``,
    );
  }
  io.stdout(renderPrSummary(doc, title));
  return 0;
}

async function encrypt(argv: readonly string[], io: Io): Promise<number> {
  const args = [...argv];
  const publicKey = takeFlag(args, "--public-key", "-k");
  const cvm = takeFlag(args, "--cvm");
  const env: Record<string, string> = {};
  for (;;) {
    const file = takeFlag(args, "--env-file");
    if (file === undefined) break;
    Object.assign(env, parseEnvFile(readFileSync(file, "utf8"), file));
  }
  for (;;) {
    const item = takeFlag(args, "-e", "--env");
    if (item === undefined) break;
    if (!item.includes("=") && existsSync(item))
      Object.assign(env, parseEnvFile(readFileSync(item, "utf8"), item));
    else {
      const [key, value] = parseAssignment(item);
      env[key] = value;
    }
  }
  if (args.length > 0)
    throw new CvmSecretsError(ErrorCodes.INVALID_INPUT, `unexpected argument: ${args[0]}\n${USAGE}`);
  if ((publicKey === undefined) === (cvm === undefined)) {
    throw new CvmSecretsError(ErrorCodes.INVALID_INPUT, "give exactly one of --public-key HEX or --cvm ID");
  }
  const key = publicKey ?? (await keyOfCvm(cvm!, io.env));
  io.stdout(`${encryptEnv(env, key)}\n`);
  return 0;
}

async function keyOfCvm(cvm: string, env: NodeJS.ProcessEnv): Promise<string> {
  const apiKey = env.PHALA_CLOUD_API_KEY;
  if (!apiKey) {
    throw new CvmSecretsError(
      ErrorCodes.CONFIGURATION,
      "--cvm needs PHALA_CLOUD_API_KEY (and optionally PHALA_CLOUD_API_PREFIX)",
    );
  }
  const info = await phalaClient({ baseUrl: env.PHALA_CLOUD_API_PREFIX || DEFAULT_API_URL, apiKey }).getCvm(
    cvm,
  );
  if (!info.encryptionPublicKey) {
    throw new CvmSecretsError(
      ErrorCodes.API_ERROR,
      `the API reports no env-encryption key for ${cvm}: is KMS enabled?`,
    );
  }
  return info.encryptionPublicKey;
}
