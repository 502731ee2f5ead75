/** bench/RESULTS.md after a partial `--write`: only the sections measured change. */
import { mergeResults, splitSections } from "../../bench/results-file.ts";

const ORDER = [
  { name: "state", title: "1. State" },
  { name: "engine", title: "2. Engine" },
  { name: "faults", title: "5. Faults" },
];

const previous = [
  "# Benchmark results",
  "",
  "Reproduce: `npm run bench`. Written 2026-01-01; the whole run took 800 s.",
  "",
  "## 1. State",
  "",
  "| old state row |",
  "",
  "## 2. Engine",
  "",
  "| old engine row |",
  "",
  "## 5. Faults",
  "",
  "old faults table",
  "",
  "## Targets missed",
  "",
  "What limits each one.",
  "",
  "- state: whole resource — 8903 bytes against ≤ baseline + 2 KB.",
  "- engine: N = 200: preview — 6032 ms against ≤ 1.2 × baseline.",
  "- faults: kill — did not converge.",
  "",
  "## Notes",
  "",
  "old notes",
  "",
].join("\n");

const fresh = [
  "# Benchmark results",
  "",
  "Reproduce: `npm run bench`. Written 2026-02-02; the whole run took 300 s.",
  "",
  "## 2. Engine",
  "",
  "_Re-measured 2026-02-02 with `node bench/run.ts engine --write` (300 s)._",
  "",
  "| new engine row |",
  "",
  "## Targets missed",
  "",
  "What limits each one.",
  "",
  "None.",
  "",
  "## Notes",
  "",
  "new notes",
  "",
].join("\n");

test("the sections measured are replaced; the others, their targets missed and the header's run line stay", () => {
  const merged = mergeResults(previous, fresh, ORDER, new Set(["engine"]));
  const parts = splitSections(merged);
  expect([...parts.sections.keys()]).toEqual([
    "1. State",
    "2. Engine",
    "5. Faults",
    "Targets missed",
    "Notes",
  ]);
  expect(merged).toContain("| old state row |");
  expect(merged).toContain("| new engine row |");
  expect(merged).not.toContain("| old engine row |");
  expect(merged).toContain("old faults table");
  expect(merged).toContain("Written 2026-01-01");
  expect(merged).not.toContain("Written 2026-02-02");
  const missed = parts.sections.get("Targets missed") ?? [];
  expect(missed.filter((l) => l.startsWith("- "))).toEqual([
    "- state: whole resource — 8903 bytes against ≤ baseline + 2 KB.",
    "- faults: kill — did not converge.",
  ]);
  expect(missed).not.toContain("None.");
  expect(merged).toContain("new notes");
  expect(merged).not.toContain("old notes");
});

test("with nothing missed anywhere the list says None.", () => {
  const clean = previous.replace(/^- .*\n/gm, "");
  const merged = mergeResults(clean, fresh, ORDER, new Set(["engine"]));
  expect(splitSections(merged).sections.get("Targets missed")).toContain("None.");
});

test("a new target missed by the re-measured section is listed", () => {
  const withMiss = fresh.replace("None.", "- engine: N = 200: preview — 4579 ms against ≤ 1.1 × baseline.");
  const merged = mergeResults(previous, withMiss, ORDER, new Set(["engine"]));
  const bullets = (splitSections(merged).sections.get("Targets missed") ?? []).filter((l) =>
    l.startsWith("- "),
  );
  expect(bullets).toContain("- engine: N = 200: preview — 4579 ms against ≤ 1.1 × baseline.");
  expect(bullets).not.toContain("- engine: N = 200: preview — 6032 ms against ≤ 1.2 × baseline.");
});
