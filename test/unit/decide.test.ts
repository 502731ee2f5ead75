/**
 * The safety model's decision (provider/cvm-secrets/apply/decide.ts), exhaustively: every
 * combination of facts is decided as the first matching row of the truth table in the module's
 * header comment says (the table is parsed from the source, so the documented model and the
 * code cannot drift apart), and every combination matches a row.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  type AllowList,
  type CvmFacts,
  cvmLabel,
  decide,
  type NewestKind,
  refusal,
} from "../../provider/cvm-secrets/apply/decide";

const SOURCE = path.join(__dirname, "../../provider/cvm-secrets/apply/decide.ts");
const DOC = path.join(__dirname, "../../docs/safety-model.md");
const COLUMNS = ["write", "found", "new", "imported", "adopt", "newest", "allow-list", "journal", "decision"];

type Row = Record<string, string>;

/** The table lines of the module's header comment. */
function headerTable(): string[] {
  return readFileSync(SOURCE, "utf8")
    .split("\n")
    .filter((l) => /^ \* \|/.test(l))
    .map((l) => l.replace(/^ \* /, ""));
}

/** The header's table rows (first matching row decides). */
function truthTable(): Row[] {
  const lines = headerTable().map((l) =>
    l
      .replace(/^\|/, "")
      .replace(/\|\s*$/, "")
      .split("|")
      .map((c) => c.trim()),
  );
  const [header, , ...rows] = lines;
  expect(header).toEqual(COLUMNS);
  return rows.map((cells) => Object.fromEntries(COLUMNS.map((c, i) => [c, cells[i]!])));
}

const yesNo = (b: boolean): string => (b ? "yes" : "no");

function cellMatches(cell: string, value: string): boolean {
  if (cell === "*") return true;
  if (cell === "other") return value !== "ours";
  return cell === value;
}

function matches(row: Row, f: CvmFacts): boolean {
  const values: Record<string, string> = {
    write: f.write,
    found: yesNo(f.found),
    new: yesNo(f.isNew),
    imported: yesNo(f.imported),
    adopt: yesNo(f.adopt),
    newest: f.newest,
    "allow-list": f.allowList,
    journal: yesNo(f.journal),
  };
  return COLUMNS.slice(0, -1).every((c) => cellMatches(row[c]!, values[c]!));
}

function* everyCombination(): Generator<CvmFacts> {
  const bools = [false, true];
  const newests: NewestKind[] = ["ours", "tagged", "theirs", "empty", "unknown"];
  const lists: AllowList[] = ["none", "some", "unknown"];
  for (const write of ["push", "clear"] as const)
    for (const found of bools)
      for (const isNew of bools)
        for (const imported of bools)
          for (const adopt of bools)
            for (const newest of newests)
              for (const allowList of lists)
                for (const journal of bools)
                  yield { write, found, isNew, imported, adopt, newest, allowList, journal };
}

describe("decide: the safety model's truth table", () => {
  const table = truthTable();

  test("every combination of facts is decided as the first matching row of the header's table", () => {
    let n = 0;
    for (const facts of everyCombination()) {
      const row = table.find((r) => matches(r, facts));
      expect({ facts, decision: row?.decision }).toEqual({ facts, decision: decide(facts) });
      n++;
    }
    expect(n).toBe(2 * 2 * 2 * 2 * 2 * 5 * 3 * 2);
  });

  test("docs/safety-model.md carries the same table as the module's header", () => {
    const cells = (l: string): string[] =>
      l
        .replace(/^\|/, "")
        .replace(/\|\s*$/, "")
        .split("|")
        .map((c) => c.trim().replace(/^-+$/, "-"));
    const lines = readFileSync(DOC, "utf8").split("\n");
    const start = lines.findIndex((l) => JSON.stringify(cells(l)) === JSON.stringify(COLUMNS));
    expect(start).toBeGreaterThan(0);
    const header = headerTable().map(cells);
    expect(lines.slice(start, start + header.length).map(cells)).toEqual(header);
  });

  test("every row of the table decides some combination (no dead row)", () => {
    const used = new Set<number>();
    for (const facts of everyCombination()) used.add(table.findIndex((r) => matches(r, facts)));
    expect([...used].sort((a, b) => a - b)).toEqual(table.map((_, i) => i));
  });

  const base: CvmFacts = {
    write: "push",
    found: true,
    isNew: true,
    imported: false,
    adopt: false,
    newest: "theirs",
    allowList: "some",
    journal: false,
  };

  test("unknown is never safe: without adopt, an unreadable owner is refused, new or not", () => {
    for (const isNew of [true, false])
      for (const allowList of ["none", "some", "unknown"] as const)
        expect(decide({ ...base, isNew, allowList, newest: "unknown" })).toBe("refuse");
    expect(decide({ ...base, newest: "unknown", adopt: true })).toBe("warn");
    // A CVM with no allow-list carries an env unless its newest revision proves none.
    expect(decide({ ...base, allowList: "unknown" })).toBe("refuse");
    expect(decide({ ...base, allowList: "unknown", newest: "empty" })).toBe("push");
    // The journal is evidence only with the revision readable (preflight's fact); unreadable
    // revisions on a removed CVM leave it alone.
    expect(decide({ ...base, write: "clear", newest: "unknown" })).toBe("leave-alone");
  });

  test("a refusal names the CVM by position and id, what could not be read, and what to do", () => {
    const label = cvmLabel("cvm_1", 2);
    expect(label).toBe("cvms[2] (cvm_1)");
    expect(cvmLabel("cvm_1", undefined)).toBe("cvm_1");
    const unknown = refusal({ ...base, newest: "unknown" }, label, {
      why: "its app revisions could not be read (HTTP 500)",
    });
    expect(unknown).toContain("cvms[2] (cvm_1): who pushed the env it carries cannot be read");
    expect(unknown).toContain("HTTP 500");
    expect(unknown).toContain("adopt: true");
    const theirs = refusal(base, label, { revision: "rev_1, update_env at 2026-01-01T00:00:00Z" });
    expect(theirs).toContain("already carries an env its allow-list lets through");
    expect(theirs).toContain("rev_1");
    expect(theirs).toContain("adopt: true");
    const imported = refusal({ ...base, imported: true, isNew: false, allowList: "unknown" }, label, {});
    expect(imported).toContain("was imported, and the API reports no allow-list");
    expect(imported).toContain("env: {}");
  });

  test("a push tagged with this resource's URN alone (no owner key) is refused when new, saying what to do", () => {
    // Issue 20, case 8: another backend computes the same URN-only tag (core/envelope-facts.ts).
    expect(decide(base)).toBe("refuse");
    expect(decide({ ...base, adopt: true })).toBe("warn");
    const text = refusal(base, "cvms[0] (cvm_a)", { revision: "rev_9", urnTagged: true });
    expect(text).toContain("cvms[0] (cvm_a) already carries an env its allow-list lets through");
    expect(text).toContain("made without an owner key");
    expect(text).toContain("declare a `cvm-secrets:OwnerKey` and pass its `key` as `ownerKey`");
    expect(text).toContain("set adopt: true");
  });
});
