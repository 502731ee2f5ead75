/**
 * Issue 21 on the real engine: `cvm-secrets:apiKey` set without `--secret` (stored in clear in
 * `Pulumi.<stack>.yaml`) gives exactly one warning per run, naming the key and never the value,
 * in every flavour — from the program for the TypeScript classes bound to the plugin
 * (provider/dynamic/plain-credentials.ts; the plugin stays silent for a nodejs program), from
 * the plugin for Pulumi YAML, which reads the stack's config file (provider/plugin/plain-stack-config.ts),
 * found beside Pulumi.yaml or in its `stackConfigDir`. Set with `--secret`: no warning.
 * Run as Pulumi YAML (plain-credentials.yaml.test.ts) and through the plugin from TypeScript
 * (plain-credentials.plugin.test.ts); the dynamic classes' run is in suites/check-failures.ts.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type E2eStack, e2eStack, expectNoLeak, type Flavour, QUIET, setSecrets } from "../../support/e2e";

const WARNING = "cvm-secrets:apiKey is not a secret";
const COMPOSE = "services:\n  api:\n    image: ghcr.io/acme/api:1.4.2\n";

interface Diagnostic {
  message: string;
  severity: string;
}

/** The warnings of `preview --json` about a credential stored in clear. */
function plainWarnings(json: string): Diagnostic[] {
  const parsed = JSON.parse(json) as { diagnostics?: Diagnostic[] };
  return (parsed.diagnostics ?? []).filter(
    (d) => d.severity === "warning" && d.message.includes("is not a secret"),
  );
}

export function plainCredentialsSuite(flavour: Exclude<Flavour, "dynamic">): void {
  jest.setTimeout(300_000);
  let s: E2eStack;

  beforeAll(async () => {
    s = await e2eStack("quickstart", "dev", 150, flavour);
    const cvm = (await s.emu.admin.createCvm({ name: "quickstart-api", docker_compose_file: COMPOSE })).id;
    await s.cli(["config", "set", "cvmId", flavour === "yaml" ? "quickstart-api" : cvm]);
    await setSecrets(s, {
      databaseUrl: "postgres://db",
      stripeKey: "sk_test_plain_21",
      ghcrToken: "ghp_plain_21",
    });
  }, 120_000);

  afterAll(async () => {
    await s?.dispose();
  });

  /** `preview --json`: its warnings about a credential in clear; the key's value nowhere but the document's own `config`. */
  async function preview(): Promise<Diagnostic[]> {
    const run = await s.cli(["preview", "--json", ...QUIET]);
    const diagnostics = JSON.stringify((JSON.parse(run.stdout) as { diagnostics?: unknown }).diagnostics);
    expectNoLeak([diagnostics, run.stderr], [s.emu.apiKey]);
    return plainWarnings(run.stdout);
  }

  test("apiKey in clear in Pulumi.<stack>.yaml: exactly one warning, naming the key and --secret, never the value", async () => {
    await s.cli(["config", "set", "cvm-secrets:apiKey", s.emu.apiKey]);
    expect(readFileSync(path.join(s.dir, "Pulumi.dev.yaml"), "utf8")).toContain(s.emu.apiKey);
    const warnings = await preview();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain(WARNING);
    expect(warnings[0]?.message).toContain("`pulumi config set --secret cvm-secrets:apiKey <value>`");
  });

  test("apiKey set with --secret: no warning", async () => {
    await s.cli(["config", "set", "--secret", "cvm-secrets:apiKey", s.emu.apiKey]);
    expect(await preview()).toEqual([]);
  });

  test("the stack's file in the project's stackConfigDir: read there, exactly one warning", async () => {
    const project = path.join(s.dir, "Pulumi.yaml");
    writeFileSync(project, `${readFileSync(project, "utf8")}\nstackConfigDir: stacks\n`);
    mkdirSync(path.join(s.dir, "stacks"));
    renameSync(path.join(s.dir, "Pulumi.dev.yaml"), path.join(s.dir, "stacks", "Pulumi.dev.yaml"));
    await s.cli(["config", "set", "cvm-secrets:apiKey", s.emu.apiKey]);
    expect(readFileSync(path.join(s.dir, "stacks", "Pulumi.dev.yaml"), "utf8")).toContain(s.emu.apiKey);
    const warnings = await preview();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain(WARNING);
  });

  // The engine starts the plugin in the program's directory, `main`'s when set: the project file
  // is found above it. (A TypeScript program's `main` is its entry file, not a directory.)
  if (flavour === "yaml") {
    test("a project whose `main` is a subdirectory: the plugin, started there, finds Pulumi.yaml above it", async () => {
      const project = path.join(s.dir, "Pulumi.yaml");
      const text = readFileSync(project, "utf8");
      // The program (config, resources, outputs) moves to src/Main.yaml; the project keeps its
      // name, runtime and stackConfigDir (set above).
      const at = text.indexOf("\nconfig:\n");
      expect(at).toBeGreaterThan(0);
      const settings = "stackConfigDir: stacks\n";
      mkdirSync(path.join(s.dir, "src"));
      writeFileSync(path.join(s.dir, "src", "Main.yaml"), text.slice(at + 1).replace(settings, ""));
      writeFileSync(project, `${text.slice(0, at + 1)}${settings}main: src/\n`);
      const warnings = await preview();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toContain(WARNING);
    });
  }
}
