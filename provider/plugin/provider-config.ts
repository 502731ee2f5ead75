/**
 * The provider's own configuration (`CheckConfig`, `DiffConfig`, `Configure`): the same
 * settings the dynamic provider reads from `cvm-secrets:*` stack config (runtime/settings.ts), here
 * as the inputs of a provider resource — the default provider gets them from those same stack
 * config keys, an explicit `Provider` from its arguments. Pure but for `configure`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { parseChainMap } from "../runtime/chain-settings";
import { withPathInReason } from "../runtime/failures";
import { configure as configureSettings, SECRET_SETTINGS } from "../runtime/settings";
import { UNKNOWN } from "../runtime/wire";
import { type DiffKind, same } from "./diff-translation";
import { concealKeys, type Props, revealProps } from "./wire";

/** The configuration keys, as schema config variables and provider inputs. */
export const CONFIG_KEYS = [
  "apiKey",
  "apiUrl",
  "defaultRegistry",
  "defaultRegistryUsername",
  "defaultRegistryPassword",
  "rpcUrls",
  "kmsContracts",
] as const;
/** The keys that hold a credential (runtime/settings.ts), kept secret whatever the caller sent. */
export const SECRET_CONFIG_KEYS = SECRET_SETTINGS;

export interface ConfigFailure {
  property: string;
  reason: string;
}

/** CheckConfig: the inputs kept (secret keys marked secret whatever the caller sent), and failures. */
export function checkConfig(news: Props): { inputs: Props; failures: ConfigFailure[] } {
  const { plain } = revealProps(news);
  const failures: ConfigFailure[] = [];
  const url = plain.apiUrl;
  if (url !== undefined && url !== UNKNOWN && url !== "") {
    if (typeof url !== "string" || !/^https?:\/\/[^\s/]+/.test(url)) {
      failures.push({
        property: "apiUrl",
        reason: "must be an http(s) URL, e.g. https://cloud-api.phala.com/api/v1",
      });
    }
  }
  for (const key of CONFIG_KEYS) {
    const v = plain[key];
    if (v !== undefined && v !== UNKNOWN && typeof v !== "string") {
      failures.push({ property: key, reason: "must be a string" });
    }
  }
  for (const key of ["rpcUrls", "kmsContracts"] as const) {
    const v = plain[key];
    if (typeof v !== "string") continue;
    const parsed = parseChainMap(v, key);
    if (!parsed.ok) failures.push({ property: key, reason: parsed.reason });
  }
  const registry = ["defaultRegistry", "defaultRegistryUsername", "defaultRegistryPassword"];
  const set = registry.filter((k) => plain[k] !== undefined && plain[k] !== "");
  if (set.length > 0 && set.length < registry.length) {
    failures.push({
      property: "",
      reason: `${registry.filter((k) => !set.includes(k)).join(", ")} missing: the default registry needs ${registry.join(", ")} together`,
    });
  }
  // The engine prints a failure that names a property with its value: the path goes in the reason.
  return { inputs: concealKeys(news, SECRET_CONFIG_KEYS), failures: withPathInReason(failures) };
}

/** DiffConfig: which settings changed. A setting change never replaces a resource. */
export function diffConfig(
  olds: Props,
  news: Props,
): { changed: string[]; detailedDiff: Record<string, DiffKind> } {
  const a = revealProps(olds).plain;
  const b = revealProps(news).plain;
  const changed: string[] = [];
  const detailedDiff: Record<string, DiffKind> = {};
  for (const key of CONFIG_KEYS) {
    if (a[key] === undefined && b[key] === undefined) continue;
    if (b[key] !== UNKNOWN && same(a[key], b[key])) continue;
    changed.push(key);
    detailedDiff[key] = a[key] === undefined ? "add" : b[key] === undefined ? "delete" : "update";
  }
  return { changed, detailedDiff };
}

/**
 * The settings as `configure` takes them (a stack-config lookup by `cvm-secrets:KEY`), from the
 * `Configure` arguments, else from its `variables` map (`cvm-secrets:config:KEY`).
 */
export function configRequest(
  args: Props | undefined,
  variables: ReadonlyMap<string, string>,
): pulumi.dynamic.ConfigureRequest {
  const { plain } = revealProps(args ?? {});
  const get = (key: string): string | undefined => {
    const name = key.replace(/^cvm-secrets:/, "");
    const value = plain[name] ?? variables.get(`cvm-secrets:config:${name}`);
    return typeof value === "string" ? value : undefined;
  };
  const config = { get, require: (key: string) => get(key) ?? "" };
  return { config } as unknown as pulumi.dynamic.ConfigureRequest;
}

/** Configure: the process's settings (each provider resource runs its own plugin process). */
export function configure(args: Props | undefined, variables: ReadonlyMap<string, string>): void {
  configureSettings(configRequest(args, variables));
}
