/**
 * docs/troubleshooting.md has an entry for each error code of provider/errors.ts — what it
 * means, what the user sees, what to do — and none for a code that does not exist.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { ErrorCodes } from "../../provider/errors";

const DOC = readFileSync(path.join(__dirname, "../../docs/troubleshooting.md"), "utf8");

/** Each `## \`CODE\`` section of the page, by code. */
function entries(): Map<string, string> {
  const parts = DOC.split(/^## `([A-Z_]+)`\n/m);
  const out = new Map<string, string>();
  for (let i = 1; i < parts.length; i += 2) out.set(parts[i]!, parts[i + 1]!);
  return out;
}

test("every code in provider/errors.ts has an entry, and every entry is a code", () => {
  expect([...entries().keys()].sort()).toEqual(Object.values(ErrorCodes).sort());
});

test.each(Object.values(ErrorCodes))("%s: what it means, what you see, what to do", (code) => {
  const entry = entries().get(code) ?? "";
  expect(entry).toContain("**What it means.**");
  expect(entry).toMatch(/\*\*What you see(:\*\*|\*\*, for example:)\n\n```text\n.+\n/);
  expect(entry).toContain("**What to do.**");
});
