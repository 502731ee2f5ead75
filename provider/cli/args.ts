/**
 * The command line of `cvm-secrets`, parsed without echoing a value: flags by name, anything
 * else by position, since a stray argument may be a secret (a forgotten \`-e\`).
 */

/** A usage error: printed with the command's usage, exit 2. */
export class UsageError extends Error {}

/**
 * Names an argument without showing it: a flag by its name (never an `=value` part), anything
 * else by position only, since a stray argument may be a secret (a forgotten `-e`).
 */
export function describeArg(arg: string, position?: number): string {
  const flag = /^(--?[A-Za-z][\w-]*)(=|$)/.exec(arg);
  if (flag) return flag[1]!;
  return position === undefined ? "(not shown)" : `argument ${position} (not shown: it may hold a value)`;
}

export interface FlagSpec {
  names: readonly string[];
  /** What the value should be, for "needs a value" errors. */
  value: string;
  /** A switch: takes no value (recorded with the value "true"). */
  boolean?: true;
}

/** Splits argv into flag values (in order) and positionals; unknown flags are usage errors. */
export function parseFlags(
  argv: readonly string[],
  specs: Record<string, FlagSpec>,
): { flags: Array<[string, string]>; positionals: Array<[number, string]> } {
  const flags: Array<[string, string]> = [];
  const positionals: Array<[number, string]> = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-" || !arg.startsWith("-")) {
      positionals.push([i + 1, arg]);
      continue;
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const key = Object.keys(specs).find((k) => specs[k]!.names.includes(name));
    if (key === undefined) {
      const known = Object.values(specs).map((s) => s.names.join("/"));
      throw new UsageError(`unknown option ${describeArg(arg)}; expected one of ${known.join(", ")}`);
    }
    if (specs[key]!.boolean) {
      if (eq !== -1) throw new UsageError(`${name} takes no value`);
      flags.push([key, "true"]);
      continue;
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === "") throw new UsageError(`${name} needs ${specs[key]!.value}`);
    flags.push([key, value]);
  }
  return { flags, positionals };
}
