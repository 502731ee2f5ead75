/**
 * Where the CLI files a provider's messages. Its `Diagnostics:` section groups them under the
 * resource they were logged for, a heading `  <type> (<name>):` per resource. Through the
 * provider plugin a message carries the URN of the resource it is about (engine-log.ts); a
 * dynamic provider's messages carry none, so the engine files them under the stack (docs/plugin-and-import.md,
 * the flavour table: "provider messages"). So a message names its resource (`CvmSecrets api: …`)
 * only in the dynamic flavour: under the plugin's row and heading the name is there already
 * (engine-log.ts `about`).
 */
import { type Flavour, typeToken, viaPlugin } from "../../support/e2e";

/**
 * The `Diagnostics:` sections of a CLI run's text output (an `up` prints one for its preview and
 * one for the update), as heading → its lines.
 */
export function diagnostics(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const section of text.split("\nDiagnostics:\n").slice(1)) {
    let lines: string[] | undefined;
    for (const line of section.split("\n")) {
      if (/^\S/.test(line)) break; // the next section (Outputs:, Resources:)
      const heading = /^ {2}(\S+ \(.+\)):$/.exec(line);
      if (heading) {
        const key = heading[1] as string;
        lines = out.get(key) ?? [];
        out.set(key, lines);
      } else if (lines && line.startsWith("    ")) lines.push(line.slice(4));
    }
  }
  return out;
}

/** The resource kinds whose messages name them in the dynamic flavour. */
type Kind = "CvmSecrets" | "RegistryCredential";

/**
 * A message about the resource `resource` as the flavour prints it: `CvmSecrets api: <text>` from
 * the dynamic classes, `<text>` alone through the plugin (its row and heading name the resource).
 */
export function said(flavour: Flavour, text: string, resource = "api", kind: Kind = "CvmSecrets"): string {
  return viaPlugin(flavour) ? text : `${kind} ${resource}: ${text}`;
}

/**
 * {@link said} for a pattern (`source`, a regular expression's source): it matches a line that
 * starts with the message as the flavour prints it, after the engine's `warning: ` if `warning`.
 */
export function saidPattern(
  flavour: Flavour,
  source: string,
  { resource = "api", kind = "CvmSecrets" as Kind, warning = false } = {},
): RegExp {
  const prefix = viaPlugin(flavour) ? "" : `${kind} ${resource}: `;
  return new RegExp(`^${warning ? "warning: " : ""}${prefix}${source}`);
}

/**
 * The messages the `Diagnostics:` sections file about the `CvmSecrets` resource `resource`, as
 * text without its name: through the plugin the lines under its heading; from the dynamic classes
 * the stack's lines that start with `CvmSecrets <resource>: `, that prefix removed.
 */
export function messagesAbout(text: string, flavour: Flavour, resource = "api"): string[] {
  const sections = diagnostics(text);
  if (viaPlugin(flavour)) return sections.get(`${typeToken(flavour, "CvmSecrets")} (${resource})`) ?? [];
  const prefix = `CvmSecrets ${resource}: `;
  return [...sections]
    .filter(([heading]) => heading.startsWith("pulumi:pulumi:Stack ("))
    .flatMap(([, lines]) =>
      lines.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length)),
    );
}

/**
 * How often a line holding `needle` is printed live (before `Diagnostics:`) in each part of a
 * CLI run: `[preview]` for `pulumi preview`, `[preview, update]` for `pulumi up`.
 */
export function liveCounts(text: string, needle: string): number[] {
  return text.split(/\n(?=Updating \()/).map((part) => {
    const live = part.split("\nDiagnostics:\n")[0] as string;
    return live.split("\n").filter((line) => line.includes(needle)).length;
  });
}

/**
 * Asserts that each message is filed under the flavour's owner — the `CvmSecrets` resource
 * `resource` through the plugin, the stack for the dynamic classes — and under nothing else. A
 * string is a line's start there ({@link said} gives it per flavour); a pattern is tested as is
 * ({@link saidPattern} anchors it at the line's start).
 */
export function expectMessagesOn(
  text: string,
  flavour: Flavour,
  messages: ReadonlyArray<string | RegExp>,
  resource = "api",
): void {
  const label = (heading: string): string =>
    heading.startsWith("pulumi:pulumi:Stack (") ? "the stack" : heading;
  const owner = viaPlugin(flavour) ? `${typeToken(flavour, "CvmSecrets")} (${resource})` : "the stack";
  const sections = [...diagnostics(text)];
  for (const m of messages) {
    const matches = (line: string): boolean => (typeof m === "string" ? line.startsWith(m) : m.test(line));
    const under = sections.filter(([, lines]) => lines.some(matches)).map(([heading]) => label(heading));
    expect({ message: String(m), under: [...new Set(under)] }).toEqual({
      message: String(m),
      under: [owner],
    });
  }
}
