/**
 * Env-file parsing, compatible with the official Phala CLI's `-e file` (npm @phala/cloud 0.2.9,
 * `parseEnv`; the `phala` CLI): `KEY=VALUE` or `KEY: VALUE`, optional `export ` prefix,
 * `#` comments, single / double / back quotes, `\n` and `\r` unescaped only inside double quotes,
 * later duplicates win. Errors name the line, never its value.
 */
import { CvmSecretsError, ErrorCodes } from "../errors";

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:=|:\s)\s*(.*)?$/;

/** Parses env-file text into a record (insertion order = first appearance). */
export function parseEnvFile(text: string, source = "env file"): Record<string, string> {
  const env: Record<string, string> = {};
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (/^\s*(#|$)/.test(raw)) continue;
    const match = LINE.exec(raw);
    if (!match) {
      throw new CvmSecretsError(
        ErrorCodes.INVALID_INPUT,
        `${source}, line ${i + 1}: expected KEY=VALUE (a key is letters, digits and _, not starting with a digit)`,
        { line: i + 1 },
      );
    }
    const key = match[1]!;
    let value = (match[2] ?? "").trim();
    const quote = value[0];
    if (quote === '"' || quote === "'" || quote === "`") {
      // A quoted value may span lines until the closing quote.
      let body = value.slice(1);
      let end = body.indexOf(quote);
      while (end === -1 && i + 1 < lines.length) {
        i++;
        body += `\n${lines[i]}`;
        end = body.indexOf(quote);
      }
      if (end === -1) {
        throw new CvmSecretsError(
          ErrorCodes.INVALID_INPUT,
          `${source}: the value of ${key} has no closing quote`,
          {
            key,
          },
        );
      }
      value = body.slice(0, end);
      if (quote === '"') value = value.replace(/\\n/g, "\n").replace(/\\r/g, "\r");
    } else {
      const comment = value.search(/\s#/);
      if (comment !== -1) value = value.slice(0, comment).trimEnd();
    }
    env[key] = value;
  }
  return env;
}

/**
 * Parses `KEY=VALUE` command-line assignments (`-e KEY=VALUE`). The errors say what was found
 * and the form expected, never the text: without an `=` all of it may be a value.
 */
export function parseAssignment(text: string): [string, string] {
  const at = text.indexOf("=");
  if (at === 0) {
    throw new CvmSecretsError(
      ErrorCodes.INVALID_INPUT,
      "-e =…: the key part before the = is empty; expected -e KEY=VALUE (e.g. -e LOG_LEVEL=debug)",
    );
  }
  if (at === -1) {
    throw new CvmSecretsError(
      ErrorCodes.INVALID_INPUT,
      "-e got an argument with no = that is not an existing file (not shown: it may be a value); " +
        "expected -e KEY=VALUE (e.g. -e LOG_LEVEL=debug) or -e FILE (the path of an env file)",
    );
  }
  return [text.slice(0, at), text.slice(at + 1)];
}
