/**
 * README.md is the front door: at most 200 lines, and it still names the test command CI runs
 * ("the test command from README.md", `npm test`) in its Tests section, with the contributor
 * guide linked. Everything else lives in docs/ and CONTRIBUTING.md.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { codeBlocks } from "../support/markdown";

const README = readFileSync(path.join(__dirname, "../../README.md"), "utf8");

test("README.md is at most 200 lines", () => {
  expect(README.replace(/\n$/, "").split("\n").length).toBeLessThanOrEqual(200);
});

test("README.md's Tests section gives the test command and links CONTRIBUTING.md", () => {
  const tests = codeBlocks(README).filter((b) => b.section === "Tests" && b.lang === "sh");
  expect(tests.map((b) => b.text)).toEqual(["npm ci && npm test\n"]);
  const section = README.slice(README.indexOf("\n## Tests\n"));
  expect(section.slice(0, section.indexOf("\n## ", 1))).toMatch(/\]\([^)]*CONTRIBUTING\.md\)/);
});
