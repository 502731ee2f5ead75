/**
 * Where the CLI files a provider's messages. Its `Diagnostics:` section groups them under the
 * resource they were logged for, a heading `  <type> (<name>):` per resource. Through the
 * provider plugin a message carries the URN of the resource it is about (engine-log.ts); a
 * dynamic provider's messages carry none, so the engine files them under the stack (docs/plugin-and-import.md,
 * the flavour table: "provider messages").
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

/**
 * Asserts that each message is filed under the flavour's owner — the `CvmSecrets` resource
 * `resource` through the plugin, the stack for the dynamic classes — and under nothing else.
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
    const matches = (line: string): boolean => (typeof m === "string" ? line.includes(m) : m.test(line));
    const under = sections.filter(([, lines]) => lines.some(matches)).map(([heading]) => label(heading));
    expect({ message: String(m), under: [...new Set(under)] }).toEqual({
      message: String(m),
      under: [owner],
    });
  }
}
