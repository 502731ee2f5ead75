/**
 * The Phala-canonical app-compose hash (the official SDK's compose hash).
 *
 * compose_hash = hex SHA-256 of the UTF-8 bytes of Python's
 * `json.dumps(compose, sort_keys=True, indent=4, separators=(",", ":"), ensure_ascii=False)`,
 * after the pre-hash drops (`docker_compose_file` when `runner == "bash"`, `bash_script` when
 * `runner == "docker-compose"`, `pre_launch_script` when empty).
 *
 * This is a real serializer with Python semantics, not the SDK's `JSON.stringify` + regex
 * replace, which also rewrites `": ` inside string values (the official SDK's compose hash).
 */
import { createHash } from "node:crypto";

const INDENT = "    ";

/** Python's `json` escapes for `ensure_ascii=False`: only `"`, `\` and control characters. */
function pythonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const code = ch.charCodeAt(0);
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case "\\":
        out += "\\\\";
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      case "\b":
        out += "\\b";
        break;
      case "\f":
        out += "\\f";
        break;
      default:
        out += code < 0x20 ? `\\u${code.toString(16).padStart(4, "0")}` : ch;
    }
  }
  return `${out}"`;
}

/**
 * Python's `repr(float)` / `int` formatting for a JS number. Integral values print as Python
 * ints (JSON parsed by Python keeps `1` an int); a value written `1.0` in JSON cannot be told
 * apart in JS and prints as `1` — app-compose has no floats in practice.
 */
function pythonNumber(value: number): string {
  if (!Number.isFinite(value)) {
    throw new TypeError("the compose contains a non-finite number, which has no JSON form");
  }
  if (Number.isInteger(value)) return BigInt(value).toString();
  // Shortest round-trip digits, then Python's layout: exponent form when exp < -4 or exp >= 16.
  const [mantissa = "0", expText = "0"] = value.toExponential().split("e");
  const exp = Number(expText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exp < -4 || exp >= 16) {
    const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : `${digits}`;
    const expSign = exp < 0 ? "-" : "+";
    return `${sign}${body}e${expSign}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac === "" ? "0" : frac}`;
}

/** Python sorts `str` keys by code point; JS `sort()` compares UTF-16 units. */
function compareCodePoints(a: string, b: string): number {
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const dx = x.value.codePointAt(0)!;
    const dy = y.value.codePointAt(0)!;
    if (dx !== dy) return dx - dy;
  }
}

function serialize(value: unknown, depth: number): string {
  if (value === null) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "string") return pythonString(value);
  if (typeof value === "number") return pythonNumber(value);
  if (typeof value === "bigint") return value.toString();
  const inner = INDENT.repeat(depth + 1);
  const outer = INDENT.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const items = value.map((item) => inner + serialize(item === undefined ? null : item, depth + 1));
    return `[\n${items.join(",\n")}\n${outer}]`;
  }
  if (typeof value === "object") {
    const keys = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort(compareCodePoints);
    if (keys.length === 0) return "{}";
    const items = keys.map(
      (key) =>
        `${inner}${pythonString(key)}:${serialize((value as Record<string, unknown>)[key], depth + 1)}`,
    );
    return `{\n${items.join(",\n")}\n${outer}}`;
  }
  throw new TypeError(`the compose contains a value of type ${typeof value}, which has no JSON form`);
}

/** The pre-hash drops of the official SDK's compose hash, on a shallow copy. */
function preHashDrops(compose: object): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...(compose as Record<string, unknown>) };
  if (copy["runner"] === "bash") delete copy["docker_compose_file"];
  if (copy["runner"] === "docker-compose") delete copy["bash_script"];
  const script = copy["pre_launch_script"];
  if (script === undefined || script === null || script === "") delete copy["pre_launch_script"];
  return copy;
}

/**
 * The exact app-compose.json text Phala Cloud hashes: Python `json.dumps(sort_keys=True,
 * indent=4, separators=(",", ":"), ensure_ascii=False)` of the compose after the drops of the official SDK's compose hash.
 */
export function canonicalComposeJson(compose: object): string {
  return serialize(preHashDrops(compose), 0);
}

/** The compose hash: lowercase hex SHA-256 of {@link canonicalComposeJson} as UTF-8. */
export function composeHash(compose: object): string {
  return createHash("sha256").update(canonicalComposeJson(compose), "utf8").digest("hex");
}
