/**
 * The Python, Go and .NET SDKs of the plugin's package, generated the way `pulumi package gen-sdk`
 * and `pulumi package add` generate them — from the schema `pulumi package get-schema` returns,
 * by Pulumi's own code generators (scripts/sdkgen, built by scripts/toolchain.sh; this machine
 * has none of those languages' hosts, which would run the same generators) — and checked as far
 * as can be without those languages' Pulumi SDKs and hosts:
 *
 * - Go: the SDK and docs/_index.md's Go quickstart compile against the Pulumi Go SDK (`go build`, `go vet`).
 * - Python: every file compiles, relative imports resolve, and docs/_index.md's Python quickstart uses only
 *   what the SDK defines (test/support/python-sdk.py, on the syntax trees).
 * - .NET: the SDK is generated; docs/_index.md's C# quickstart names only its classes and properties.
 *
 * In each: every resource and the provider exist, every secret input of the schema is wrapped as
 * a secret and every secret output is an additional secret output, and the version and the plugin
 * download URL (`server`) are the package's.
 */
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { codeBlocks } from "../support/markdown";
import { repoVersion } from "../support/package";
import { pulumiPath, pulumiWorkspace, REPO_ROOT } from "../support/pulumi";

jest.setTimeout(300_000);

const TOOLCHAIN_BIN = path.join(REPO_ROOT, ".toolchain", "bin");
const VERSION = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string }
).version;
const GO_MODULE = "github.com/pulumi-cvm-secrets/pulumi-cvm-secrets/sdk/go";
// Every SDK asks for the plugin at this version from this source (pulumi-plugin.json `server`).
const DOWNLOAD_URL = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, "schema.json"), "utf8")) as { pluginDownloadURL: string }
).pluginDownloadURL;
// The flags the CLI is built with (scripts/toolchain.sh): the Go build cache then has the Pulumi SDK.
const GO_FLAGS = ["-buildvcs=false", "-trimpath", "-tags", "osusergo,grpcnotrace"];
const GO_ENV = { ...process.env, CGO_ENABLED: "0" };

const QUICKSTARTS = codeBlocks(readFileSync(path.join(REPO_ROOT, "docs/_index.md"), "utf8")).filter(
  (b) => b.section === "Quickstart",
);
const quickstartBlock = (lang: string): string => {
  const block = QUICKSTARTS.find((b) => b.lang === lang);
  if (!block) throw new Error(`docs/_index.md, Quickstart: no ${lang} block`);
  return block.text;
};

interface Property {
  secret?: boolean;
}
interface Schema {
  name: string;
  version: string;
  language: { go: { importBasePath: string } };
  provider: { inputProperties: Record<string, Property> };
  resources: Record<
    string,
    { inputProperties: Record<string, Property>; properties: Record<string, Property> }
  >;
}

/** Per class name: its type token, its secret inputs and its secret outputs (schema names). */
interface Expected {
  token: string;
  secretInputs: string[];
  secretOutputs: string[];
  provider: boolean;
}

const secretNames = (props: Record<string, Property> = {}): string[] =>
  Object.keys(props)
    .filter((k) => props[k]!.secret)
    .sort();
const pascal = (name: string): string => name[0]!.toUpperCase() + name.slice(1);
const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 240_000,
        maxBuffer: 64 << 20,
      },
      (err, stdout, stderr) => {
        if (err)
          reject(new Error(`${command} ${args.join(" ")} failed: ${err.message}\n${stdout}\n${stderr}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}

/** `module version` of every requirement in scripts/sdkgen/go.mod (pkg at the CLI's version). */
function cliModuleVersions(): string[] {
  const mod = readFileSync(path.join(REPO_ROOT, "scripts", "sdkgen", "go.mod"), "utf8");
  return [...mod.matchAll(/^\t(\S+ v\S+)/gm)].map((m) => m[1]!);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

let work: string;
let schema: Schema;
let expected: Record<string, Expected>;

beforeAll(async () => {
  for (const tool of ["pulumi", "cvm-sdkgen", "cvm-sdkgen-dotnet"]) {
    if (!existsSync(path.join(TOOLCHAIN_BIN, tool))) {
      throw new Error(`${tool} is not set up: run \`npm run toolchain\` (npm test does it for you)`);
    }
  }
  work = mkdtempSync(path.join(tmpdir(), "cvms-sdk-languages-"));
  // The schema as the CLI reads it from the plugin executable (repository bin/, built dist/).
  const ws = pulumiWorkspace(work, {
    PATH: `${path.join(REPO_ROOT, "bin")}${path.delimiter}${pulumiPath()}`,
  });
  try {
    const plugin = path.join(REPO_ROOT, "bin", "pulumi-resource-cvm-secrets");
    const got = await ws.ok(["package", "get-schema", plugin]);
    writeFileSync(path.join(work, "schema.json"), got.stdout);
    schema = JSON.parse(got.stdout) as Schema;
  } finally {
    ws.dispose();
  }
  expected = {
    Provider: {
      token: `pulumi:providers:${schema.name}`,
      secretInputs: secretNames(schema.provider.inputProperties),
      secretOutputs: [],
      provider: true,
    },
  };
  for (const [token, r] of Object.entries(schema.resources)) {
    expected[token.split(":")[2]!] = {
      token,
      secretInputs: secretNames(r.inputProperties),
      secretOutputs: secretNames(r.properties),
      provider: false,
    };
  }
  const gen = (tool: string, language: string) =>
    run(path.join(TOOLCHAIN_BIN, tool), ["-schema", "schema.json", "-language", language, "-out", language], {
      cwd: work,
    });
  await Promise.all([
    gen("cvm-sdkgen", "go"),
    gen("cvm-sdkgen", "python"),
    gen("cvm-sdkgen-dotnet", "dotnet"),
  ]);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test("the served schema carries the package version and the language settings", () => {
  expect(schema.version).toBe(VERSION);
  expect(schema.language.go.importBasePath).toBe(`${GO_MODULE}/cvmsecrets`);
  expect(Object.keys(expected).sort()).toEqual(["CvmSecrets", "OwnerKey", "Provider", "RegistryCredential"]);
  // The fixtures below must have something to find.
  expect(expected.RegistryCredential!.secretOutputs).toEqual([
    "akashCredentials",
    "cvmEnv",
    "dockerConfigJson",
  ]);
  expect(expected.CvmSecrets!.secretInputs).toEqual(["env", "ownerKey"]);
});

describe("Go", () => {
  const dir = () => path.join(work, "go");
  const source = (name: string) =>
    readFileSync(path.join(dir(), "cvmsecrets", `${name[0]!.toLowerCase()}${name.slice(1)}.go`), "utf8");
  /** The body of `func NewX(`: where the SDK marks secrets before registering. */
  const newFunction = (name: string) => {
    const text = source(name);
    const start = text.indexOf(`func New${name}(`);
    expect(start).toBeGreaterThanOrEqual(0);
    return text.slice(start, text.indexOf("\n}\n", start));
  };

  test("a module at the schema's import path, with the plugin's name and version", () => {
    expect(readFileSync(path.join(dir(), "go.mod"), "utf8")).toMatch(new RegExp(`^module ${GO_MODULE}\\n`));
    expect(JSON.parse(readFileSync(path.join(dir(), "cvmsecrets", "pulumi-plugin.json"), "utf8"))).toEqual({
      resource: true,
      name: "cvm-secrets",
      version: VERSION,
      server: DOWNLOAD_URL,
    });
    expect(source("Provider")).toContain("package cvmsecrets");
  });

  test("every resource and the provider: registered by type token, secrets marked", () => {
    for (const [name, e] of Object.entries(expected)) {
      const body = newFunction(name);
      expect(body).toContain(`ctx.RegisterResource("${e.token}", name, args, &resource, opts...)`);
      const wrapped = [...body.matchAll(/args\.(\w+) = pulumi\.ToSecret\(args\.(\w+)\)/g)].map((m) => m[1]);
      expect({ name, wrapped: wrapped.sort() }).toEqual({ name, wrapped: e.secretInputs.map(pascal).sort() });
      const list = /pulumi\.AdditionalSecretOutputs\(\[\]string\{([^}]*)\}\)/.exec(body);
      const outputs = [...(list?.[1] ?? "").matchAll(/"(\w+)"/g)].map((m) => m[1]);
      expect({ name, outputs: outputs.sort() }).toEqual({ name, outputs: e.secretOutputs });
    }
  });

  test("the SDK and docs' Go quickstart compile against the Pulumi Go SDK (go build, go vet)", async () => {
    const program = path.join(work, "go-program");
    mkdirSync(program);
    writeFileSync(path.join(program, "main.go"), quickstartBlock("go"));
    writeFileSync(
      path.join(program, "go.mod"),
      [
        "module example.invalid/cvm-secrets-quickstart",
        "",
        "go 1.25",
        "",
        `require ${GO_MODULE} v${VERSION}`,
        `require github.com/pulumi/pulumi/sdk/v3 v${repoVersion("@pulumi/pulumi")}`,
        // The module versions of the CLI build (scripts/sdkgen's go.mod has them): the build then
        // reuses its compiled packages. With the Pulumi SDK's own, lower minimums (grpc, otel, …)
        // it compiles them all again: 295 s on 2 cores, against 8 s.
        ...cliModuleVersions().map((m) => `require ${m}`),
        "",
        `replace ${GO_MODULE} => ../go`,
        "",
      ].join("\n"),
    );
    const go = (...args: string[]) => run("go", args, { cwd: program, env: GO_ENV, timeoutMs: 500_000 });
    await go("mod", "tidy");
    await go("build", ...GO_FLAGS, "-o", path.join(work, "quickstart"), ".");
    await go("vet", ...GO_FLAGS, ".", `${GO_MODULE}/...`);
    expect(existsSync(path.join(work, "quickstart"))).toBe(true);
  }, 600_000);
});

describe("Python", () => {
  let report: {
    errors: string[];
    programErrors: string[];
    resources: Record<string, { base: string; secretInputs: string[]; additionalSecretOutputs: string[] }>;
    pyproject: { name: string; version: string; dependencies: string[] } | null;
  };

  beforeAll(async () => {
    writeFileSync(path.join(work, "quickstart.py"), quickstartBlock("python"));
    const checker = path.join(REPO_ROOT, "test", "support", "python-sdk.py");
    const { stdout } = await run("python3", [checker, "python", "pulumi_cvm_secrets", "quickstart.py"], {
      cwd: work,
    });
    report = JSON.parse(stdout);
  });

  test("every file compiles and every relative import resolves; the docs' quickstart uses only what it defines", () => {
    expect(report.errors).toEqual([]);
    expect(report.programErrors).toEqual([]);
  });

  test("every resource and the provider: secret inputs wrapped, secret outputs listed", () => {
    expect(Object.keys(report.resources).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, e] of Object.entries(expected)) {
      expect({ name, ...report.resources[name] }).toMatchObject({
        name,
        base: e.provider ? "pulumi.ProviderResource" : "pulumi.CustomResource",
        secretInputs: e.secretInputs.map(snake).sort(),
        additionalSecretOutputs: e.secretOutputs,
      });
    }
  });

  test("pyproject.toml: the package's name and version, the Pulumi SDK of this major version", () => {
    expect(report.pyproject).toMatchObject({ name: "pulumi_cvm_secrets", version: VERSION });
    expect(report.pyproject!.dependencies.filter((d) => /^pulumi\b/.test(d))).toEqual([
      expect.stringMatching(/^pulumi>=3\.\d+\.\d+,<4\.0\.0$/),
    ]);
    const plugin = JSON.parse(
      readFileSync(path.join(work, "python", "pulumi_cvm_secrets", "pulumi-plugin.json"), "utf8"),
    );
    expect(plugin).toEqual({ resource: true, name: "cvm-secrets", version: VERSION, server: DOWNLOAD_URL });
  });
});

describe(".NET", () => {
  const dir = () => path.join(work, "dotnet");
  const read = (file: string) => readFileSync(path.join(dir(), file), "utf8");
  /** Every class the SDK declares → the names of its properties. */
  const classes = () => {
    const found = new Map<string, Set<string>>();
    for (const file of filesUnder(dir()).filter((f) => f.endsWith(".cs"))) {
      const text = read(file);
      for (const m of text.matchAll(/public (?:sealed |partial )*class (\w+)/g)) {
        const props = new Set([...text.matchAll(/public [\w<>.?, :]+ (\w+)\s*(?:\{|\n)/g)].map((p) => p[1]!));
        found.set(m[1]!, new Set([...(found.get(m[1]!) ?? []), ...props]));
      }
    }
    return found;
  };

  test("a project Pulumi.CvmSecrets of the package's version, one file per resource and the provider", () => {
    const files = filesUnder(dir());
    expect(files).toEqual(
      expect.arrayContaining([
        "Pulumi.CvmSecrets.csproj",
        "CvmSecrets.cs",
        "RegistryCredential.cs",
        "Provider.cs",
      ]),
    );
    expect(read("Pulumi.CvmSecrets.csproj")).toContain(`<Version>${VERSION}</Version>`);
    expect(JSON.parse(read("pulumi-plugin.json"))).toEqual({
      resource: true,
      name: "cvm-secrets",
      version: VERSION,
      server: DOWNLOAD_URL,
    });
  });

  test("every resource and the provider: its type token, secret inputs wrapped, secret outputs listed", () => {
    for (const [name, e] of Object.entries(expected)) {
      const text = read(`${name}.cs`);
      expect(text).toContain("namespace Pulumi.CvmSecrets");
      expect(text).toContain(
        `public partial class ${name} : global::Pulumi.${e.provider ? "ProviderResource" : "CustomResource"}`,
      );
      expect(text).toContain(`"${e.token}"`);
      const list = /AdditionalSecretOutputs =\s*\{([^}]*)\}/.exec(text);
      const outputs = [...(list?.[1] ?? "").matchAll(/"(\w+)"/g)].map((m) => m[1]);
      expect({ name, outputs: outputs.sort() }).toEqual({ name, outputs: e.secretOutputs });
      // In the Args class, a secret input's setter wraps what it is given with Output.CreateSecret.
      const args = text.slice(text.indexOf(`public sealed class ${name}Args`));
      const wrapped = [
        ...args.matchAll(/public [^\n]+ (\w+)\n\s*\{[^}]*?set\s*\{[^}]*?Output\.CreateSecret/g),
      ].map((m) => m[1]);
      expect({ name, wrapped: wrapped.sort() }).toEqual({ name, wrapped: e.secretInputs.map(pascal).sort() });
    }
  });

  test("the docs' C# quickstart names only classes and properties the SDK has", () => {
    const program = quickstartBlock("csharp");
    const sdk = classes();
    const pulumiAndDotnet = new Set(["Config", "InputMap", "Dictionary"]);
    const made = [...program.matchAll(/new (\w+)/g)].map((m) => m[1]!).filter((c) => !pulumiAndDotnet.has(c));
    expect(made.filter((c) => !sdk.has(c))).toEqual([]);
    const allProps = new Set([...sdk.values()].flatMap((s) => [...s]));
    const assigned = [...program.matchAll(/(?:^\s+|[{,]\s*)(\w+) = /gm)].map((m) => m[1]!);
    expect(assigned.length).toBeGreaterThan(5);
    expect(assigned.filter((p) => !allProps.has(p))).toEqual([]);
    for (const [name, e] of Object.entries(expected)) if (!e.provider) expect(made).toContain(name);
  });
});
