/**
 * `validateCredential`: resource inputs → a normalised {@link Credential}, or every failure with
 * the input property it concerns and the rule (docs/installation-configuration.md). Pure; no I/O.
 */
import type { z } from "zod";
import { DOCKER_HUB, parseRegistryHost } from "../image-ref";
import { credentialOf, fieldRule, inputsOf } from "./field-rules";
import { ecrHost, parseEcrHost } from "./hosts";
import {
  acrSchema,
  customSchema,
  decodeServiceAccountKey,
  dockerhubSchema,
  ecrSchema,
  garSchema,
  gcrSchema,
  ghcrSchema,
  gitlabSchema,
  publicSchema,
  quaySchema,
} from "./schemas";
import {
  type Credential,
  normaliseRegistryType,
  REGISTRY_TYPES,
  type RegistryType,
  type ValidationFailure,
  type ValidationResult,
} from "./types";

const SCHEMAS: Readonly<Record<RegistryType, z.ZodType>> = {
  dockerhub: dockerhubSchema,
  ghcr: ghcrSchema,
  ecr: ecrSchema,
  acr: acrSchema,
  gcr: gcrSchema,
  gar: garSchema,
  quay: quaySchema,
  gitlab: gitlabSchema,
  custom: customSchema,
  public: publicSchema,
};

/** Default registry host per type, when the type has one. */
export const DEFAULT_HOSTS: Readonly<Partial<Record<RegistryType, string>>> = {
  dockerhub: DOCKER_HUB,
  ghcr: "ghcr.io",
  gcr: "gcr.io",
  quay: "quay.io",
  gitlab: "registry.gitlab.com",
  public: DOCKER_HUB,
};

// Inputs of the resource that are not part of the credential itself.
const RESOURCE_ONLY_KEYS = new Set(["verify"]);

function issuePath(issue: z.core.$ZodIssue): string {
  return issue.path.map((p) => String(p)).join(".");
}

/**
 * Validates and normalises registry credential inputs. Property names in failures match the
 * resource inputs (`type`, `username`, `token`, `ecr.region`, …); reasons never contain values.
 */
export function validateCredential(input: unknown): ValidationResult {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { ok: false, failures: [{ property: "", reason: "the credential must be an object" }] };
  }
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    // Pulumi passes absent optional inputs as undefined; treat them as not given.
    if (!RESOURCE_ONLY_KEYS.has(k) && v !== undefined) raw[k] = v;
  }
  const type = normaliseRegistryType(raw.type);
  if (type === undefined) {
    return {
      ok: false,
      failures: [
        { property: "type", reason: `must be one of ${REGISTRY_TYPES.join(", ")} (case-insensitive)` },
      ],
    };
  }
  const parsed = SCHEMAS[type].safeParse(raw);
  if (!parsed.success) {
    const failures: ValidationFailure[] = [];
    const seen = new Set<string>();
    for (const issue of parsed.error.issues) {
      const keys =
        issue.code === "unrecognized_keys"
          ? issue.keys.map((k) => [...issue.path, k].join("."))
          : [issuePath(issue)];
      for (const property of keys) {
        const reason =
          issue.code === "unrecognized_keys"
            ? `is not an input of ${credentialOf(type)} (its inputs: ${inputsOf(type).join(", ")})`
            : inWords(type, issue, property, raw);
        const id = `${property}\u0000${reason}`;
        if (!seen.has(id)) {
          seen.add(id);
          failures.push({ property, reason });
        }
      }
    }
    return { ok: false, failures };
  }
  return { ok: true, credential: build(type, parsed.data as Record<string, unknown>) };
}

/**
 * An issue's reason: the schema's own words, or for an issue zod worded itself (a missing
 * input, one of another type: "Invalid input: expected string, received undefined") the rule
 * in words (field-rules.ts).
 */
function inWords(
  type: RegistryType,
  issue: z.core.$ZodIssue,
  property: string,
  raw: Record<string, unknown>,
): string {
  if (issue.code !== "invalid_type" && !issue.message.startsWith("Invalid input")) return issue.message;
  const given = issue.path.reduce<unknown>(
    (at, key) =>
      at !== null && typeof at === "object"
        ? (at as Record<PropertyKey, unknown>)[key as PropertyKey]
        : undefined,
    raw,
  );
  const expected = issue.code === "invalid_type" ? String(issue.expected) : undefined;
  return fieldRule(type, property, given === undefined ? "missing" : "wrong-type", expected);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function build(type: RegistryType, v: Record<string, unknown>): Credential {
  const reg = str(v.registry);
  const parsedHost = reg === undefined ? undefined : parseRegistryHost(reg);
  const insecure = parsedHost?.insecure ?? false;
  if (type === "ecr") {
    const e = v.ecr as Record<string, string | undefined>;
    const host =
      e.registry !== undefined
        ? parseRegistryHost(e.registry).key
        : ecrHost(e.accountId ?? "", e.region ?? "");
    const parts = parseEcrHost(host);
    const out: Credential = {
      type,
      registry: host,
      accountId: parts?.accountId ?? "",
      region: parts?.region ?? "",
      accessKeyId: e.accessKeyId ?? "",
      secretAccessKey: e.secretAccessKey ?? "",
      insecure: false,
    };
    if (e.sessionToken !== undefined) out.sessionToken = e.sessionToken;
    if (e.endpoint !== undefined) out.endpoint = e.endpoint;
    return out;
  }
  let registry = parsedHost?.key ?? DEFAULT_HOSTS[type] ?? "";
  if (type === "gar" && reg === undefined) registry = `${str(v.region)}-docker.pkg.dev`;
  if (type === "public") return { type, registry, insecure };
  if (type === "gcr" || type === "gar") {
    const sak = str(v.serviceAccountKey);
    if (sak !== undefined) {
      const decoded = decodeServiceAccountKey(sak, "any");
      const json = "json" in decoded ? decoded.json : "";
      const username = str(v.username) ?? "_json_key_base64";
      const password = username === "_json_key" ? json : Buffer.from(json, "utf8").toString("base64");
      return { type, registry, username, password, insecure };
    }
    return { type, registry, username: str(v.username) ?? "", password: str(v.password) ?? "", insecure };
  }
  const password = str(v.token) ?? str(v.password) ?? "";
  return { type, registry, username: str(v.username) ?? "", password, insecure };
}
