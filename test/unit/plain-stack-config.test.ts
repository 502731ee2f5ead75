/**
 * Issue 21 for the plugin (Pulumi YAML, and the Python, Go and .NET SDKs): a credential setting
 * stored in clear is read off the stack's config file, found as the CLI finds it
 * (provider/plugin/plain-stack-config.ts) — which keys, from which file, and a warning once per
 * run naming the key, never the value.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import {
  findProjectFile,
  isDefaultProvider,
  MAX_CONFIG_FILE_BYTES,
  plainCredentialKeys,
  plainStackCredentials,
  programWarnsItself,
  readBounded,
  stackConfigPath,
  stackOfUrn,
  warnPlainStackCredentials,
} from "../../provider/plugin/plain-stack-config";
import { resetWarnOnce } from "../../provider/runtime/engine-log";
import { plainSettingWarning } from "../../provider/runtime/settings";

const KEY = "phak_plain_stack_config_value_2121";
const PW = "registry-pw-plain-stack-config-2122";
const PROVIDER = "urn:pulumi:dev::shop::pulumi:providers:cvm-secrets::default_0_2_0_github_/api.github.com/x";
const SECURE = { secure: "v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBB" };

test("the URN gives the stack and project; only an engine-made default provider reads stack config", () => {
  expect(stackOfUrn(PROVIDER)).toEqual({ stack: "dev", project: "shop" });
  expect(stackOfUrn("urn:pulumi:../x::shop::pulumi:providers:cvm-secrets::default")).toBeUndefined();
  expect(stackOfUrn("urn:pulumi:..::shop::pulumi:providers:cvm-secrets::default")).toBeUndefined();
  expect(stackOfUrn("not-a-urn")).toBeUndefined();
  expect(isDefaultProvider(PROVIDER)).toBe(true);
  expect(isDefaultProvider("urn:pulumi:dev::shop::pulumi:providers:cvm-secrets::default")).toBe(true);
  expect(isDefaultProvider("urn:pulumi:dev::shop::pulumi:providers:cvm-secrets::prod")).toBe(false);
  expect(isDefaultProvider("urn:pulumi:dev::shop::pulumi:providers:cvm-secrets::defaultish")).toBe(false);
  expect(isDefaultProvider("urn:pulumi:dev::shop::pulumi:providers:aws::default")).toBe(false);
});

test("the stack's file sits beside the project file, or in its stackConfigDir, with its extension", () => {
  expect(stackConfigPath("/p/Pulumi.yaml", {}, "dev")).toBe(path.join("/p", "Pulumi.dev.yaml"));
  expect(stackConfigPath("/p/Pulumi.yml", {}, "dev")).toBe(path.join("/p", "Pulumi.dev.yml"));
  expect(stackConfigPath("/p/Pulumi.yaml", { stackConfigDir: "config" }, "prod")).toBe(
    path.join("/p", "config", "Pulumi.prod.yaml"),
  );
});

test("a TypeScript program warns itself; YAML and the other languages do not", () => {
  expect(programWarnsItself({ runtime: "nodejs" })).toBe(true);
  expect(programWarnsItself({ runtime: { name: "nodejs", options: { typescript: true } } })).toBe(true);
  for (const runtime of ["yaml", "python", "go", "dotnet", { name: "python" }, undefined]) {
    expect(programWarnsItself({ runtime })).toBe(false);
  }
});

test("file → plain keys: a scalar is in clear, { secure } is not, either key form; the stack's file overrides the project's", () => {
  const stack = {
    config: {
      "cvm-secrets:apiKey": KEY,
      "cvm-secrets:config:defaultRegistryPassword": PW,
      "cvm-secrets:rpcUrls": SECURE,
      "cvm-secrets:apiUrl": "https://example.test",
    },
  };
  expect(plainCredentialKeys(stack)).toEqual(["apiKey", "defaultRegistryPassword"]);
  expect(plainCredentialKeys({ config: { "cvm-secrets:apiKey": SECURE } })).toEqual([]);
  expect(plainCredentialKeys({ config: { "cvm-secrets:apiKey": "" } })).toEqual([]);
  expect(plainCredentialKeys({ config: { "other:apiKey": KEY } })).toEqual([]);
  expect(plainCredentialKeys(null)).toEqual([]);
  // The project file's `config:` sets another package's key in clear, unless the stack's file sets it.
  const project = { config: { "cvm-secrets:apiKey": { value: KEY }, "cvm-secrets:rpcUrls": "{}" } };
  expect(plainCredentialKeys({}, project)).toEqual(["apiKey", "rpcUrls"]);
  expect(plainCredentialKeys({ config: { "cvm-secrets:apiKey": SECURE } }, project)).toEqual(["rpcUrls"]);
});

test("property: whatever the value, in clear it is reported, under { secure } it is not", () => {
  const key = fc.constantFrom("apiKey", "defaultRegistryPassword", "rpcUrls");
  fc.assert(
    fc.property(key, fc.string({ minLength: 1 }), fc.boolean(), (k, value, secure) => {
      // Written and read back as the CLI's file would be.
      const text = stringify({ config: { [`cvm-secrets:${k}`]: secure ? { secure: value } : value } });
      expect(plainCredentialKeys(parse(text))).toEqual(secure ? [] : [k]);
    }),
    { seed: 2121, numRuns: 200 },
  );
});

describe("on disk", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "cvms-plain-config-"));
    resetWarnOnce();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (rel: string, doc: unknown) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), typeof doc === "string" ? doc : stringify(doc));
  };

  test("from the program's `main` directory up to the project file named by the URN, and its stackConfigDir", async () => {
    write("Pulumi.yaml", { name: "shop", runtime: "yaml", main: "src", stackConfigDir: "stacks" });
    write("stacks/Pulumi.dev.yaml", { config: { "cvm-secrets:apiKey": KEY } });
    write("Pulumi.dev.yaml", { config: { "cvm-secrets:apiKey": SECURE } }); // not the stack's file here
    mkdirSync(path.join(dir, "src"));
    expect((await findProjectFile(path.join(dir, "src"), "shop"))?.path).toBe(path.join(dir, "Pulumi.yaml"));
    expect(await plainStackCredentials(PROVIDER, path.join(dir, "src"))).toEqual(["apiKey"]);
  });

  test("a project of another name, a nodejs program, an unreadable or oversized file: nothing is claimed", async () => {
    write("Pulumi.yaml", { name: "other", runtime: "yaml" });
    write("Pulumi.dev.yaml", { config: { "cvm-secrets:apiKey": KEY } });
    expect(await plainStackCredentials(PROVIDER, dir)).toEqual([]);
    write("Pulumi.yaml", { name: "shop", runtime: "nodejs" });
    expect(await plainStackCredentials(PROVIDER, dir)).toEqual([]);
    write("Pulumi.yaml", { name: "shop", runtime: "python" });
    expect(await plainStackCredentials(PROVIDER, dir)).toEqual(["apiKey"]);
    write("Pulumi.dev.yaml", "config: [unclosed");
    expect(await plainStackCredentials(PROVIDER, dir)).toEqual([]);
    write(
      "Pulumi.dev.yaml",
      `config:\n  cvm-secrets:apiKey: ${KEY}\n#${"x".repeat(MAX_CONFIG_FILE_BYTES)}\n`,
    );
    expect(await readBounded(path.join(dir, "Pulumi.dev.yaml"))).toBeUndefined();
    expect(await plainStackCredentials(PROVIDER, dir)).toEqual([]);
    rmSync(path.join(dir, "Pulumi.dev.yaml"));
    expect(await plainStackCredentials(PROVIDER, dir)).toEqual([]);
  });

  test("the warning: once per run for each key in clear, naming the key, never the value; none for an explicit provider", async () => {
    write("Pulumi.yaml", { name: "shop", runtime: "yaml" });
    write("Pulumi.dev.yaml", {
      config: { "cvm-secrets:apiKey": KEY, "cvm-secrets:defaultRegistryPassword": PW },
    });
    const lines: string[] = [];
    const spy = jest.spyOn(console, "error").mockImplementation((line: string) => void lines.push(line));
    try {
      await warnPlainStackCredentials(PROVIDER.replace(/default_.*$/, "prod"), dir);
      await warnPlainStackCredentials(PROVIDER, dir);
      await warnPlainStackCredentials(PROVIDER, dir);
      await new Promise((r) => setImmediate(r));
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual([
      `warning: ${plainSettingWarning("apiKey")}`,
      `warning: ${plainSettingWarning("defaultRegistryPassword")}`,
    ]);
    expect(lines.join("\n")).not.toContain(KEY);
    expect(lines.join("\n")).not.toContain(PW);
  });
});
