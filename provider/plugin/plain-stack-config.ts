/**
 * The plugin's warning for a credential setting stored in clear in the stack's config file
 * (issue 21), for the programs that are not TypeScript: Pulumi YAML, and Python, Go or .NET on
 * the generated SDKs. The engine cannot tell the plugin: `CheckConfig` gets every value plain
 * and `Configure` gets the schema's secrets marked secret whatever the user did. So the plugin
 * reads the file `pulumi config set` wrote, as the CLI finds it (pulumi/pulumi
 * sdk/go/common/workspace/paths.go, `DetectProjectPathFrom` and `ProjectStackPath`):
 *
 * - the engine starts a provider plugin in the program's directory — the project's root, or the
 *   directory of its `main` (pkg/resource/plugin/plugin.go `newPlugin`: `cmd.Dir = pwd`, the
 *   `ctx.Pwd` of pkg/engine/deployment.go `ProjectInfoContext`, from pkg/engine/project.go
 *   `getPwdMain`), and tells it no project directory (its handshake's `RootDirectory` is the
 *   plugin binary's own, pkg/resource/plugin/provider_plugin.go `NewProvider`). So the project
 *   file is the nearest `Pulumi.json|yaml|yml` upwards, and is taken only if its `name` is the
 *   project of the provider's URN (`urn:pulumi:<stack>::<project>::…`);
 * - the stack's file is `Pulumi.<stack>.<ext>` beside it, or in its `stackConfigDir`, `<stack>`
 *   being the short stack name the URN carries;
 * - a value set with `--secret` is a mapping `{ secure: … }`; one set without is a scalar. A key
 *   may be written `cvm-secrets:apiKey` or `cvm-secrets:config:apiKey` (config/key.go
 *   `ParseKey`). The project file's own `config:` may set a value too (in clear: a project file
 *   holds no secret); the stack's file overrides it.
 *
 * Anything it cannot read (no such file, too large, not YAML, a name that differs) tells it
 * nothing and it says nothing: the warning is advice, not a gate. Values given by
 * `--config-file` or an ESC environment are not in that file and are not seen.
 *
 * A TypeScript program (`runtime: nodejs`) warns from the program, which knows for sure
 * (provider/dynamic/plain-credentials.ts): there the plugin stays silent, so a run warns once.
 * Only the default provider reads stack config; an explicit `Provider` takes its arguments.
 */
import { open } from "node:fs/promises";
import path from "node:path";
import { providerLog, warnOnce } from "../runtime/engine-log";
import { lazy } from "../runtime/lazy";
import { plainSettingWarning, SECRET_SETTINGS } from "../runtime/settings";
import { nameOfUrn } from "./wire";

type SecretSetting = (typeof SECRET_SETTINGS)[number];

/** The largest project or stack config file read, in bytes (a config file is a few KiB). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
/** How many directories up from the program's directory the project file is looked for. */
export const MAX_PROJECT_DEPTH = 32;
/** The project file's extensions, in the CLI's order (sdk/go/common/encoding/marshal.go `Exts`). */
const PROJECT_EXTS = [".json", ".yaml", ".yml"] as const;

/** The stack and project of a URN (`urn:pulumi:<stack>::<project>::…`), or undefined. */
export function stackOfUrn(urn: string): { stack: string; project: string } | undefined {
  const [, stack, project] = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(urn) ?? [];
  // A stack name is letters, digits, `-`, `_` and `.` (no path separator, nothing to escape).
  if (!stack || !project || !/^[A-Za-z0-9_.-]+$/.test(stack) || /^\.+$/.test(stack)) return undefined;
  return { stack, project };
}

/** Whether a provider URN is an engine-made default provider (`default`, `default_0_2_0_…`). */
export function isDefaultProvider(urn: string): boolean {
  return urn.includes("::pulumi:providers:cvm-secrets::") && /^default(_|$)/.test(nameOfUrn(urn));
}

/** A parsed project file: what this module reads of it. */
export interface ProjectFile {
  name?: unknown;
  runtime?: unknown;
  stackConfigDir?: unknown;
  config?: unknown;
}

/** Whether the program is TypeScript/JavaScript, whose classes warn themselves. */
export function programWarnsItself(project: ProjectFile): boolean {
  const runtime = project.runtime;
  const name = isMap(runtime) ? runtime.name : runtime;
  return name === "nodejs";
}

/** The stack's config file beside the project file `projectPath` (or in its `stackConfigDir`). */
export function stackConfigPath(projectPath: string, project: ProjectFile, stack: string): string {
  const fileName = `Pulumi.${stack}${path.extname(projectPath)}`;
  const dir = path.dirname(projectPath);
  const configDir = project.stackConfigDir;
  return typeof configDir === "string" && configDir !== ""
    ? path.join(dir, configDir, fileName)
    : path.join(dir, fileName);
}

/**
 * The credential settings held in clear by the stack's config (`stackDoc`, parsed) or, where the
 * stack's file does not set them, by the project file's `config:` — in SECRET_SETTINGS order.
 */
export function plainCredentialKeys(stackDoc: unknown, project: ProjectFile = {}): SecretSetting[] {
  const stackConfig = isMap(stackDoc) && isMap(stackDoc.config) ? stackDoc.config : {};
  const projectConfig = isMap(project.config) ? project.config : {};
  return SECRET_SETTINGS.filter((key) => {
    const inStack = settingIn(stackConfig, key);
    if (inStack !== undefined) return isPlainValue(inStack);
    const inProject = settingIn(projectConfig, key);
    // The project file's form for another package's key: a value, or `{ value: … }`.
    return isPlainValue(isMap(inProject) ? inProject.value : inProject);
  });
}

/** A key's value in a config map, in either form of the key. */
function settingIn(config: Record<string, unknown>, key: SecretSetting): unknown {
  return config[`cvm-secrets:${key}`] ?? config[`cvm-secrets:config:${key}`];
}

/** A value in clear: a non-empty scalar (`{ secure: … }` and any other mapping are not). */
function isPlainValue(value: unknown): boolean {
  if (typeof value === "string") return value !== "";
  return typeof value === "number" || typeof value === "boolean";
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A file's text, or undefined if it is missing, unreadable or larger than the bound. */
export async function readBounded(
  file: string,
  maxBytes = MAX_CONFIG_FILE_BYTES,
): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, "r");
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > maxBytes) return undefined;
    // Read one byte past the bound: a file that grew since `stat` is refused, not cut.
    const buffer = Buffer.alloc(maxBytes + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return bytesRead > maxBytes ? undefined : buffer.subarray(0, bytesRead).toString("utf8");
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * A YAML (or JSON) document, or undefined if it does not parse. The parser is loaded here, on
 * first use: a preview's plugin process loads nothing it may not need (test/unit/lazy-load.test.ts).
 */
function parseDoc(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return lazy.yaml().parse(text, { maxAliasCount: 100 });
  } catch {
    return undefined;
  }
}

/**
 * The project file of `project` for a program run in `dir`: the nearest one upwards, if its
 * `name` is `project`.
 */
export async function findProjectFile(
  dir: string,
  project: string,
): Promise<{ path: string; doc: ProjectFile } | undefined> {
  let at = path.resolve(dir);
  for (let depth = 0; depth < MAX_PROJECT_DEPTH; depth++) {
    for (const ext of PROJECT_EXTS) {
      const file = path.join(at, `Pulumi${ext}`);
      const text = await readBounded(file);
      if (text === undefined) continue;
      // The CLI takes the first one it finds: so does this, and stops there.
      const doc = parseDoc(text);
      return isMap(doc) && doc.name === project ? { path: file, doc } : undefined;
    }
    const up = path.dirname(at);
    if (up === at) return undefined;
    at = up;
  }
  return undefined;
}

/** The credential settings in clear in the stack config of the provider `urn`, read from `dir`. */
export async function plainStackCredentials(urn: string, dir: string): Promise<SecretSetting[]> {
  const of = stackOfUrn(urn);
  if (!of) return [];
  const project = await findProjectFile(dir, of.project);
  if (!project || programWarnsItself(project.doc)) return [];
  const stackDoc = parseDoc(await readBounded(stackConfigPath(project.path, project.doc, of.stack)));
  // No readable stack file: what the engine got cannot be told from here.
  if (stackDoc === undefined) return [];
  return plainCredentialKeys(stackDoc, project.doc);
}

/**
 * From the default provider's `CheckConfig`: warns once per plugin process (one run) for each
 * credential setting in clear, naming the key and never the value (runtime/settings.ts).
 */
export async function warnPlainStackCredentials(urn: string, dir = process.cwd()): Promise<void> {
  if (!isDefaultProvider(urn)) return;
  const keys = await plainStackCredentials(urn, dir);
  for (const key of keys) warnOnce(`plain-stack-config:${key}`, plainSettingWarning(key));
  // Delivered before CheckConfig answers, so the engine has it whatever happens next.
  if (keys.length > 0) await providerLog().flush();
}
