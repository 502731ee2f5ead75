/**
 * The compose check (docs/installation-configuration.md): does the env fit the CVM's live compose?
 *
 * - A `${KEY}` (or `$KEY`, `${KEY:?…}`) the compose needs but the env lacks is an error: the app
 *   would boot without it — the usual symptom of dstack's allow-list is exactly that (dstack
 *   `allowed_envs`, dstack issue #832). `${KEY:-default}` / `${KEY-default}` have a fallback and
 *   are not required.
 * - An env key nothing references is a warning — unless the compose loads an `env_file`, which
 *   passes every variable through, or the key is one the pre-launch script consumes (Phala's default pre-launch script).
 * - `KEY="${KEY}"` in a list-form `environment:` entry is a warning: compose keeps the quotes
 *   as part of the value.
 * Messages name keys and rules, never values.
 */
import { parse } from "yaml";
import { isRecord } from "./is-record";

/** Variables the pre-launch script exports itself (Phala's default pre-launch script). */
const PROVIDED_AT_BOOT = new Set(["DSTACK_APP_ID", "DSTACK_GATEWAY_DOMAIN", "DSTACK_APP_DOMAIN"]);
/** Variables the pre-launch script consumes, so they need no reference in the compose. */
const CONSUMED_BY_PRELAUNCH =
  /^(DSTACK_DOCKER_|DSTACK_AWS_|DSTACK_ROOT_PASSWORD$|DSTACK_ROOT_PUBLIC_KEY$|DSTACK_AUTHORIZED_KEYS$)/;

export interface ComposeFinding {
  key: string;
  rule: "missing" | "unreferenced" | "quoted";
  message: string;
}

export interface ComposeCheck {
  errors: ComposeFinding[];
  warnings: ComposeFinding[];
}

/** A variable reference in compose text, with whether it has a fallback. */
interface Reference {
  key: string;
  required: boolean;
}

/**
 * Finds `$KEY`, `${KEY}`, `${KEY:-x}`, `${KEY-x}`, `${KEY:?x}`, `${KEY?x}`, `${KEY:+x}` in text;
 * `$$` is an escaped dollar (Compose spec, "Interpolation").
 */
export function references(text: string): Reference[] {
  const out: Reference[] = [];
  const pattern = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])[^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
  for (const match of text.matchAll(pattern)) {
    if (match[0] === "$$") continue;
    const key = match[1] ?? match[3];
    if (!key) continue;
    const op = match[2];
    out.push({ key, required: op === undefined || op.endsWith("?") });
  }
  return out;
}

/**
 * Checks an env's key set against an app-compose (the object `GET /cvms/{id}/compose_file`
 * returns: `docker_compose_file` YAML, optional `pre_launch_script`) or a bare compose YAML.
 */
export function checkCompose(appCompose: unknown, keys: readonly string[]): ComposeCheck {
  const { yaml, preLaunch } = sources(appCompose);
  const result: ComposeCheck = { errors: [], warnings: [] };
  if (yaml === undefined) return result;
  const have = new Set(keys);

  const refs = references(yaml);
  const needed = new Map<string, boolean>();
  for (const r of refs) needed.set(r.key, (needed.get(r.key) ?? false) || r.required);
  for (const [key, required] of needed) {
    if (required && !have.has(key) && !PROVIDED_AT_BOOT.has(key)) {
      result.errors.push({
        key,
        rule: "missing",
        message: `${key}: the compose references \${${key}} but env does not set it (the app would start without it)`,
      });
    }
  }

  let doc: unknown;
  try {
    doc = parse(yaml);
  } catch {
    return result; // the server owns compose validity; the reference scan above still applies
  }
  const services = isRecord(doc) && isRecord(doc.services) ? Object.values(doc.services) : [];
  const usesEnvFile = services.some((s) => isRecord(s) && s.env_file !== undefined);
  const referenced = new Set([...needed.keys(), ...references(preLaunch).map((r) => r.key)]);
  for (const service of services) {
    if (!isRecord(service) || !Array.isArray(service.environment)) continue;
    for (const entry of service.environment) {
      if (typeof entry !== "string") continue;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(["'])\$\{?[A-Za-z_][A-Za-z0-9_]*.*\2$/.exec(entry);
      if (m) {
        const key = m[1] as string;
        result.warnings.push({
          key,
          rule: "quoted",
          message: `${key}: list-form environment entry is quoted; compose keeps the quotes as part of the value (write ${key}=\${...} without quotes)`,
        });
      }
      // A bare `- KEY` entry passes the variable through from the environment.
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(entry)) referenced.add(entry);
    }
  }
  if (!usesEnvFile) {
    for (const key of keys) {
      if (!referenced.has(key) && !CONSUMED_BY_PRELAUNCH.test(key)) {
        result.warnings.push({
          key,
          rule: "unreferenced",
          message: `${key}: set in env but nothing in the compose references it`,
        });
      }
    }
  }
  return result;
}

function sources(appCompose: unknown): { yaml?: string; preLaunch: string } {
  if (typeof appCompose === "string") return { yaml: appCompose, preLaunch: "" };
  if (!isRecord(appCompose)) return { preLaunch: "" };
  const yaml =
    typeof appCompose.docker_compose_file === "string" ? appCompose.docker_compose_file : undefined;
  const preLaunch = typeof appCompose.pre_launch_script === "string" ? appCompose.pre_launch_script : "";
  return { yaml, preLaunch };
}
