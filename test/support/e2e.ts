/**
 * Shared pieces of the e2e tier: an emulator, an example program copied to a scratch directory,
 * a Pulumi workspace pointed at both, and a transcript of everything the CLI printed so a
 * leak scan can cover every run.
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../emulator/index";
import { encryptEnv } from "../../provider/core/envelope";
import {
  type PulumiResult,
  type PulumiWorkspace,
  pulumiPath,
  pulumiWorkspace,
  REPO_ROOT,
  scratchProgram,
  TYPECHECKED,
} from "./pulumi";

export const QUIET = ["--non-interactive", "--color", "never"];

export interface E2eStack {
  emu: Emulator;
  pulumi: PulumiWorkspace;
  dir: string;
  /** Every CLI output so far, and every emulator log line. */
  transcript: string[];
  /** Runs pulumi, records its output; throws on a non-zero exit unless `allowFail`. */
  cli(args: string[], options?: { allowFail?: boolean; env?: NodeJS.ProcessEnv }): Promise<PulumiResult>;
  dispose(): Promise<void>;
}

/**
 * How a program reaches the resources:
 * - `dynamic`: the TypeScript example `examples/<name>` with the dynamic classes (`pulumi-cvm-secrets`);
 * - `plugin`: the same program with the classes bound to the resource provider plugin
 *   (`pulumi-cvm-secrets/plugin`), whose executable (bin/pulumi-resource-cvm-secrets) is then on
 *   PATH, where the engine finds it;
 * - `yaml`: the Pulumi YAML example `examples/yaml/<name>` on the real YAML language host, whose
 *   resources are the plugin's by their type tokens (bin/ on PATH as for `plugin`).
 */
export type Flavour = "dynamic" | "plugin" | "yaml";
export const FLAVOURS: readonly Flavour[] = ["dynamic", "plugin", "yaml"];
/** The flavours of a TypeScript program (the suites that write their own program in TypeScript). */
export type TypeScriptFlavour = Exclude<Flavour, "yaml">;

/** Whether the flavour's resources are served by the resource provider plugin. */
export function viaPlugin(flavour: Flavour): boolean {
  return flavour !== "dynamic";
}

/** The directory under examples/ of the example `name` in the flavour's language. */
export function exampleDir(name: string, flavour: Flavour): string {
  return flavour === "yaml" ? `yaml/${name}` : name;
}

/** The type token of a resource of this package (`CvmSecrets`, `RegistryCredential`) in state. */
export function typeToken(
  flavour: Flavour,
  resource: "CvmSecrets" | "RegistryCredential" | "OwnerKey",
): string {
  return viaPlugin(flavour)
    ? `cvm-secrets:index:${resource}`
    : `pulumi-nodejs:dynamic/cvm-secrets:${resource}`;
}

/** The environment a workspace of the flavour runs with. */
export function flavourEnv(flavour: Flavour): NodeJS.ProcessEnv {
  if (!viaPlugin(flavour)) return {};
  return { PATH: `${path.join(REPO_ROOT, "bin")}${path.delimiter}${pulumiPath()}` };
}

/** A TypeScript program's source for the flavour: the package import switched to the plugin classes. */
export function forFlavour(source: string, flavour: Flavour): string {
  return viaPlugin(flavour)
    ? source.replace(/from "pulumi-cvm-secrets"/g, 'from "pulumi-cvm-secrets/plugin"')
    : source;
}

/**
 * Starts an emulator and a workspace for the example `example` in the flavour's language
 * (`examples/<example>`, or `examples/yaml/<example>` for `yaml`), or for a program made of the
 * given files, with stack `stack` selected, pointed at the emulator by stack config. `emulator`
 * passes further options to the emulator (e.g. `chainRpcUrl`); `typecheck` has ts-node type-check
 * the program first, as a user's `pulumi up` does (pulumi.ts, TYPECHECKED).
 */
export async function e2eStack(
  example: string | Record<string, string>,
  stack = "dev",
  restartMs = 150,
  flavour: Flavour = "dynamic",
  emulator: Pick<EmulatorOptions, "chainRpcUrl"> & { typecheck?: boolean } = {},
): Promise<E2eStack> {
  const { typecheck, ...emulatorOptions } = emulator;
  const transcript: string[] = [];
  const emu = await startEmulator({
    ...emulatorOptions,
    restartMs,
    log: (line) => transcript.push(`[emulator] ${line}`),
  });
  const program = scratchProgram(typeof example === "string" ? {} : example);
  if (typeof example === "string") {
    cpSync(path.join(REPO_ROOT, "examples", exampleDir(example, flavour)), program.dir, { recursive: true });
    if (flavour !== "yaml") {
      cpSync(path.join(REPO_ROOT, "examples", "tsconfig.json"), path.join(program.dir, "tsconfig.json"));
    } else {
      // The package declaration (sdks/: the plugin's version and download URL) is what
      // plugin-download.test.ts runs. Here the plugin is bin/'s, on PATH: asked for a version,
      // the YAML host would cache its schema beside bin/, in the repository root, and read that
      // stale copy in later runs (Pulumi pkg/codegen/schema/loader.go at the host's pkg version,
      // `loadSchemaBytes`: schema-<name>.json in the plugin's parent directory).
      rmSync(path.join(program.dir, "sdks"), { recursive: true, force: true });
    }
  }
  const index = path.join(program.dir, "index.ts");
  // A Pulumi YAML program has no index.ts: its resources are the plugin's by their type tokens.
  if (existsSync(index)) writeFileSync(index, forFlavour(readFileSync(index, "utf8"), flavour));
  const pulumi = pulumiWorkspace(program.dir, { ...flavourEnv(flavour), ...(typecheck && TYPECHECKED) });
  const cli: E2eStack["cli"] = async (args, options = {}) => {
    const result = await pulumi.run(args, { env: options.env, timeoutMs: 240_000 });
    // Outputs only: the command line of `config set --secret` holds the value by design.
    transcript.push(`$ pulumi ${args[0]} ${args[1] ?? ""}\n${result.stdout}\n${result.stderr}`);
    if (result.code !== 0 && !options.allowFail) {
      throw new Error(
        `pulumi ${args[0]} ${args[1] ?? ""} exited ${result.code}\n${result.stdout}\n${result.stderr}`,
      );
    }
    return result;
  };
  await cli(["stack", "init", stack, ...QUIET]);
  await cli(["config", "set", "cvm-secrets:apiUrl", emu.url]);
  await cli(["config", "set", "--secret", "cvm-secrets:apiKey", emu.apiKey]);
  return {
    emu,
    pulumi,
    dir: program.dir,
    transcript,
    cli,
    async dispose() {
      pulumi.dispose();
      program.dispose();
      await emu.close();
    },
  };
}

/**
 * A new CVM (of a new app) whose env was then set in the dashboard — someone else's push, through
 * the API (`PATCH /cvms/{id}/envs`, `env` encrypted to the app's key) — once it runs with it.
 */
export async function cvmWithDashboardEnv(
  emu: Emulator,
  name: string,
  env: Record<string, string>,
): Promise<string> {
  const app = await emu.admin.createApp();
  const cvm = (await emu.admin.createCvm({ name, app_id: app.app_id })).id;
  const res = await fetch(`${emu.url}/cvms/${cvm}/envs`, {
    method: "PATCH",
    headers: { "x-api-key": emu.apiKey, "content-type": "application/json" },
    body: JSON.stringify({
      encrypted_env: encryptEnv(env, app.encrypted_env_pubkey),
      env_keys: Object.keys(env),
    }),
  });
  if (res.status !== 202) throw new Error(`PATCH /cvms/${cvm}/envs answered ${res.status}`);
  for (let i = 0; i < 100; i++) {
    if (JSON.stringify((await emu.admin.guest(cvm)).env) === JSON.stringify(env)) return cvm;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${cvm} did not boot with the dashboard's env`);
}

/**
 * Replicas: one CVM per name, all of one new app (the first CVM's), running `compose`. Returns
 * their ids in the order of `names`.
 */
export async function replicasOfOneApp(
  emu: Emulator,
  names: readonly string[],
  compose: string,
): Promise<string[]> {
  const ids: string[] = [];
  let app: string | undefined;
  for (const name of names) {
    const cvm = await emu.admin.createCvm({ name, app_id: app, docker_compose_file: compose });
    app ??= cvm.app_id;
    ids.push(cvm.id);
  }
  return ids;
}

/** Sets stack config values as secrets (the way a user would). */
export async function setSecrets(stack: E2eStack, values: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(values))
    await stack.cli(["config", "set", "--secret", key, value]);
}

/** The state of the stack as `pulumi stack export` prints it (secrets stay encrypted). */
export async function exportState(
  stack: Pick<E2eStack, "cli">,
): Promise<{ text: string; resources: Array<Record<string, unknown>> }> {
  const result = await stack.cli(["stack", "export"]);
  const parsed = JSON.parse(result.stdout) as { deployment: { resources?: Array<Record<string, unknown>> } };
  return { text: result.stdout, resources: parsed.deployment.resources ?? [] };
}

/** Asserts that no secret value appears anywhere in the given texts. */
export function expectNoLeak(texts: readonly string[], secrets: readonly string[]): void {
  for (const secret of secrets) {
    for (const text of texts) {
      if (text.includes(secret)) {
        const at = text.indexOf(secret);
        throw new Error(
          `secret value leaked near: ${JSON.stringify(text.slice(Math.max(0, at - 80), at)).slice(0, 120)}…`,
        );
      }
    }
  }
}

/** The Pulumi config file of a stack in the workspace. */
export function stackConfigFile(stack: E2eStack, name: string): string {
  return readFileSync(path.join(stack.dir, `Pulumi.${name}.yaml`), "utf8");
}
