/**
 * A local npm registry on 127.0.0.1 for the publish rehearsal: verdaccio (installed on demand by
 * scripts/verdaccio.sh into the toolchain cache, not a devDependency), its storage in a scratch
 * directory, this package served only from it, every other package proxied from the registry npm
 * itself is configured with (`npm config get registry`: the one `npm ci` uses here, whatever
 * host that is), so a fresh project can install its other dependencies through it. A publisher
 * is registered by the npm registry API's user creation (`PUT /-/user/org.couchdb.user:NAME`,
 * what `npm adduser` sends), and its token goes into a scratch npm user config, never the real
 * one.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { NPM_ENV } from "./package";
import { REPO_ROOT } from "./pulumi";

export interface NpmRegistry {
  /** The registry's URL, `http://127.0.0.1:<port>/`. */
  url: string;
  /** An npm user config file holding only `registry` and the publisher's token. */
  publisherConfig: string;
  /** How long installing verdaccio took (0 when it was already in the cache), in ms. */
  installMs: number;
  close(): Promise<void>;
}

/** The directory of the verdaccio package, installing it into the cache first if needed. */
function verdaccioPackage(): string {
  return execFileSync("bash", [path.join(REPO_ROOT, "scripts", "verdaccio.sh")], {
    env: NPM_ENV,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 600_000,
  }).trim();
}

function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(
      () => reject(new Error(`verdaccio did not start in ${timeoutMs} ms\n${err}`)),
      timeoutMs,
    );
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) {
        clearTimeout(timer);
        resolve(out.slice(0, out.indexOf("\n")));
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`verdaccio exited ${code}\n${err}`));
    });
  });
}

/** Starts the registry with its storage under `work`, serving `localPackage` only from itself. */
export async function startNpmRegistry(work: string, localPackage: string): Promise<NpmRegistry> {
  const started = Date.now();
  const pkg = verdaccioPackage();
  const installMs = Date.now() - started;
  const uplink = execFileSync("npm", ["config", "get", "registry"], {
    env: NPM_ENV,
    encoding: "utf8",
  }).trim();
  if (!/^https?:\/\//.test(uplink)) throw new Error(`npm's registry is not an http(s) URL: ${uplink}`);
  const storage = path.join(work, "verdaccio");
  mkdirSync(storage, { recursive: true });
  const child = spawn(
    process.execPath,
    [path.join(__dirname, "verdaccio-server.js"), pkg, storage, uplink, localPackage],
    { env: { ...NPM_ENV, NODE_ENV: "production" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const close = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  try {
    const { port } = JSON.parse(await firstLine(child, 60_000)) as { port: number };
    const url = `http://127.0.0.1:${port}/`;
    const user = "release-rehearsal";
    const res = await fetch(`${url}-/user/org.couchdb.user:${user}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: user, password: `pw-${process.pid}-${Date.now()}` }),
    });
    const body = (await res.json()) as { token?: string };
    if (res.status !== 201 || !body.token) throw new Error(`adding the publisher failed: ${res.status}`);
    const publisherConfig = path.join(work, "publisher.npmrc");
    writeFileSync(publisherConfig, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${body.token}\n`);
    return { url, publisherConfig, installMs, close };
  } catch (error) {
    await close();
    throw error;
  }
}
