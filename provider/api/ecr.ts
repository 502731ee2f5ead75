/**
 * Amazon ECR `GetAuthorizationToken`, SigV4-signed by hand (no AWS SDK), JSON 1.1 protocol
 * (registry behaviour, the registries' own documentation). The token is a 12 h Basic credential
 * `AWS:<password>` for the registry at `proxyEndpoint`. Bounded: the call lasts at most
 * `timeoutMs` in all, and at most {@link ECR_MAX_BODY_BYTES} (64 KiB) of the answer is read.
 */
import { request } from "undici";
import { signRequest } from "../core/sigv4";
import { CvmSecretsError, ErrorCodes } from "../errors";
import { BodyTooLarge, readBounded } from "./bounded-read";

/** Most bytes of a `GetAuthorizationToken` answer read (one token is about 2–3 KiB). */
export const ECR_MAX_BODY_BYTES = 64 * 1024;

/** Inputs of {@link getAuthorizationToken}. */
export interface EcrTokenRequest {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
  region: string;
  /** API endpoint; default `https://api.ecr.REGION.amazonaws.com` (`.com.cn` for `cn-*`). */
  endpoint?: string | undefined;
  /** Per-request timeout, default 15 s. */
  timeoutMs?: number | undefined;
  /** Signing clock (tests). */
  now?: Date | undefined;
}

/** A registry login from ECR: Basic credentials and their expiry. */
export interface EcrToken {
  /** Always `AWS`. */
  username: string;
  password: string;
  /** Registry host from `proxyEndpoint`, without scheme. */
  registry: string;
  /** ISO 8601 expiry (12 h after issue). */
  expiresAt: string;
}

const TARGET = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";

/** Refresh when a token has expired or expires within this many milliseconds (1 hour). */
export const REFRESH_MARGIN_MS = 60 * 60 * 1000;

/** The default ECR API endpoint of a region. */
export function ecrEndpoint(region: string): string {
  return `https://api.ecr.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;
}

// One sentence on what to do, per AWS error type (the registries' own documentation).
const ADVICE: Readonly<Record<string, string>> = {
  UnrecognizedClientException:
    "the access key id or session token is not valid: check ecr.accessKeyId and ecr.sessionToken",
  InvalidClientTokenId: "the access key id is not valid: check ecr.accessKeyId",
  InvalidSignatureException: "the request signature did not match: check ecr.secretAccessKey",
  SignatureDoesNotMatch: "the request signature did not match: check ecr.secretAccessKey",
  ExpiredTokenException: "the session token has expired: renew ecr.sessionToken",
  AccessDeniedException:
    'the IAM identity may not call ecr:GetAuthorizationToken (it needs Resource "*"): grant it',
};

function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join("[redacted]");
  return out;
}

function fail(message: string, details: Record<string, string | number | undefined> = {}): CvmSecretsError {
  return new CvmSecretsError(ErrorCodes.REGISTRY_CHECK_FAILED, message, details);
}

/**
 * Calls ECR `GetAuthorizationToken` in `region` and decodes the token.
 *
 * @throws CvmSecretsError REGISTRY_CHECK_FAILED naming the AWS error type and what to do;
 *   messages never contain the secret key, the session token or the returned password
 */
export async function getAuthorizationToken(req: EcrTokenRequest): Promise<EcrToken> {
  const endpoint = (req.endpoint ?? ecrEndpoint(req.region)).replace(/\/+$/, "");
  const url = `${endpoint}/`;
  const body = "{}";
  const signed = signRequest(
    {
      method: "POST",
      url,
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": TARGET },
      body,
    },
    {
      credentials: {
        accessKeyId: req.accessKeyId,
        secretAccessKey: req.secretAccessKey,
        sessionToken: req.sessionToken,
      },
      region: req.region,
      service: "ecr",
      date: req.now ?? new Date(),
    },
  );
  const { host: _host, ...headers } = signed.headers;
  const timeout = req.timeoutMs ?? 15_000;
  const secrets = [req.secretAccessKey, req.sessionToken];
  let status: number;
  let text: string;
  let errorType: string | undefined;
  try {
    const res = await request(url, {
      method: "POST",
      headers,
      body,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: AbortSignal.timeout(timeout),
    });
    status = res.statusCode;
    const h = res.headers["x-amzn-errortype"];
    errorType = Array.isArray(h) ? h[0] : h;
    text = await readBounded(res.body, ECR_MAX_BODY_BYTES, { contentLength: res.headers["content-length"] });
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      throw fail(
        `ECR GetAuthorizationToken: ${error.message} from ${endpoint}, which is no token answer: check ecr.region`,
        {
          endpoint,
        },
      );
    }
    const code = (error as { code?: string }).code ?? (error as Error).name;
    throw fail(
      `ECR GetAuthorizationToken: cannot reach ${endpoint} (${code}): check ecr.region and network egress`,
      {
        endpoint,
        cause: code,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (status < 200 || status > 299) {
    const obj = (json ?? {}) as { __type?: unknown; message?: unknown; Message?: unknown };
    const rawType = typeof obj.__type === "string" ? obj.__type : (errorType ?? `HTTP ${status}`);
    const type = rawType.split("#").pop()?.split(":")[0] ?? rawType;
    const awsMessage =
      typeof obj.message === "string" ? obj.message : typeof obj.Message === "string" ? obj.Message : "";
    const advice = ADVICE[type] ?? "check the ECR credentials and region";
    const said = awsMessage === "" ? "" : ` (AWS: ${redact(awsMessage, secrets).slice(0, 300)})`;
    throw fail(`ECR GetAuthorizationToken failed with ${type}: ${advice}${said}`, {
      status,
      awsErrorType: type,
    });
  }
  const data = (json as { authorizationData?: unknown } | undefined)?.authorizationData;
  const first = Array.isArray(data) ? (data[0] as Record<string, unknown> | undefined) : undefined;
  const token = first?.authorizationToken;
  const proxy = first?.proxyEndpoint;
  const expires = first?.expiresAt;
  if (
    typeof token !== "string" ||
    typeof proxy !== "string" ||
    (typeof expires !== "number" && typeof expires !== "string")
  ) {
    throw fail(
      "ECR GetAuthorizationToken returned no authorizationData with token, proxyEndpoint and expiresAt",
      { status },
    );
  }
  const decoded = Buffer.from(token, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) throw fail("ECR GetAuthorizationToken returned a token that is not base64(user:password)");
  const expiresAt = new Date(typeof expires === "number" ? expires * 1000 : expires);
  if (Number.isNaN(expiresAt.getTime()))
    throw fail("ECR GetAuthorizationToken returned an unreadable expiresAt");
  return {
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
    registry: proxy.replace(/^https?:\/\//i, "").replace(/\/.*$/, ""),
    expiresAt: expiresAt.toISOString(),
  };
}

/**
 * True when a token must be fetched again: no or unreadable expiry, already expired, or
 * expiring within {@link REFRESH_MARGIN_MS} of `now` (docs/installation-configuration.md).
 */
export function needsRefresh(expiresAt: string | Date | undefined, now: Date = new Date()): boolean {
  if (expiresAt === undefined) return true;
  const t = (typeof expiresAt === "string" ? new Date(expiresAt) : expiresAt).getTime();
  if (Number.isNaN(t)) return true;
  return t - now.getTime() <= REFRESH_MARGIN_MS;
}
