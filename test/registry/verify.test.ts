/**
 * verifyPull against Debian's real docker-registry (CNCF distribution 2.8.2, distribution/distribution;
 * its docs/configuration.md for the htpasswd and token auth it is configured with), started here on
 * free loopback ports: once with htpasswd (bcrypt) auth, once with token auth through our token
 * server. If docker-registry is missing and cannot be installed, this fails with a clear message.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../../emulator/index";
import type { VerifyResult } from "../../provider/api/registry/outcomes";
import { verifyPull } from "../../provider/api/registry/verify";
import { type Credential, validateCredential } from "../../provider/core/registry/index";
import {
  closedPort,
  type RunningRegistry,
  registryBinaries,
  type SeededImage,
  seedImage,
  startNotARegistry,
  startRegistry,
} from "../support/registry-server";

jest.setTimeout(60_000);

const ALICE_PW = "alice-Pa55word-XYZ";
const BOB_PW = "bob-Pa55word-QRS";
const WRONG_PW = "definitely-Wrong-pw-123";
const SECRETS = [ALICE_PW, BOB_PW, WRONG_PW];

function cred(host: string, username: string, password: string): Credential {
  const r = validateCredential({ type: "custom", registry: `http://${host}`, username, password });
  if (!r.ok) throw new Error(JSON.stringify(r.failures));
  return r.credential;
}

async function check(image: string, credential: Credential): Promise<VerifyResult> {
  const r = await verifyPull({ image, credential, allowInsecureLoopback: true, timeoutMs: 10_000 });
  if (!r.ok) for (const s of SECRETS) expect(r.message).not.toContain(s);
  return r;
}

function expectKind(r: VerifyResult, kind: string): void {
  if (r.ok) throw new Error(`expected ${kind}, got ok`);
  expect({ kind: r.kind, message: r.message }).toEqual({ kind, message: expect.any(String) });
}

describe("htpasswd registry (Basic auth)", () => {
  let reg: RunningRegistry;
  let seeded: SeededImage;
  beforeAll(async () => {
    reg = await startRegistry({ auth: "htpasswd", users: { alice: ALICE_PW } });
    seeded = await seedImage(reg.base, "demo/hello", "1", { username: "alice", password: ALICE_PW });
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it("OK: returns the manifest digest", async () => {
    const r = await check(`${reg.host}/demo/hello:1`, cred(reg.host, "alice", ALICE_PW));
    expect(r).toEqual({
      ok: true,
      digest: seeded.digest,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
    });
  });

  it("OK by digest", async () => {
    const r = await check(`${reg.host}/demo/hello@${seeded.digest}`, cred(reg.host, "alice", ALICE_PW));
    expect(r.ok).toBe(true);
  });

  it("bad password → bad-credentials", async () => {
    expectKind(await check(`${reg.host}/demo/hello:1`, cred(reg.host, "alice", WRONG_PW)), "bad-credentials");
  });

  it("repository missing → repository-missing", async () => {
    expectKind(
      await check(`${reg.host}/demo/nothere:1`, cred(reg.host, "alice", ALICE_PW)),
      "repository-missing",
    );
  });

  it("tag missing → tag-missing", async () => {
    expectKind(await check(`${reg.host}/demo/hello:2`, cred(reg.host, "alice", ALICE_PW)), "tag-missing");
  });

  it("login only (no image): good password OK, bad password → bad-credentials", async () => {
    const opts = { allowInsecureLoopback: true, timeoutMs: 10_000 };
    expect(await verifyPull({ ...opts, credential: cred(reg.host, "alice", ALICE_PW) })).toEqual({
      ok: true,
    });
    const bad = await verifyPull({ ...opts, credential: cred(reg.host, "alice", WRONG_PW) });
    expectKind(bad, "bad-credentials");
    if (!bad.ok) expect(bad.message).not.toContain(WRONG_PW);
  });

  it("anonymous (public credential) → no-permission", async () => {
    const r = validateCredential({ type: "public" });
    if (!r.ok) throw new Error("public must validate");
    expectKind(await check(`${reg.host}/demo/hello:1`, r.credential), "no-permission");
  });
});

describe("token-auth registry (Bearer, per-repository grants)", () => {
  let reg: RunningRegistry;
  beforeAll(async () => {
    reg = await startRegistry({
      auth: "token",
      users: { alice: ALICE_PW, bob: BOB_PW, seeder: ALICE_PW },
      grants: {
        seeder: { "*": ["pull", "push"] },
        alice: { "demo/*": ["pull"] },
        bob: { "other/*": ["pull"] },
      },
    });
    await seedImage(reg.base, "demo/hello", "1", {
      username: "seeder",
      password: ALICE_PW,
      tokenRealm: reg.tokenServer?.realm,
    });
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it("OK through the token flow", async () => {
    const r = await check(`${reg.host}/demo/hello:1`, cred(reg.host, "alice", ALICE_PW));
    expect(r.ok).toBe(true);
    // Only pull was requested, and the password went only to the token server and the registry.
    expect(reg.tokenServer?.requests.at(-1)).toEqual({
      user: "alice",
      scope: "repository:demo/hello:pull",
      status: 200,
    });
  });

  it("login only (no image): token without scope; bad password → bad-credentials", async () => {
    const opts = { allowInsecureLoopback: true, timeoutMs: 10_000 };
    expect(await verifyPull({ ...opts, credential: cred(reg.host, "bob", BOB_PW) })).toEqual({ ok: true });
    expect(reg.tokenServer?.requests.at(-1)).toEqual({ user: "bob", scope: "", status: 200 });
    expectKind(await verifyPull({ ...opts, credential: cred(reg.host, "bob", WRONG_PW) }), "bad-credentials");
  });

  it("bad password → bad-credentials (401 from the token server)", async () => {
    expectKind(await check(`${reg.host}/demo/hello:1`, cred(reg.host, "alice", WRONG_PW)), "bad-credentials");
  });

  it("no permission on that repository → no-permission (insufficient_scope)", async () => {
    expectKind(await check(`${reg.host}/demo/hello:1`, cred(reg.host, "bob", BOB_PW)), "no-permission");
  });

  it("repository missing → repository-missing", async () => {
    expectKind(
      await check(`${reg.host}/demo/nothere:1`, cred(reg.host, "alice", ALICE_PW)),
      "repository-missing",
    );
  });

  it("tag missing → tag-missing", async () => {
    expectKind(await check(`${reg.host}/demo/hello:9`, cred(reg.host, "alice", ALICE_PW)), "tag-missing");
  });
});

describe("hosts that are not a working registry", () => {
  it("not a registry (404 JSON for /v2/) → not-a-registry", async () => {
    const srv = await startNotARegistry();
    try {
      expectKind(
        await check(`${srv.host}/demo/hello:1`, cred(srv.host, "alice", ALICE_PW)),
        "not-a-registry",
      );
    } finally {
      await srv.stop();
    }
  });

  it("not a registry: the Phala API emulator → not-a-registry", async () => {
    const emu = await startEmulator({ restartMs: 10 });
    try {
      const host = new URL(emu.url).host;
      expectKind(await check(`${host}/demo/hello:1`, cred(host, "alice", ALICE_PW)), "not-a-registry");
    } finally {
      await emu.close();
    }
  });

  it("connection refused → unreachable", async () => {
    const host = `127.0.0.1:${await closedPort()}`;
    const r = await check(`${host}/demo/hello:1`, cred(host, "alice", ALICE_PW));
    expectKind(r, "unreachable");
    if (!r.ok) expect(r.message).toMatch(/ECONNREFUSED/);
  });

  it("self-signed TLS → tls", async () => {
    const { openssl } = registryBinaries();
    const dir = mkdtempSync(join(tmpdir(), "cvms-tls-"));
    execFileSync(
      openssl,
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-keyout",
        join(dir, "k.pem"),
        "-out",
        join(dir, "c.pem"),
      ],
      { stdio: "pipe" },
    );
    const srv = createHttpsServer(
      { key: readFileSync(join(dir, "k.pem")), cert: readFileSync(join(dir, "c.pem")) },
      (_q, r) => r.end("{}"),
    );
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const host = `127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      const c = validateCredential({ type: "custom", registry: host, username: "alice", password: ALICE_PW });
      if (!c.ok) throw new Error("invalid");
      const r = await verifyPull({
        image: `${host}/demo/hello:1`,
        credential: c.credential,
        timeoutMs: 10_000,
      });
      expectKind(r, "tls");
      if (!r.ok) expect(r.message).toMatch(/SELF_SIGNED|CERT/);
    } finally {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("image on another registry → registry-mismatch, nothing sent", async () => {
    expectKind(
      await check("ghcr.io/org/app:1", cred("127.0.0.1:5000", "alice", ALICE_PW)),
      "registry-mismatch",
    );
  });
});
