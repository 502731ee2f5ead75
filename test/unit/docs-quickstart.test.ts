/**
 * The quickstarts of docs/_index.md are the ones that run: its TypeScript program is README.md's
 * (which test/e2e/readme.test.ts runs as written), its plugin-classes program is that one with
 * only the import switched (what the e2e tier's plugin flavour does to the examples), and its
 * Pulumi YAML quickstart is the shipped examples/yaml/quickstart program (the one the e2e tier
 * runs) without its comments: once parsed, the same project, config, resources and outputs.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { forFlavour } from "../support/e2e";
import { type CodeBlock, codeBlocks } from "../support/markdown";

const ROOT = path.join(__dirname, "../..");
const read = (file: string): string => readFileSync(path.join(ROOT, file), "utf8");
const readme = codeBlocks(read("README.md")).filter((b) => b.section === "Quickstart");
const index = codeBlocks(read("docs/_index.md")).filter((b) => b.section === "Quickstart");

/** The one block of `blocks` in `lang` whose text matches `pattern`. */
function only(blocks: CodeBlock[], lang: string, pattern: RegExp): string {
  const found = blocks.filter((b) => b.lang === lang && pattern.test(b.text));
  expect(found).toHaveLength(1);
  return found[0]!.text;
}

test("docs/_index.md's TypeScript quickstart (dynamic classes) is README.md's", () => {
  const dynamic = /from "pulumi-cvm-secrets";/;
  expect(only(index, "ts", dynamic)).toBe(only(readme, "ts", dynamic));
});

test("docs/_index.md's plugin-classes quickstart is the dynamic one with only the import switched", () => {
  const dynamic = only(index, "ts", /from "pulumi-cvm-secrets";/);
  const plugin = only(index, "ts", /from "pulumi-cvm-secrets\/plugin";/);
  expect(plugin).not.toBe(dynamic);
  expect(plugin).toBe(forFlavour(dynamic, "plugin"));
});

test("docs/_index.md's YAML quickstart parses to examples/yaml/quickstart/Pulumi.yaml", () => {
  const yaml = only(index, "yaml", /^name: cvm-secrets-yaml-quickstart$/m);
  expect(parse(yaml)).toEqual(parse(read("examples/yaml/quickstart/Pulumi.yaml")));
});

test("docs/_index.md sets the same config as README.md's quickstart", () => {
  const config = /^pulumi config set cvmId cvm_…$/m;
  expect(only(index, "sh", config)).toBe(only(readme, "sh", config));
});
