/**
 * The README's Pulumi YAML quickstart is the shipped examples/yaml/quickstart program (the one
 * the end-to-end tests run), written without its comments: once parsed, the same project,
 * config, resources and outputs.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";

const ROOT = path.join(__dirname, "../..");

test("the README's YAML quickstart parses to examples/yaml/quickstart/Pulumi.yaml", () => {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  const quickstart = blocks.filter((b) => /^name: cvm-secrets-yaml-quickstart$/m.test(b));
  expect(quickstart).toHaveLength(1);
  const shipped = readFileSync(path.join(ROOT, "examples/yaml/quickstart/Pulumi.yaml"), "utf8");
  expect(parse(quickstart[0] as string)).toEqual(parse(shipped));
});
