/**
 * Ownership holes of issue 20 (part A), provider functions against the emulator: a CVM added to
 * an existing resource is guarded like at create (a); a failing revisions route (b), a revision
 * list in another order (c), a CVM record without an allow-list (d) are unknown, never "nothing
 * to protect"; a repair refresh asked for is not dropped without evidence (e); an import whose
 * CVM record has no allow-list is not cleared by the generated `env: {}` (f). Each asserts on
 * what the guest runs and on the writes sent.
 */
import { type Emulator, startEmulator } from "../../emulator/index";
import { importCvms } from "../../provider/cvm-secrets/import";
import * as impl from "../../provider/cvm-secrets/index";
import { ErrorCodes } from "../../provider/errors";
import { failing, type HostileProxy, hostileProxy, type Rewrite } from "../support/hostile-proxy";
import { delta, failedUp, providerLines, type Resource, up, useEmulator } from "../support/provider-harness";

const STAGING = { API_KEY: "sk_staging_value_1", DB_URL: "postgres://u:pw-staging@db/s" };
const PROD = { API_KEY: "sk_prod_value_2", DB_URL: "postgres://u:pw-prod@db/p" };
const ROTATED = "sk_staging_rotated_3";
const COMPOSE =
  "services:\n  app:\n    image: ghcr.io/acme/api:1\n    environment:\n      - API_KEY=${API_KEY}\n      - DB_URL=${DB_URL}\n";
const URN = (stack: string) => `urn:pulumi:${stack}::shop::pulumi-nodejs:dynamic:Resource::api`;
const staging = (args: Record<string, unknown>) => ({ ownerUrn: URN("staging"), env: STAGING, ...args });

let emu: Emulator;
let proxy: HostileProxy | undefined;

beforeEach(async () => {
  emu = await startEmulator({ restartMs: 60 });
  useEmulator(emu);
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await emu.close();
});

async function cvm(app?: string): Promise<{ id: string; app: string }> {
  const made = await emu.admin.createCvm({
    name: `api-${Math.random().toString(36).slice(2, 9)}`,
    app_id: app,
    docker_compose_file: COMPOSE,
  });
  return { id: made.id, app: made.app_id };
}

/** Prod's stack pushes its env to `id` (another resource, another URN). */
async function prodOwns(id: string, adopt = false): Promise<Resource> {
  const args = { resourceName: "api", ownerUrn: URN("prod"), cvms: [id], env: PROD, adopt };
  return (await up(undefined, args)).resource;
}

/** Routes the provider through a proxy that rewrites (or fails) answers. */
async function through(rewrite: Rewrite): Promise<void> {
  proxy = await hostileProxy(emu.url, rewrite);
  process.env.PHALA_CLOUD_API_PREFIX = proxy.url;
}

function direct(): void {
  process.env.PHALA_CLOUD_API_PREFIX = emu.url;
}

async function patches(fn: () => Promise<unknown>): Promise<number> {
  const before = (await emu.admin.counts()).requests;
  await fn();
  return delta(before, (await emu.admin.counts()).requests)["PATCH /cvms/{id}/envs"] ?? 0;
}

const revisionsRoute = (path: string) => /^\/apps\/[^/]+\/revisions$/.test(path);

describe("ownership: unknown is never safe", () => {
  test("a: prod's CVM pasted into staging's cvms is refused without adopt; a fresh replica is pushed", async () => {
    const a = await cvm();
    const first = await up(undefined, staging({ cvms: [a.id] }));
    const prodCvm = await cvm();
    await prodOwns(prodCvm.id);
    let err: Error & { code?: string } = new Error("none");
    expect(
      await patches(async () => {
        err = await failedUp(first.resource, staging({ cvms: [a.id, prodCvm.id] }));
      }),
    ).toBe(0);
    expect(err.code).toBe(ErrorCodes.INVALID_INPUT);
    expect(err.message).toContain(`cvms[1] (${prodCvm.id}) already carries an env`);
    expect(err.message).toContain("adopt: true");
    expect((await emu.admin.guest(prodCvm.id)).env).toEqual(PROD);
    // Given as a secret, the CVM is named by its position only.
    const secret = await failedUp(first.resource, staging({ cvms: [a.id, prodCvm.id], secretCvms: [1] }));
    expect(secret.message).toContain("cvms[1] already carries an env");
    expect(secret.message).not.toContain(prodCvm.id);
    // A fresh replica of staging's app (no env yet) is nobody's: pushed without adopt.
    const replica = await cvm(a.app);
    const grown = await up(first.resource, staging({ cvms: [a.id, replica.id] }));
    expect((await emu.admin.guest(replica.id)).env).toEqual(STAGING);
    // With adopt, prod's CVM is taken over, with a warning.
    await up(grown.resource, staging({ cvms: [a.id, replica.id, prodCvm.id], adopt: true }));
    expect((await emu.admin.guest(prodCvm.id)).env).toEqual(STAGING);
    expect(providerLines.some((l) => l.includes(`${prodCvm.id}: its latest app revision`))).toBe(true);
  });

  test("b: a revisions route that fails is unknown: refused without adopt, for a new CVM and an owned one", async () => {
    const a = await cvm();
    const first = await up(undefined, staging({ cvms: [a.id] }));
    const prodCvm = await cvm();
    await prodOwns(prodCvm.id);
    // A token without the apps scope: every revisions read answers 403.
    await through((method, path) =>
      method === "GET" && revisionsRoute(path) ? failing(403, "Forbidden") : undefined,
    );
    const added = await failedUp(first.resource, staging({ cvms: [a.id, prodCvm.id] }));
    expect(added.message).toContain(`cvms[1] (${prodCvm.id}): who pushed the env it carries cannot be read`);
    // The status as the API error words it: a bare "403" would also match inside a random id.
    expect(added.message).toContain("failed: HTTP 403");
    const rotated = await failedUp(
      first.resource,
      staging({ cvms: [a.id], env: { ...STAGING, API_KEY: ROTATED } }),
    );
    expect(rotated.message).toContain(`cvms[0] (${a.id}): who pushed the env it carries cannot be read`);
    expect(proxy?.writes).toEqual([]);
    expect((await emu.admin.guest(prodCvm.id)).env).toEqual(PROD);
    expect((await emu.admin.guest(a.id)).env).toEqual(STAGING);
    // adopt: true says to replace whatever runs there.
    await up(first.resource, staging({ cvms: [a.id, prodCvm.id], adopt: true }));
    expect((await emu.admin.guest(prodCvm.id)).env).toEqual(STAGING);
  });

  test("c: a revision list in another order: the newest is chosen by created_at, not by position", async () => {
    const prodCvm = await cvm();
    await prodOwns(prodCvm.id); // revisions: deploy (no env), then prod's push
    await through((method, path, body) => {
      if (method !== "GET" || !revisionsRoute(path)) return undefined;
      const page = body as { revisions: unknown[] };
      return { ...page, revisions: [...page.revisions].reverse() }; // oldest first
    });
    const err = await failedUp(undefined, staging({ cvms: [prodCvm.id] }));
    expect(err.message).toContain("already carries an env");
    expect(proxy?.writes).toEqual([]);
    expect((await emu.admin.guest(prodCvm.id)).env).toEqual(PROD);
  });

  test("c: two revisions of one CVM at the same instant: the newest cannot be told, so it is refused", async () => {
    const prodCvm = await cvm();
    await prodOwns(prodCvm.id);
    await through((method, path, body) => {
      if (method !== "GET" || !revisionsRoute(path)) return undefined;
      const page = body as { revisions: Array<Record<string, unknown>> };
      // The same instant, and the deploy (no env) listed first.
      const same = page.revisions.map((r) => ({ ...r, created_at: "2026-01-01T00:00:00Z" }));
      return { ...page, revisions: same.reverse() };
    });
    const err = await failedUp(undefined, staging({ cvms: [prodCvm.id] }));
    expect(err.message).toContain("the newest cannot be told");
    expect(proxy?.writes).toEqual([]);
  });

  test.each([
    [
      "missing",
      (c: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(c).filter(([k]) => k !== "allowed_envs")),
    ],
    ["null", (c: Record<string, unknown>) => ({ ...c, allowed_envs: null })],
  ])(
    "d: a CVM record whose allow-list is %s, and no revision listed for it, is refused",
    async (_, strip) => {
      const prodCvm = await cvm();
      await prodOwns(prodCvm.id);
      await through((method, path, body) => {
        if (method !== "GET") return undefined;
        if (revisionsRoute(path)) return { ...(body as object), revisions: [], total: 0, total_pages: 1 };
        if (!/^\/cvms\/[^/]+$/.test(path)) return undefined;
        const record = body as { compose_file: Record<string, unknown> };
        return { ...record, compose_file: strip(record.compose_file) };
      });
      const err = await failedUp(undefined, staging({ cvms: [prodCvm.id], composeCheck: "off" }));
      expect(err.message).toContain("the API lists no app revision for it");
      expect(proxy?.writes).toEqual([]);
      expect((await emu.admin.guest(prodCvm.id)).env).toEqual(PROD);
    },
  );

  test("e: a repair refresh asked for is not dropped as 'already runs this env' when revisions cannot be read", async () => {
    const a = await cvm();
    const first = await up(undefined, staging({ cvms: [a.id] }));
    await prodOwns(a.id, true); // someone else takes staging's CVM over
    const refreshed = await impl.read(first.resource.id, first.resource.outputs);
    const marked = { ...first.resource, outputs: refreshed.props as Record<string, unknown> };
    await through((method, path) =>
      method === "GET" && revisionsRoute(path) ? failing(403, "Forbidden") : undefined,
    );
    const err = await failedUp(marked, staging({ cvms: [a.id] }));
    expect(err.message).toContain("cannot be read");
    expect(providerLines.some((l) => l.includes("already runs this env"))).toBe(false);
    // The revisions readable again: the repair happens.
    direct();
    await up(marked, staging({ cvms: [a.id] }));
    expect((await emu.admin.guest(a.id)).env).toEqual(STAGING);
  });

  test("f: an import whose CVM record has no allow-list is not cleared by the generated env: {}", async () => {
    const prodCvm = await cvm();
    await prodOwns(prodCvm.id);
    await through((method, path, body) => {
      if (method !== "GET" || !/^\/cvms\/[^/]+$/.test(path)) return undefined;
      const record = body as { compose_file: Record<string, unknown> };
      const { allowed_envs: _, ...compose } = record.compose_file;
      return { ...record, compose_file: compose };
    });
    const imported = await importCvms(prodCvm.id, "api");
    if (!imported) throw new Error("import found no CVM");
    const resource: Resource = { id: imported.id, inputs: imported.inputs, outputs: imported.props };
    const err = await failedUp(resource, { ...imported.inputs, composeCheck: "off" });
    expect(err.message).toContain("was imported, and the API reports no allow-list");
    expect(proxy?.writes).toEqual([]);
    expect((await emu.admin.guest(prodCvm.id)).env).toEqual(PROD);
  });
});
