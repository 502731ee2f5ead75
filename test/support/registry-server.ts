/**
 * Test servers for the registry tier (the registry: Debian's `docker-registry`, CNCF distribution
 * 2.8.2, distribution/distribution):
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
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
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

// --- real docker-registry -------------------------------------------------------------------

const ROOT = join(__dirname, "..", "..");

function which(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/bin", "/usr/sbin", "/bin"])) {
    const p = join(dir, bin);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Paths of `docker-registry`, `htpasswd` and `openssl`; runs scripts/install-debian-packages.sh
 * once when one is missing, and fails with a clear message if they are still missing.
 */
export function registryBinaries(): { registry: string; htpasswd: string; openssl: string } {
  let registry = which("docker-registry");
  let htpasswd = which("htpasswd");
  let openssl = which("openssl");
  if (!registry || !htpasswd || !openssl) {
    try {
      execFileSync("bash", [join(ROOT, "scripts", "install-debian-packages.sh")], {
        stdio: "pipe",
        timeout: 600_000,
      });
    } catch {
      // Reported below.
    }
    registry = which("docker-registry");
    htpasswd = which("htpasswd");
    openssl = which("openssl");
  }
  if (!registry || !htpasswd || !openssl) {
    const missing = [
      !registry && "docker-registry",
      !htpasswd && "htpasswd (apache2-utils)",
      !openssl && "openssl",
    ]
      .filter(Boolean)
      .join(", ");
    throw new Error(
      `The registry tests need ${missing}: run 'bash scripts/install-debian-packages.sh' as root (Debian/Ubuntu: apt-get install docker-registry apache2-utils openssl).`,
    );
  }
  return { registry, htpasswd, openssl };
}

/** Per-user grants of the token server: repository name (or `prefix/*`, `*`) → actions. */
export type Grants = Record<string, Record<string, string[]>>;

/** Options of {@link startTokenServer}. */
export interface TokenServerOptions {
  /** user → password. */
  users: Record<string, string>;
  grants: Grants;
  service: string;
  issuer: string;
  /** PEM private key and certificate (the registry's rootcertbundle). */
  keyPem: string;
  certPem: string;
}

/** A running token server. */
export interface TokenServer {
  realm: string;
  /** Token requests seen: account and granted scope, never passwords. */
  requests: { user?: string; scope?: string; status: number }[];
  stop(): Promise<void>;
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

function allowed(grants: Record<string, string[]> | undefined, name: string): string[] {
  if (!grants) return [];
  const out = new Set<string>();
  for (const [pattern, actions] of Object.entries(grants)) {
    const hit =
      pattern === "*" ||
      pattern === name ||
      (pattern.endsWith("/*") && name.startsWith(pattern.slice(0, -1)));
    if (hit) for (const a of actions) out.add(a);
  }
  return [...out];
}

/**
 * A small token server (the Docker registry token spec: distribution/distribution,
 * docs/spec/auth/token.md and jwt.md): checks Basic credentials (401 JSON on
 * failure), grants the requested actions a user is allowed per repository (possibly none, as
 * the spec requires), and returns an RS256 JWT with an `x5c` header.
 */
export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const requests: TokenServer["requests"] = [];
  const x5c = opts.certPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname !== "/token") return sendJson(res, 404, { error: "not found" });
    let user: string | undefined;
    const auth = req.headers.authorization;
    if (auth) {
      const m = /^Basic (.+)$/i.exec(auth);
      const decoded = m ? Buffer.from(m[1] ?? "", "base64").toString("utf8") : "";
      const i = decoded.indexOf(":");
      const u = decoded.slice(0, i);
      const p = decoded.slice(i + 1);
      if (i < 0 || opts.users[u] === undefined || opts.users[u] !== p) {
        requests.push({ user: i < 0 ? undefined : u, status: 401 });
        return sendJson(
          res,
          401,
          { errors: [{ code: "UNAUTHORIZED", message: "invalid username or password" }] },
          {
            "www-authenticate": 'Basic realm="token"',
          },
        );
      }
      user = u;
    }
    const access: { type: string; name: string; actions: string[] }[] = [];
    const scopes = url.searchParams.getAll("scope");
    for (const scope of scopes) {
      const [type, name, actions] = scope.split(":");
      if (type !== "repository" || !name || !actions) continue;
      const may = allowed(opts.grants[user ?? "anonymous"], name);
      access.push({ type, name, actions: actions.split(",").filter((a) => may.includes(a)) });
    }
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: "JWT", alg: "RS256", x5c: [x5c] };
    const claims = {
      iss: opts.issuer,
      sub: user ?? "",
      aud: opts.service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign("RSA-SHA256").update(input).sign(opts.keyPem).toString("base64url");
    const token = `${input}.${signature}`;
    requests.push({ user, scope: scopes.join(" "), status: 200 });
    sendJson(res, 200, {
      token,
      access_token: token,
      expires_in: 300,
      issued_at: new Date(now * 1000).toISOString(),
    });
  });
  const port = await listen(server);
  return { realm: `http://127.0.0.1:${port}/token`, requests, stop: () => close(server) };
}

/** Options of {@link startRegistry}. */
export interface RegistryOptions {
  auth: "htpasswd" | "token";
  /** user → password. */
  users: Record<string, string>;
  /** Token auth only: who may do what. */
  grants?: Grants;
}

/** A running docker-registry (and its token server). */
export interface RunningRegistry {
  /** `127.0.0.1:PORT`. */
  host: string;
  base: string;
  tokenServer?: TokenServer;
  /** Reads the registry log (for failure diagnostics). */
  log(): string;
  stop(): Promise<void>;
}

async function waitForPing(base: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  let lastError = "";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(
        `docker-registry exited with ${child.exitCode}; log: ${safeRead(logFile).slice(-2000)}`,
      );
    }
    try {
      const res = await fetch(`${base}/v2/`);
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) return;
      lastError = `HTTP ${res.status}`;
    } catch (e) {
      lastError = String((e as Error).message);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `docker-registry did not answer ${base}/v2/ within 20 s (${lastError}); log: ${safeRead(logFile).slice(-2000)}`,
  );
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/**
 * Starts Debian's `docker-registry` on a free 127.0.0.1 port with a generated config and a fresh
 * filesystem storage dir (its `auth.htpasswd` and `auth.token` settings: distribution/distribution,
 * docs/configuration.md). Plain HTTP: loopback only.
 */
export async function startRegistry(opts: RegistryOptions): Promise<RunningRegistry> {
  const bins = registryBinaries();
  const dir = mkdtempSync(join(tmpdir(), "cvms-registry-"));
  mkdirSync(join(dir, "data"));
  const port = await closedPort();
  let tokenServer: TokenServer | undefined;
  let authYaml: string;
  if (opts.auth === "htpasswd") {
    const lines = Object.entries(opts.users).map(([u, p]) =>
      execFileSync(bins.htpasswd, ["-Bbn", u, p], { encoding: "utf8" }).trim(),
    );
    writeFileSync(join(dir, "htpasswd"), `${lines.join("\n")}\n`, { mode: 0o600 });
    authYaml = `auth:\n  htpasswd:\n    realm: test-realm\n    path: ${join(dir, "htpasswd")}\n`;
  } else {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    writeFileSync(join(dir, "token.key"), keyPem, { mode: 0o600 });
    execFileSync(
      bins.openssl,
      [
        "req",
        "-x509",
        "-new",
        "-key",
        join(dir, "token.key"),
        "-out",
        join(dir, "token.crt"),
        "-days",
        "2",
        "-subj",
        "/CN=test-token-issuer",
      ],
      { stdio: "pipe" },
    );
    const certPem = safeRead(join(dir, "token.crt"));
    tokenServer = await startTokenServer({
      users: opts.users,
      grants: opts.grants ?? {},
      service: "test-registry",
      issuer: "test-issuer",
      keyPem,
      certPem,
    });
    authYaml = `auth:\n  token:\n    realm: ${tokenServer.realm}\n    service: test-registry\n    issuer: test-issuer\n    rootcertbundle: ${join(dir, "token.crt")}\n`;
  }
  const config =
    "version: 0.1\n" +
    "log:\n  level: info\n" +
    `storage:\n  filesystem:\n    rootdirectory: ${join(dir, "data")}\n  delete:\n    enabled: true\n` +
    `http:\n  addr: 127.0.0.1:${port}\n  secret: ${randomBytes(16).toString("hex")}\n` +
    authYaml;
  writeFileSync(join(dir, "config.yml"), config);
  const logFile = join(dir, "registry.log");
  const fd = openSync(logFile, "a");
  const child = spawn(bins.registry, ["serve", join(dir, "config.yml")], {
    stdio: ["ignore", fd, fd],
    detached: false,
  });
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 3000)))]);
      clearTimeout(timer);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    try {
      closeSync(fd);
    } catch {
      // Already closed by an earlier stop().
    }
    await tokenServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPing(base, child, logFile);
  } catch (e) {
    await stop();
    throw e;
  }
  const out: RunningRegistry = { host: `127.0.0.1:${port}`, base, log: () => safeRead(logFile), stop };
  if (tokenServer) out.tokenServer = tokenServer;
  return out;
}

/** What {@link seedImage} pushed. */
export interface SeededImage {
  repository: string;
  tag: string;
  /** Manifest digest (`sha256:…` of the exact bytes sent). */
  digest: string;
}

/**
 * Pushes a tiny OCI image with plain HTTP uploads (the OCI distribution spec's push:
 * opencontainers/distribution-spec, spec.md; the manifest: opencontainers/image-spec,
 * manifest.md): one gzip layer and
 * a config blob, each by POST-then-PUT, then the manifest by PUT. Authenticates with Basic, or
 * for token registries with a push token from `tokenRealm`.
 */
export async function seedImage(
  base: string,
  repository: string,
  tag: string,
  auth: { username: string; password: string; tokenRealm?: string; service?: string },
): Promise<SeededImage> {
  const basicHeader = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
  let authorization = basicHeader;
  if (auth.tokenRealm) {
    const u = new URL(auth.tokenRealm);
    u.searchParams.set("service", auth.service ?? "test-registry");
    u.searchParams.set("scope", `repository:${repository}:pull,push`);
    const r = await fetch(u, { headers: { authorization: basicHeader } });
    if (r.status !== 200) throw new Error(`seed: token server answered ${r.status}`);
    authorization = `Bearer ${((await r.json()) as { token: string }).token}`;
  }
  const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
  const raw = Buffer.from(`hello from ${repository}:${tag}\n`);
  const layer = gzipSync(raw);
  const configBlob = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: {},
      rootfs: { type: "layers", diff_ids: [sha(raw)] },
    }),
  );
  for (const blob of [layer, configBlob]) {
    const digest = sha(blob);
    const start = await fetch(`${base}/v2/${repository}/blobs/uploads/`, {
      method: "POST",
      headers: { authorization },
    });
    await start.arrayBuffer();
    if (start.status !== 202) throw new Error(`seed: upload start answered ${start.status}`);
    const location = new URL(start.headers.get("location") ?? "", base);
    location.searchParams.set("digest", digest);
    const put = await fetch(location, {
      method: "PUT",
      headers: { authorization, "content-type": "application/octet-stream" },
      body: new Uint8Array(blob),
    });
    await put.arrayBuffer();
    if (put.status !== 201) throw new Error(`seed: blob PUT answered ${put.status}`);
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: sha(configBlob),
        size: configBlob.length,
      },
      layers: [
        { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha(layer), size: layer.length },
      ],
    }),
  );
  const put = await fetch(`${base}/v2/${repository}/manifests/${tag}`, {
    method: "PUT",
    headers: { authorization, "content-type": "application/vnd.oci.image.manifest.v1+json" },
    body: new Uint8Array(manifest),
  });
  await put.arrayBuffer();
  if (put.status !== 201) throw new Error(`seed: manifest PUT answered ${put.status}`);
  const digest = put.headers.get("docker-content-digest") ?? "";
  if (digest !== sha(manifest)) throw new Error("seed: registry digest differs from the manifest's sha256");
  return { repository, tag, digest };
}

/** A plain HTTP server that is not a registry: 404 JSON for everything, `/v2/` included. */
export async function startNotARegistry(): Promise<{ host: string; stop(): Promise<void> }> {
  const server = createServer((_req, res) => sendJson(res, 404, { error: "not found" }));
  const port = await listen(server);
  return { host: `127.0.0.1:${port}`, stop: () => close(server) };
}
