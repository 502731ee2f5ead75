/**
 * bench/RESULTS.md taken apart and put back together, so a partial run
 * (`node bench/run.ts state engine --write`) replaces only the sections it measured. Pure: text in,
 * text out.
 */

/** The file in parts: the lines before the first `## ` heading, and each section's lines by title. */
export interface ResultsFile {
  head: string[];
  sections: Map<string, string[]>;
}

export function splitSections(markdown: string): ResultsFile {
  const head: string[] = [];
  const sections = new Map<string, string[]>();
  let current = head;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("## ")) {
      current = [];
      sections.set(line.slice(3), current);
    }
    current.push(line);
  }
  return { head, sections };
}

/** The bullets of "Targets missed": each starts with the name of the section that measured it. */
function missedOf(file: ResultsFile): string[] {
  return (file.sections.get(MISSED) ?? []).filter((line) => line.startsWith("- "));
}

const MISSED = "Targets missed";

/**
 * `fresh` (what the run wrote: the sections in `ran`, with a new header and notes) merged into
 * `previous`: the header keeps the previous full run's "Reproduce: … Written …" line, every
 * benchmark section not in `ran` and its targets missed stay as they were, in `order`.
 */
export function mergeResults(
  previous: string,
  fresh: string,
  order: ReadonlyArray<{ name: string; title: string }>,
  ran: ReadonlySet<string>,
): string {
  const old = splitSections(previous);
  const now = splitSections(fresh);
  const written = old.head.find((line) => line.startsWith("Reproduce:"));
  const head = now.head.map((line) => (line.startsWith("Reproduce:") && written ? written : line));
  const out = [...head];
  for (const { name, title } of order) {
    const lines = ran.has(name) ? now.sections.get(title) : old.sections.get(title);
    if (lines) out.push(...lines);
  }
  const kept = missedOf(old).filter((line) => !ran.has(line.slice(2).split(":")[0] ?? ""));
  const added = missedOf(now);
  const all = [...kept, ...added];
  const missedHeader = (now.sections.get(MISSED) ?? [`## ${MISSED}`, ""]).filter(
    (line) => !line.startsWith("- ") && line !== "None.",
  );
  // The header's lines up to the bullets, then the bullets, then a blank line.
  const intro = missedHeader.slice(0, missedHeader.findLastIndex((line) => line.trim() !== "") + 1);
  out.push(...intro, "", ...(all.length === 0 ? ["None."] : all), "");
  for (const [title, lines] of now.sections) {
    if (title !== MISSED && !order.some((s) => s.title === title)) out.push(...lines);
  }
  return out.join("\n");
}
