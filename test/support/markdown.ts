/** Fenced code blocks of a Markdown text (README.md, docs/), for tests that run what the docs say. */

export interface CodeBlock {
  /** The `## ` heading the block is under. */
  section: string;
  lang: string;
  text: string;
}

/** Every fenced code block of a Markdown text, with the section it is in. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let section = "";
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("## ")) section = line.slice(3).trim();
    const fence = /^```(\w*)\s*$/.exec(line);
    if (!fence) continue;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith("```"); i++) body.push(lines[i]!);
    blocks.push({ section, lang: fence[1] ?? "", text: `${body.join("\n")}\n` });
  }
  return blocks;
}
