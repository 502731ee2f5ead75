/**
 * Reads `pulumi preview --diff` / `up --diff` text as a user does: which top-level properties
 * the CLI shows under one resource's row (its inputs; `--outputs:--` and what follows are left
 * out). The CLI draws a row as its type and operation, then `[id=…]` / `[urn=…]`, then one
 * property per line at one indent, a `~`, `+` or `-` marker standing in its last two columns.
 */

/** The top-level property names shown under the row whose URN ends with `::<name>` and whose type ends with `:<type>`. */
export function shownProperties(text: string, type: string, name: string): string[] {
  const lines = text.split("\n");
  const header = new RegExp(`^\\s*[~+-]?\\s*\\S+:${type}: \\(`);
  const names: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!header.test(lines[i]!)) continue;
    let j = i + 1;
    while (j < lines.length && /^\s*\[(id|urn)=/.test(lines[j]!)) j++;
    if (!lines.slice(i + 1, j).some((l) => l.trim().endsWith(`::${name}]`))) continue;
    let indent: number | undefined;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      if (
        header.test(line) ||
        /^\s*[~+-]?\s*\S+:\S+:\S+: \(/.test(line) ||
        /--outputs:--|^Resources:/.test(line)
      )
        break;
      const m = /^(\s*)([~+-] )?([A-Za-z_][\w]*)\s*:/.exec(line);
      if (!m) continue;
      const at = m[1]!.length + (m[2] ? 2 : 0);
      indent ??= at;
      if (at === indent) names.push(m[3]!);
    }
    return names;
  }
  throw new Error(`no row for ${type} ${name} in:\n${text}`);
}
