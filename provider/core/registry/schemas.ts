/**
 * One zod schema per registry type, with exactly the fields that type needs
 * (docs/installation-configuration.md, the registries' own documentation, the Docker CLI config format, the rendering targets). Every issue names the input property and
 * the rule; no message ever contains an input value.
 */
import { z } from "zod";
import { domainError, isDockerHub } from "../image-ref";
import { ACR_HOST, AWS_REGION, GAR_HOST, GCR_HOSTS, parseEcrHost } from "./hosts";

// A registry field: optional http(s):// scheme, host[:port], optional path (cut off later).
function registryField(rule?: (host: string) => string | undefined) {
  return z
    .string({
      error: (issue) => (issue.input === undefined ? "is required (the registry host)" : "must be a string"),
    })
    .superRefine((value, ctx) => {
      const m = /^(?:(https?):\/\/)?([^/]*)/i.exec(value.trim());
      const host = m?.[2] ?? "";
      const err = host === "" ? "the registry host must not be empty" : domainError(host);
      if (err !== undefined) {
        ctx.addIssue({ code: "custom", message: err });
        return;
      }
      const extra = rule?.(host.toLowerCase());
      if (extra !== undefined) ctx.addIssue({ code: "custom", message: extra });
    });
}

// Control characters (C0, DEL, C1).
const CONTROL = /\p{Cc}/u;

// Usernames: the Docker CLI splits `auth` at the first ':' and rejects an empty username
// (the Docker CLI config format); Akash trims whitespace (Akash SDL `credentials`); env files and YAML dislike control characters.
const username = z.string().superRefine((v, ctx) => {
  if (v === "") ctx.addIssue({ code: "custom", message: "must not be empty" });
  else if (v.includes(":"))
    ctx.addIssue({
      code: "custom",
      message: "must not contain ':' (docker splits user:password at the first ':')",
    });
  else if (v.trim() !== v) ctx.addIssue({ code: "custom", message: "must not start or end with whitespace" });
  else if (CONTROL.test(v))
    ctx.addIssue({ code: "custom", message: "must not contain control characters or newlines" });
});

// Passwords and tokens (Akash SDL `credentials`: Akash trims, so surrounding whitespace would change).
const secret = z.string().superRefine((v, ctx) => {
  if (v === "") ctx.addIssue({ code: "custom", message: "must not be empty" });
  else if (v.trim() !== v) ctx.addIssue({ code: "custom", message: "must not start or end with whitespace" });
  else if (CONTROL.test(v))
    ctx.addIssue({ code: "custom", message: "must not contain control characters or newlines" });
});

// Either `token` or `password` (the same thing under the name the platform uses), not both.
function requireOneSecret(preferred: "token" | "password") {
  return (v: { token?: string | undefined; password?: string | undefined }, ctx: z.RefinementCtx) => {
    if (v.token === undefined && v.password === undefined) {
      ctx.addIssue({ code: "custom", path: [preferred], message: `is required (give ${preferred})` });
    } else if (v.token !== undefined && v.password !== undefined) {
      ctx.addIssue({ code: "custom", path: ["token"], message: "give either token or password, not both" });
    }
  };
}

const withSecret = { password: secret.optional(), token: secret.optional() };

/** Docker Hub: Docker ID (not the e-mail) plus password or personal access token. */
export const dockerhubSchema = z
  .strictObject({
    type: z.string(),
    registry: registryField((h) =>
      isDockerHub(h) ? undefined : "a dockerhub credential's registry must be docker.io (or omitted)",
    ).optional(),
    username: username.refine((v) => !v.includes("@"), {
      message: "must be the Docker ID, not the e-mail address",
    }),
    ...withSecret,
  })
  .superRefine(requireOneSecret("password"));

/** GitHub Container Registry: GitHub user plus a classic PAT with `read:packages`. */
export const ghcrSchema = z
  .strictObject({
    type: z.string(),
    registry: registryField((h) =>
      h === "ghcr.io" ? undefined : "a ghcr credential's registry must be ghcr.io (or omitted)",
    ).optional(),
    username,
    ...withSecret,
  })
  .superRefine(requireOneSecret("token"));

const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;

/** Amazon ECR: IAM access key, region, and the registry host or account id. */
export const ecrSchema = z.strictObject({
  type: z.string(),
  ecr: z
    .strictObject({
      accessKeyId: z.string().regex(ACCESS_KEY_ID, {
        message: "must be 16-128 uppercase letters and digits (an AWS access key id)",
      }),
      secretAccessKey: secret,
      sessionToken: secret.optional(),
      endpoint: z
        .string()
        .regex(/^https?:\/\/[^\s/]+\/?$/, {
          message: "must be an http(s) URL with no path, e.g. a VPC endpoint",
        })
        .optional(),
      region: z.string().regex(AWS_REGION, { message: "must be an AWS region such as us-east-1" }).optional(),
      registry: registryField((h) =>
        parseEcrHost(h) ? undefined : "must be a private ECR host ACCOUNT.dkr.ecr.REGION.amazonaws.com",
      ).optional(),
      accountId: z
        .string()
        .regex(/^\d{12}$/, { message: "must be a 12-digit AWS account id" })
        .optional(),
    })
    .superRefine((v, ctx) => {
      if (v.registry === undefined && v.accountId === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["registry"],
          message: "is required (or give ecr.accountId and ecr.region)",
        });
      }
      if (v.registry === undefined && v.accountId !== undefined && v.region === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["region"],
          message: "is required when ecr.registry is not given",
        });
      }
      const host = v.registry === undefined ? undefined : parseEcrHost(hostOf(v.registry));
      if (host && v.region !== undefined && v.region !== host.region) {
        ctx.addIssue({ code: "custom", path: ["region"], message: "must equal the region in ecr.registry" });
      }
      if (host && v.accountId !== undefined && v.accountId !== host.accountId) {
        ctx.addIssue({
          code: "custom",
          path: ["accountId"],
          message: "must equal the account id in ecr.registry",
        });
      }
      if (v.accessKeyId.startsWith("ASIA") && v.sessionToken === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["sessionToken"],
          message: "is required with temporary (ASIA…) access keys",
        });
      }
    }),
});

/** Google service-account usernames (Google doc "Configure authentication … for Docker"). */
export const GCP_USERNAMES = ["_json_key", "_json_key_base64", "oauth2accesstoken"] as const;

const gcpFields = {
  username: z
    .enum(GCP_USERNAMES, { message: "must be _json_key, _json_key_base64 or oauth2accesstoken" })
    .optional(),
  password: z.string().optional(),
  serviceAccountKey: z.string().optional(),
};

function gcpRefine(
  v: { username?: string | undefined; password?: string | undefined; serviceAccountKey?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (v.serviceAccountKey !== undefined && v.password !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["serviceAccountKey"],
      message: "give either serviceAccountKey or password, not both",
    });
    return;
  }
  if (v.serviceAccountKey !== undefined) {
    if (v.username === "oauth2accesstoken") {
      ctx.addIssue({
        code: "custom",
        path: ["username"],
        message: "must be _json_key or _json_key_base64 with serviceAccountKey",
      });
    }
    const why = serviceAccountKeyError(v.serviceAccountKey, "any");
    if (why) ctx.addIssue({ code: "custom", path: ["serviceAccountKey"], message: why });
    return;
  }
  if (v.password === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["serviceAccountKey"],
      message: "is required (the service-account JSON key), or give username and password",
    });
    return;
  }
  if (v.username === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["username"],
      message: "is required with password (_json_key, _json_key_base64 or oauth2accesstoken)",
    });
    return;
  }
  if (v.username === "oauth2accesstoken") {
    const r = secret.safeParse(v.password);
    if (!r.success)
      ctx.addIssue({
        code: "custom",
        path: ["password"],
        message: r.error.issues[0]?.message ?? "is invalid",
      });
    return;
  }
  const why = serviceAccountKeyError(v.password, v.username === "_json_key" ? "json" : "base64");
  if (why) ctx.addIssue({ code: "custom", path: ["password"], message: why });
}

/** Google Container Registry hosts (`gcr.io`, `us.gcr.io`, `eu.gcr.io`, `asia.gcr.io`). */
export const gcrSchema = z
  .strictObject({
    type: z.string(),
    registry: registryField((h) =>
      GCR_HOSTS.includes(h)
        ? undefined
        : `a gcr credential's registry must be one of ${GCR_HOSTS.join(", ")}`,
    ).optional(),
    ...gcpFields,
  })
  .superRefine(gcpRefine);

/** Google Artifact Registry: `LOCATION-docker.pkg.dev`, given as `registry` or `region`. */
export const garSchema = z
  .strictObject({
    type: z.string(),
    registry: registryField((h) =>
      GAR_HOST.test(h) ? undefined : "a gar credential's registry must be LOCATION-docker.pkg.dev",
    ).optional(),
    region: z
      .string()
      .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, {
        message: "must be an Artifact Registry location such as us-central1 or europe",
      })
      .optional(),
    ...gcpFields,
  })
  .superRefine((v, ctx) => {
    if (v.registry === undefined && v.region === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["registry"],
        message: "is required (LOCATION-docker.pkg.dev), or give region",
      });
    }
    if (
      v.registry !== undefined &&
      v.region !== undefined &&
      GAR_HOST.exec(hostOf(v.registry).toLowerCase())?.[1] !== v.region
    ) {
      ctx.addIssue({ code: "custom", path: ["region"], message: "must equal the location in registry" });
    }
    gcpRefine(v, ctx);
  });

/** Azure Container Registry: login server plus service principal, admin or token credentials. */
export const acrSchema = z
  .strictObject({
    type: z.string(),
    registry: registryField((h) =>
      ACR_HOST.test(h) ? undefined : "an acr credential's registry must be the login server NAME.azurecr.io",
    ),
    username,
    ...withSecret,
  })
  .superRefine(requireOneSecret("password"));

/** Quay robot usernames: `namespace+robot` (the registries' own documentation). */
export const QUAY_ROBOT = /^[a-z0-9_]{2,255}\+[a-z][a-z0-9_]{1,254}$/;

/** Red Hat Quay (quay.io or self-hosted): robot account plus robot token. */
export const quaySchema = z
  .strictObject({
    type: z.string(),
    registry: registryField().optional(),
    username: username.refine((v) => QUAY_ROBOT.test(v), {
      message: "must be a Quay robot account, namespace+robot",
    }),
    ...withSecret,
  })
  .superRefine(requireOneSecret("token"));

/** GitLab (registry.gitlab.com or self-managed): deploy token or access token with read_registry. */
export const gitlabSchema = z
  .strictObject({ type: z.string(), registry: registryField().optional(), username, ...withSecret })
  .superRefine(requireOneSecret("token"));

/** Any other registry (distribution, Harbor, Artifactory, Nexus, Zot, …). */
export const customSchema = z
  .strictObject({ type: z.string(), registry: registryField(), username, ...withSecret })
  .superRefine(requireOneSecret("password"));

/** Anonymous pulls: no credential fields at all. */
export const publicSchema = z.strictObject({ type: z.string(), registry: registryField().optional() });

/** `host[:port]` of a registry field (scheme and path removed). */
export function hostOf(registry: string): string {
  return /^(?:https?:\/\/)?([^/]*)/i.exec(registry.trim())?.[1] ?? "";
}

interface ServiceAccountKey {
  type: string;
  client_email: string;
  private_key: string;
}

function asServiceAccountKey(v: unknown): ServiceAccountKey | string {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "must be a JSON object";
  const o = v as Record<string, unknown>;
  if (o.type !== "service_account") return 'must have "type": "service_account"';
  if (typeof o.client_email !== "string" || o.client_email === "") return "must have a client_email";
  if (typeof o.private_key !== "string" || o.private_key === "") return "must have a private_key";
  return o as unknown as ServiceAccountKey;
}

/**
 * Decodes a service-account key given as JSON (`json`), as base64 of JSON (`base64`) or as
 * either (`any`). Returns the compact JSON text, or a reason (never containing the value).
 */
export function decodeServiceAccountKey(
  value: string,
  form: "json" | "base64" | "any",
): { json: string } | { reason: string } {
  const trimmed = value.trim();
  let text: string | undefined;
  if (form !== "base64" && trimmed.startsWith("{")) text = trimmed;
  else if (form !== "json" && /^[A-Za-z0-9+/=_-]+$/.test(trimmed))
    text = Buffer.from(trimmed, "base64").toString("utf8");
  if (text === undefined) {
    return {
      reason:
        form === "json"
          ? "must be the service-account JSON key (username _json_key)"
          : form === "base64"
            ? "must be the base64 of the service-account JSON key (username _json_key_base64)"
            : "must be the service-account JSON key, or its base64",
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { reason: form === "base64" ? "does not decode to JSON" : "is not valid JSON" };
  }
  const key = asServiceAccountKey(parsed);
  if (typeof key === "string") return { reason: key };
  return { json: JSON.stringify(parsed) };
}

function serviceAccountKeyError(value: string, form: "json" | "base64" | "any"): string | undefined {
  const r = decodeServiceAccountKey(value, form);
  return "reason" in r ? r.reason : undefined;
}
