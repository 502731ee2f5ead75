/**
 * Test servers for the registry tier (research/registry.md §6):
 *  - {@link startEcrStandIn}: a stand-in for the ECR API that recomputes the SigV4 signature and
 *    answers `GetAuthorizationToken` with a token and an expiry;
 *  - {@link startRegistry}: the real Debian `docker-registry` on a free loopback port, with
 *    htpasswd (bcrypt) or token auth through {@link startTokenServer};
 *  - {@link seedImage}: pushes a tiny OCI image with plain HTTP uploads;
 *  - {@link startNotARegistry}: a plain HTTP server answering 404 JSON for `/v2/`.
 * Everything listens on 127.0.0.1 and is stopped by the returned `stop()`.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  createHash,
  createSign,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  timingSafeEqual,
} from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parseAuthorization, signRequest } from "../../provider/core/sigv4";

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** A free TCP port on 127.0.0.1 that nothing listens on (it was bound, then released). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await close(s);
  return port;
}

// --- ECR API stand-in -----------------------------------------------------------------------

/** Options of {@link startEcrStandIn}. */
export interface EcrStandInOptions {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
  accountId: string;
  /** Password encoded in the token (default random). */
  password?: string;
  /** Token lifetime in seconds (default 12 h). */
  lifetimeSeconds?: number;
  /** Registry host to return as proxyEndpoint (default the real-looking ECR host). */
  proxyEndpoint?: string;
}

/** A running ECR stand-in. */
export interface EcrStandIn {
  endpoint: string;
  /** Requests seen, with the outcome. */
  calls: { ok: boolean; reason?: string }[];
  password: string;
  stop(): Promise<void>;
}

/**
 * Starts a stand-in for the ECR API (`POST /`, JSON 1.1, `X-Amz-Target` GetAuthorizationToken)
 * that recomputes the SigV4 signature from the request and the known secret. Errors mimic AWS:
 * unknown key → 400 UnrecognizedClientException; bad signature → 403 InvalidSignatureException.
 */
export async function startEcrStandIn(opts: EcrStandInOptions): Promise<EcrStandIn> {
  const password = opts.password ?? randomBytes(24).toString("base64url");
  const calls: EcrStandIn["calls"] = [];
  const awsError = (res: ServerResponse, status: number, type: string, message: string) => {
    calls.push({ ok: false, reason: type });
    sendJson(
      res,
      status,
      { __type: type, message },
      { "x-amzn-errortype": type, "content-type": "application/x-amz-json-1.1" },
    );
  };
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    if (req.method !== "POST" || req.url !== "/")
      return awsError(res, 404, "UnknownOperationException", "only POST /");
    if (req.headers["x-amz-target"] !== "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken") {
      return awsError(res, 400, "UnknownOperationException", "unknown target");
    }
    if (req.headers["content-type"] !== "application/x-amz-json-1.1") {
      return awsError(res, 400, "SerializationException", "content-type must be application/x-amz-json-1.1");
    }
    const auth = parseAuthorization(String(req.headers.authorization ?? ""));
    const stamp = String(req.headers["x-amz-date"] ?? "");
    if (!auth || !/^\d{8}T\d{6}Z$/.test(stamp))
      return awsError(res, 400, "MissingAuthenticationTokenException", "missing SigV4");
    if (auth.accessKeyId !== opts.accessKeyId) {
      return awsError(
        res,
        400,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
      );
    }
    if ((req.headers["x-amz-security-token"] ?? undefined) !== opts.sessionToken) {
      return awsError(
        res,
        400,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
      );
    }
    if (auth.region !== opts.region || auth.service !== "ecr") {
      return awsError(
        res,
        403,
        "InvalidSignatureException",
        "Credential should be scoped to a valid region and service ecr.",
      );
    }
    const date = new Date(
      `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`,
    );
    const headers: Record<string, string> = {};
    for (const name of auth.signedHeaders) {
      const v = req.headers[name];
      if (v === undefined)
        return awsError(res, 403, "InvalidSignatureException", `signed header ${name} missing`);
      headers[name] = Array.isArray(v) ? v.join(",") : v;
    }
    delete headers["x-amz-date"];
    delete headers["x-amz-security-token"];
    const expected = signRequest(
      { method: req.method, url: `http://${req.headers.host}${req.url}`, headers, body },
      {
        credentials: {
          accessKeyId: opts.accessKeyId,
          secretAccessKey: opts.secretAccessKey,
          sessionToken: opts.sessionToken,
        },
        region: opts.region,
        service: "ecr",
        date,
      },
    );
    const a = Buffer.from(expected.signature);
    const b = Buffer.from(auth.signature);
    if (
      expected.signedHeaders !== auth.signedHeaders.join(";") ||
      a.length !== b.length ||
      !timingSafeEqual(a, b)
    ) {
      return awsError(
        res,
        403,
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided.",
      );
    }
    if (!auth.signedHeaders.includes("host") || !auth.signedHeaders.includes("x-amz-date")) {
      return awsError(res, 403, "InvalidSignatureException", "host and x-amz-date must be signed");
    }
    if (Math.abs(date.getTime() - Date.now()) > 5 * 60 * 1000) {
      return awsError(res, 403, "InvalidSignatureException", "Signature expired");
    }
    calls.push({ ok: true });
    const lifetime = opts.lifetimeSeconds ?? 12 * 3600;
    sendJson(
      res,
      200,
      {
        authorizationData: [
          {
            authorizationToken: Buffer.from(`AWS:${password}`).toString("base64"),
            expiresAt: Date.now() / 1000 + lifetime,
            proxyEndpoint: `https://${opts.proxyEndpoint ?? `${opts.accountId}.dkr.ecr.${opts.region}.amazonaws.com`}`,
          },
        ],
      },
      { "content-type": "application/x-amz-json-1.1" },
    );
  });
  const port = await listen(server);
  return { endpoint: `http://127.0.0.1:${port}`, calls, password, stop: () => close(server) };
}
