/**
 * docs/restarts-and-ownership.md's table against the plan's own table (the header comment of
 * provider/core/plan.ts): every row of the plan's table has the row of the docs named below,
 * and both say the same about restarts (none, every target, or some CVMs). A row added to the
 * plan's table fails here until the docs carry it. The docs' table has more rows than the
 * plan's: what the safety model (apply/decide.ts) refuses or leaves alone.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.join(__dirname, "../..");
type Restart = "none" | "every" | "some";

/**
 * Per row of the plan's table (its first cell): the first words of the docs' row and the
 * restart both say. `planSays: false` where the plan's cell is not a restart count: the key row
 * says "(refused if pinned)", which the docs spell out as refused unless `kms.allowKeyChange`,
 * then every target.
 */
const ROWS: Record<string, { docs: string; restart: Restart; planSays?: false }> = {
  "nothing; key order; same values; ciphertext": { docs: "nothing; key order", restart: "none" },
  "only rollout / timeouts / composeCheck / adopt": { docs: "only `rollout`", restart: "none" },
  "a value changed, a key added or removed": { docs: "a value, or a key added", restart: "every" },
  "registry credential rotated": { docs: "the registry credential", restart: "every" },
  "a CVM added": { docs: "a CVM added to `cvms`", restart: "some" },
  "a CVM removed": { docs: "a CVM removed from `cvms`", restart: "some" },
  "the app's key changed on the server": {
    docs: "the app's encryption key changed",
    restart: "every",
    planSays: false,
  },
  "an input unknown during preview": { docs: "an input not known until apply", restart: "none" },
  "a CVM not running the current env (a rollout stopped, or drift found by refresh)": {
    docs: "a rollout stopped half-way",
    restart: "some",
  },
  "another id form of the same CVM": { docs: "another id form of the same CVM", restart: "none" },
  "retainOnRemove or rollout settings": { docs: "only `rollout`", restart: "none" },
  "a CVM adopted by `pulumi import` (env unknown)": {
    docs: "a CVM imported with `pulumi import`",
    restart: "some",
  },
  "… while the env leaves out keys that CVM has": { docs: "… while `env` leaves out a key", restart: "none" },
  "a CVM refresh did not find": {
    docs: "a CVM that the last `pulumi refresh` did not find",
    restart: "none",
  },
};

const cells = (line: string): string[] =>
  line
    .replace(/^\|/, "")
    .replace(/\|\s*$/, "")
    .split("|")
    .map((c) => c.trim());

/** The plan's table: rows of [what changed, writes, restart], continuation lines joined. */
function planTable(): string[][] {
  const lines = readFileSync(path.join(ROOT, "provider/core/plan.ts"), "utf8")
    .split("\n")
    .filter((l) => /^ \* \|/.test(l))
    .map((l) => cells(l.replace(/^ \* /, "")))
    .slice(2);
  const rows: string[][] = [];
  for (const line of lines) {
    const last = rows[rows.length - 1];
    const open = last && (last[0]!.match(/\(/g) ?? []).length > (last[0]!.match(/\)/g) ?? []).length;
    if (last && (line[0] === "" || open)) {
      for (let i = 0; i < last.length; i++) last[i] = `${last[i]} ${line[i]}`.trim();
    } else rows.push(line);
  }
  return rows;
}

/** The docs' table: rows of [what changed, API writes, restart]. */
function docsTable(): string[][] {
  return readFileSync(path.join(ROOT, "docs/restarts-and-ownership.md"), "utf8")
    .split("\n")
    .filter((l) => l.startsWith("| "))
    .map(cells)
    .slice(2);
}

function restartOf(cell: string): Restart | undefined {
  if (/^(none|—|decided at apply)/.test(cell)) return "none";
  if (/^every target/.test(cell)) return "every";
  if (/(that|the new|those) CVMs?|CVM only/.test(cell)) return "some";
  return undefined;
}

test("the plan's table is the one this test maps", () => {
  expect(planTable().map((r) => r[0])).toEqual(Object.keys(ROWS));
});

test.each(Object.entries(ROWS))("plan row %j is in the docs, with the same restarts", (planRow, want) => {
  const plan = planTable().find((r) => r[0] === planRow)!;
  const docs = docsTable().filter((r) => r[0]!.startsWith(want.docs));
  expect(docs).toHaveLength(1);
  expect(restartOf(docs[0]![2]!)).toBe(want.restart);
  if (want.planSays !== false) expect(restartOf(plan[2]!)).toBe(want.restart);
});
