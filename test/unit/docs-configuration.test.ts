/**
 * docs/installation-configuration.md names every setting there is: each stack config key and
 * provider argument of the plugin's schema, each environment variable the provider and the
 * emulator read, and each input and output of both resources.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const ROOT = path.join(__dirname, "../..");
const DOC = readFileSync(path.join(ROOT, "docs/installation-configuration.md"), "utf8");
const schema = JSON.parse(readFileSync(path.join(ROOT, "schema.json"), "utf8")) as {
  config: { variables: Record<string, unknown> };
  provider: { inputProperties: Record<string, unknown> };
  resources: Record<
    string,
    { inputProperties: Record<string, unknown>; properties: Record<string, unknown> }
  >;
};

/** Every word the page writes in inline code, split on the separators a list uses. */
const named = new Set(
  [...DOC.matchAll(/`([^`\n]+)`/g)].flatMap((m) => m[1]!.split(/[\s,{}()]+/).filter(Boolean)),
);

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sources(rel);
    return rel.endsWith(".ts") ? [rel] : [];
  });
}

test("every stack config key and provider argument of the schema", () => {
  const keys = Object.keys(schema.config.variables);
  expect(keys.length).toBeGreaterThan(5);
  expect(keys.filter((k) => !named.has(`cvm-secrets:${k}`))).toEqual([]);
  expect(Object.keys(schema.provider.inputProperties).filter((k) => !named.has(k))).toEqual([]);
});

test("every environment variable the provider and the emulator read", () => {
  const read = new Set<string>();
  for (const file of [...sources("provider"), ...sources("emulator")]) {
    const text = readFileSync(path.join(ROOT, file), "utf8");
    for (const m of text.matchAll(/process\.env\.([A-Z][A-Z0-9_]+)|env\["([A-Z][A-Z0-9_]+)"\]/g))
      read.add(m[1] ?? m[2]!);
    for (const m of text.matchAll(/ENV_PREFIX = "([A-Z_]+)"/g)) read.add(`${m[1]}<chainId>`);
  }
  expect([...read].sort()).toEqual(
    expect.arrayContaining([
      "CVM_SECRETS_RPC_URL_<chainId>",
      "PHALA_CLOUD_API_KEY",
      "PHALA_CLOUD_API_PREFIX",
    ]),
  );
  expect([...read].filter((v) => !named.has(v))).toEqual([]);
});

test.each(Object.keys(schema.resources))("every input and output of %s", (token) => {
  const resource = schema.resources[token]!;
  const all = [...Object.keys(resource.inputProperties), ...Object.keys(resource.properties)];
  expect(all.filter((k) => !named.has(k))).toEqual([]);
});
