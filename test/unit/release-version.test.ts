/**
 * One version everywhere a release names it — package.json and its lockfile, the plugin
 * (`GetPluginInfo`, the schema it serves), schema.json (what every generated SDK is made from),
 * the examples' dependency on the package, the Pulumi YAML examples' package declarations and
 * the CHANGELOG's newest release — and one plugin download URL: the schema's, the one the
 * classes bound to the plugin register with, and the YAML declarations'. The published manifest
 * runs nothing at install: no install script, and no `prepare`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { packageSource, packageVersion, pluginDownloadUrl } from "../../provider/plugin/package-source";
import { schemaJson } from "../../provider/plugin/schema";
import { CvmSecrets, Provider, RegistryCredential } from "../../provider/sdk/index";
import { packedManifest } from "../support/package";

const ROOT = path.resolve(__dirname, "../..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const pkg = JSON.parse(read("package.json")) as {
  version: string;
  repository: { url: string };
  scripts: Record<string, string>;
};
const VERSION = pkg.version;
const schema = JSON.parse(read("schema.json")) as { version: string; pluginDownloadURL: string };

test("package.json, its lockfile, schema.json and the plugin carry one version", () => {
  expect(VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  const lock = JSON.parse(read("package-lock.json")) as {
    version: string;
    packages: Record<string, { version: string }>;
  };
  expect([lock.version, lock.packages[""]!.version]).toEqual([VERSION, VERSION]);
  expect(schema.version).toBe(VERSION);
  // What GetPluginInfo reports and GetSchema serves (provider/plugin/main.ts).
  expect(packageVersion()).toBe(VERSION);
  expect(JSON.parse(schemaJson(packageVersion())).version).toBe(VERSION);
});

test("the examples ask for this version; the YAML examples declare it and the download URL", () => {
  const examples = readdirSync(path.join(ROOT, "examples")).filter((d) =>
    existsSync(path.join(ROOT, "examples", d, "package.json")),
  );
  expect(examples.length).toBeGreaterThan(3);
  const ranges = examples.map((d) => [
    d,
    (JSON.parse(read(`examples/${d}/package.json`)) as { dependencies: Record<string, string> }).dependencies[
      "pulumi-cvm-secrets"
    ],
  ]);
  expect(ranges).toEqual(examples.map((d) => [d, `^${VERSION}`]));

  const yamlExamples = readdirSync(path.join(ROOT, "examples", "yaml"));
  expect(yamlExamples.length).toBeGreaterThan(0);
  for (const example of yamlExamples) {
    const dir = `examples/yaml/${example}/sdks/cvm-secrets`;
    // `pulumi package add` names the file after the version; the YAML host reads every one.
    expect({ example, files: readdirSync(path.join(ROOT, dir)) }).toEqual({
      example,
      files: [`cvm-secrets-${VERSION}.yaml`],
    });
    expect(parse(read(`${dir}/cvm-secrets-${VERSION}.yaml`))).toEqual({
      packageDeclarationVersion: 1,
      name: "cvm-secrets",
      version: VERSION,
      downloadUrl: schema.pluginDownloadURL,
    });
  }
});

test("the CHANGELOG's newest section is this release, dated, with nothing unreleased above it", () => {
  const headings = [...read("CHANGELOG.md").matchAll(/^## (.*)$/gm)].map((m) => m[1]!);
  expect(headings[0]).toMatch(new RegExp(`^\\[${VERSION.replace(/\./g, "\\.")}\\] — \\d{4}-\\d{2}-\\d{2}$`));
});

test("pluginDownloadURL: the github:// source of package.json's repository", () => {
  expect(pluginDownloadUrl("git+https://github.com/acme/pulumi-x.git")).toBe(
    "github://api.github.com/acme/pulumi-x",
  );
  expect(pluginDownloadUrl("https://github.com/acme/pulumi-x")).toBe("github://api.github.com/acme/pulumi-x");
  expect(() => pluginDownloadUrl("git+https://gitlab.com/acme/pulumi-x.git")).toThrow(/not a github\.com/);
  expect(schema.pluginDownloadURL).toBe(pluginDownloadUrl(pkg.repository.url));
  expect(packageSource()).toEqual({ version: VERSION, pluginDownloadURL: schema.pluginDownloadURL });
});

describe("the classes bound to the plugin", () => {
  const seen: Array<[string, string, string]> = [];

  beforeAll(async () => {
    await pulumi.runtime.setMocks(
      { newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: () => ({}) },
      "proj",
      "dev",
      false,
    );
    // The engine's side of RegisterResource: the resource options it is sent.
    const monitor = pulumi.runtime.getMonitor() as unknown as {
      registerResource(req: RegisterRequest, cb: unknown): unknown;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
      seen.push([req.getName(), req.getVersion(), req.getPlugindownloadurl()]);
      return register(req, cb);
    };
  });

  interface RegisterRequest {
    getName(): string;
    getVersion(): string;
    getPlugindownloadurl(): string;
  }

  test("register with the package's version and pluginDownloadURL; a program's own options win", async () => {
    const provider = new Provider("ws");
    new CvmSecrets("api", { cvms: ["cvm_a"], env: { K: "v" } });
    new RegistryCredential("ghcr", { type: "ghcr", username: "u", token: "t" });
    new CvmSecrets("pinned", { cvms: ["cvm_b"], env: { K: "v" } }, { version: "9.9.9" });
    new CvmSecrets("explicit", { cvms: ["cvm_c"], env: { K: "v" } }, { provider });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const url = schema.pluginDownloadURL;
    expect(seen.sort()).toEqual(
      [
        ["api", VERSION, url],
        ["api-owner-key", VERSION, url],
        ["explicit", VERSION, url],
        ["explicit-owner-key", VERSION, url],
        ["ghcr", VERSION, url],
        ["pinned", "9.9.9", url],
        // The OwnerKey a CvmSecrets makes is served by the same plugin: the version it pins.
        ["pinned-owner-key", "9.9.9", url],
        ["ws", VERSION, url],
      ].sort(),
    );
  });
});

test("the packed manifest has no install script and no prepare (npm pack)", () => {
  const manifest = packedManifest() as { version: string; scripts: Record<string, string> };
  expect(manifest.version).toBe(VERSION);
  const lifecycle = ["preinstall", "install", "postinstall", "prepare", "preprepare", "postprepare"];
  expect(Object.keys(manifest.scripts).filter((s) => lifecycle.includes(s))).toEqual([]);
  // `npm pack` and `npm publish` still build dist/ first.
  expect(manifest.scripts["prepack"]).toBe("tsc -p tsconfig.build.json");
});

test("the docs' versioned install lines name this version and the repository's release assets", () => {
  const { version, pluginDownloadURL } = packageSource();
  const repo = pluginDownloadURL.replace("github://api.github.com/", "https://github.com/");
  const files = ["README.md", ...readdirSync(path.join(ROOT, "docs")).map((f) => `docs/${f}`)];
  const lines = files.flatMap((f) => read(f).split("\n"));
  const tarballs = lines.flatMap((l) =>
    [...l.matchAll(/https:\/\/github\.com\/\S+?\.tgz/g)].map((m) => m[0]),
  );
  expect(tarballs.length).toBeGreaterThan(1); // README and the installation page
  for (const url of tarballs) {
    expect(url).toBe(`${repo}/releases/download/v${version}/pulumi-cvm-secrets-${version}.tgz`);
  }
  const installs = lines.filter((l) => /pulumi plugin install resource cvm-secrets \d/.test(l));
  expect(installs.length).toBeGreaterThan(0);
  for (const line of installs) expect(line).toContain(`cvm-secrets ${version} `);
});
