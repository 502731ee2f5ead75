/**
 * The env `cvm-secrets encrypt` encrypts, read from its flags: `--env-file FILE` / `-` (standard
 * input), `-e KEY=VALUE` and `-e FILE`, later keys winning. Key names that the CVM would refuse
 * are reported with the closest valid name when the key is shaped like a name, and by count only
 * when it is not: the text before the `=` of a malformed `-e` may be part of a value (a
 * forgotten `KEY=` in front of `postgres://user:pass@host/db?sslmode=require`).
 */
import { existsSync, readFileSync } from "node:fs";
import { parseAssignment, parseEnvFile } from "../core/env-file";
import { KEY_PATTERN } from "../core/env-rules";
import { CvmSecretsError, ErrorCodes } from "../errors";
import { UsageError } from "./args";

/** Where the env comes from: the parsed flags (`envFile` / `env`) and standard input. */
export interface EnvSources {
  flags: ReadonlyArray<readonly [string, string]>;
  readStdin: () => string;
}

/**
 * A key shown in a message: name characters only, short. A value (a URL, a token with `+`, `/`,
 * `:` or `@`) does not look like this; the rest of `-e`'s text after the `=` is never shown.
 */
const SHOWABLE_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

/** The closest name the CVM accepts: `-` and `.` (and any other character) as `_`, a leading digit prefixed with `_`. */
export function suggestKeyName(key: string): string {
  const name = key.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** The message for keys the CVM refuses (`KEY_PATTERN`), or undefined when every key is valid. */
export function badKeyNamesMessage(keys: readonly string[]): string | undefined {
  const bad = keys.filter((k) => !KEY_PATTERN.test(k));
  if (bad.length === 0) return undefined;
  const shown = bad.filter((k) => SHOWABLE_KEY.test(k));
  const hidden = bad.length - shown.length;
  const lines = shown.map((k) => `  ${k}: did you mean ${suggestKeyName(k)}?`);
  if (hidden > 0) {
    lines.push(
      `  ${hidden} more not shown: ${hidden === 1 ? "it has" : "they have"} characters no key name has, ` +
        "so it may be a value (a -e without KEY=)",
    );
  }
  return (
    `${bad.length} key name${bad.length === 1 ? " does" : "s do"} not match ^[A-Za-z_][A-Za-z0-9_]*$ ` +
    `(letters, digits and _, not starting with a digit); the CVM refuses such keys:\n${lines.join("\n")}`
  );
}

/** Reads the env the flags name, in order; throws on an unreadable file or a malformed `-e`. */
export function readEnv({ flags, readStdin }: EnvSources): Record<string, string> {
  const env: Record<string, string> = {};
  let stdinUsed = false;
  const readFile = (file: string): void => {
    if (file === "-") {
      if (stdinUsed) throw new UsageError("standard input (-) can be read once only");
      stdinUsed = true;
      Object.assign(env, parseEnvFile(readStdin(), "standard input"));
    } else {
      Object.assign(env, parseEnvFile(readFileSync(file, "utf8"), file));
    }
  };
  for (const [key, value] of flags) {
    if (key === "envFile") readFile(value);
    else if (key === "env") {
      if (!value.includes("=") && (value === "-" || existsSync(value))) readFile(value);
      else {
        const [name, v] = parseAssignment(value);
        env[name] = v;
      }
    }
  }
  const bad = badKeyNamesMessage(Object.keys(env));
  if (bad !== undefined) throw new CvmSecretsError(ErrorCodes.INVALID_INPUT, bad);
  return env;
}
