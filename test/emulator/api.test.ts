/**
 * Endpoint shapes, auth, id forms, version header and error shapes, as Phala's API document
 * (Phala-Network/phala-docs, openapi.json) and the official SDK's zod schemas (npm @phala/cloud,
 * source in Phala-Network/phala-cloud, js/src/) define them.
 */
import { startEmulator } from "../../emulator/index";
import { verifyKeySignature } from "../../provider/core/kms-signature";
import { keysOf, withEmulator } from "./helpers";

const CVM_INFO_REQUIRED = ["id", "name", "resource", "status", "gateway"];
const STRUCTURED = ["details", "error_code", "links", "message", "request_id", "suggestions"];

describe("auth and transport", () => {
  it("401s without or with a wrong X-API-Key, on the API and the admin endpoints", () =>
    withEmulator(async (http, emu) => {
      const none = await fetch(`${emu.url}/auth/me`);
      expect(none.status).toBe(401);
      expect(await none.json()).toEqual({ detail: "Not authenticated" });
      expect(none.headers.get("x-request-id")).toMatch(/^req_/);
      const wrong = await http.get("/auth/me", { "X-API-Key": "phak_wrong" });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({ detail: "Invalid API key" });
      expect((await http.get("/_emulator/counts", { "X-API-Key": "nope" })).status).toBe(401);
      expect(emu.apiKey).toMatch(/^phak_/);
      expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
    }));

  it("answers GET /auth/me and sets X-Request-Id on every response", () =>
    withEmulator(async (http) => {
      const me = await http.get("/auth/me");
      expect(me.status).toBe(200);
      expect(keysOf(me.body)).toEqual(["credits", "features", "user", "workspace"]);
      expect(typeof me.body.credits.balance).toBe("number");
      expect(me.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{24}$/);
      const old = await http.get("/auth/me", { "X-Phala-Version": "2025-10-28" });
      expect(old.body.username).toBe("emulator");
      const unknown = await http.get("/nope");
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get("x-request-id")).toMatch(/^req_/);
      const bad = await http.get("/auth/me", { "X-Phala-Version": "1999-01-01" });
      expect(bad.status).toBe(400);
    }));
});

describe("KMS", () => {
  it("lists KMS strictly and gets one by id or slug", () =>
    withEmulator(async (http) => {
      const list = await http.get("/kms");
      expect(keysOf(list.body)).toEqual(["items", "page", "page_size", "pages", "total"]);
      expect(list.body.items).toHaveLength(3);
      for (const kms of list.body.items) {
        expect(keysOf(kms)).toEqual(
          ["chain_id", "gateway_app_id", "id", "kms_contract_address", "slug", "url", "version"].sort(),
        );
      }
      // Realistic slugs, distinct from the KMS type (Phala-Network/phala-cloud PR #494: the server
      // maps a KMS type to its KMS; slugs look like `kms-base-prod2`).
      const phala = list.body.items.find((k: { slug: string }) => k.slug === "kms-phala-prod7");
      expect(phala.chain_id).toBeNull();
      expect((await http.get(`/kms/${phala.id}`)).body).toEqual(phala);
      expect((await http.get("/kms/kms-base-prod2")).body.chain_id).toBe(8453);
      // `{kms_id}` is an id or a slug, not a type; the signer is only in /info.
      expect((await http.get("/kms/base")).status).toBe(404);
      const info = await http.get(`/kms/${phala.id}/info`);
      expect(info.body.rpc.bootstrap_info.k256_pubkey).toMatch(/^0[23][0-9a-f]{64}$/);
      expect((await http.get("/kms/kms_nope")).status).toBe(404);
    }));

  it("serves a strict, KMS-signed pubkey (legacy layout)", () =>
    withEmulator(async (http) => {
      const app = (await http.post("/_emulator/apps", { kms: "ethereum" })).body;
      expect(keysOf(app)).toEqual([
        "app_id",
        "encrypted_env_pubkey",
        "k256_pubkey",
        "kms_id",
        "kms_slug",
        "kms_type",
      ]);
      const res = await http.get(`/kms/ethereum/pubkey/${app.app_id}`);
      expect(res.status).toBe(200);
      expect(keysOf(res.body)).toEqual(["public_key", "signature"]);
      expect(res.body.public_key).toBe(app.encrypted_env_pubkey);
      const verdict = verifyKeySignature({
        appId: app.app_id,
        publicKey: res.body.public_key,
        signature: res.body.signature,
        trustedSigner: app.k256_pubkey,
      });
      expect(verdict).toEqual({ ok: true, format: "legacy" });
      expect((await http.get(`/kms/ethereum/pubkey/nothex`)).status).toBe(422);
      const next = await http.get("/kms/phala/next_app_id?counts=2");
      expect(keysOf(next.body)).toEqual(["app_ids"]);
      expect(next.body.app_ids).toHaveLength(2);
    }));
});

describe("CVM reads", () => {
  it("gets a CVM by every id form of §3.2 with the full CVMInfo shape", () =>
    withEmulator(async (http) => {
      const cvm = (await http.post("/_emulator/cvms", { name: "my-app-1", allowed_envs: ["API_KEY"] })).body;
      expect(cvm.status).toBe("running");
      const forms = [
        cvm.id,
        cvm.vm_uuid,
        cvm.vm_uuid.replace(/-/g, ""),
        `app_${cvm.app_id}`,
        cvm.app_id,
        `instance_${cvm.instance_id}`,
        "my-app-1",
      ];
      for (const form of forms) {
        const res = await http.get(`/cvms/${form}`);
        expect(res.status).toBe(200);
        expect(res.body.id).toBe(cvm.id);
      }
      const info = (await http.get(`/cvms/${cvm.id}`)).body;
      for (const key of CVM_INFO_REQUIRED) expect(info).toHaveProperty(key);
      expect(info.id).toMatch(/^cvm_/);
      expect(info.compose_file.allowed_envs).toEqual(["API_KEY"]);
      // CVMInfoDetail: the key only inside the six-field CVMKmsInfo; kms_type at top level.
      expect(info).not.toHaveProperty("encrypted_env_pubkey");
      expect(info.kms_info.encrypted_env_pubkey).toBe(cvm.encrypted_env_pubkey);
      expect(keysOf(info.kms_info)).toEqual([
        "chain_id",
        "deployer_address",
        "dstack_app_address",
        "dstack_kms_address",
        "encrypted_env_pubkey",
        "rpc_endpoint",
      ]);
      expect(info.kms_type).toBe("phala");
      expect(info.compose_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(info.in_progress).toBe(false);
      expect(info.progress).toBeNull();
    }));

  it("honours X-Phala-Version: integer ids and CvmDetail for 2025-10-28", () =>
    withEmulator(async (http) => {
      const cvm = (await http.post("/_emulator/cvms", { name: "old-app" })).body;
      const old = await http.get(`/cvms/${cvm.id}`, { "X-Phala-Version": "2025-10-28" });
      expect(typeof old.body.id).toBe("number");
      for (const key of [
        "name",
        "status",
        "teepod_id",
        "app_id",
        "vm_uuid",
        "instance_id",
        "vcpu",
        "memory",
        "disk_size",
        "base_image",
        "encrypted_env_pubkey",
      ]) {
        expect(old.body).toHaveProperty(key);
      }
      // The legacy integer id works as a path id.
      expect((await http.get(`/cvms/${old.body.id}`)).body.id).toBe(cvm.id);
      // The 2025-10-28 list items are CvmInfo with a `hosted` VM object.
      const oldList = await http.get("/cvms/paginated", { "X-Phala-Version": "2025-10-28" });
      expect(oldList.body.items[0].hosted).toMatchObject({
        id: cvm.vm_uuid,
        name: "old-app",
        app_id: cvm.app_id,
      });
      for (const key of [
        "managed_user",
        "node",
        "dapp_dashboard_url",
        "kms_info",
        "public_urls",
        "gateway_domain",
      ]) {
        expect(oldList.body.items[0]).toHaveProperty(key);
      }
      const v0121 = await http.get(`/cvms/${cvm.id}`, { "X-Phala-Version": "2026-01-21" });
      expect(v0121.body.id).toBe(cvm.id);
      // VM objects: integer id and user_id (the document's VM model, every version).
      const r1 = await http.post(
        `/cvms/${cvm.id}/restart`,
        { force: false },
        { "X-Phala-Version": "2026-01-21" },
      );
      expect(typeof r1.body.id).toBe("number");
      expect(typeof r1.body.user_id).toBe("number");
      expect(r1.body.encrypted_env_pubkey).toMatch(/^[0-9a-f]{64}$/);
    }));

  it("lists CVMs: bare array, paginated, per app", () =>
    withEmulator(async (http) => {
      const a = (await http.post("/_emulator/cvms", { name: "app-one" })).body;
      await http.post("/_emulator/cvms", { name: "app-two", app_id: a.app_id });
      await http.post("/_emulator/cvms", { name: "app-three" });
      const list = await http.get("/cvms");
      expect(Array.isArray(list.body)).toBe(true);
      expect(list.body).toHaveLength(3);
      expect(list.body[0]).not.toHaveProperty("compose_file");
      const page = await http.get("/cvms/paginated?page=2&page_size=2");
      expect(keysOf(page.body)).toEqual(["items", "page", "page_size", "pages", "total"]);
      expect(page.body).toMatchObject({ total: 3, page: 2, page_size: 2, pages: 2 });
      expect(page.body.items).toHaveLength(1);
      expect((await http.get("/cvms/paginated?page_size=101")).status).toBe(422);
      const byApp = await http.get(`/apps/${a.app_id}/cvms`);
      expect(byApp.body.map((c: { name: string }) => c.name).sort()).toEqual(["app-one", "app-two"]);
      // Two CVMs share the app id: the app_ form is ambiguous (ERR-03-010).
      const amb = await http.get(`/cvms/app_${a.app_id}`);
      expect(amb.status).toBe(409);
      expect(amb.body.error_code).toBe("ERR-03-010");
    }));

  it("returns compose_file, state, status batch and operations", () =>
    withEmulator(async (http) => {
      const cvm = (await http.post("/_emulator/cvms", { name: "stateful", allowed_envs: ["A"] })).body;
      const compose = await http.get(`/cvms/${cvm.id}/compose_file`);
      expect(compose.body.allowed_envs).toEqual(["A"]);
      expect(compose.body.runner).toBe("docker-compose");
      const st = await http.get(`/cvms/${cvm.id}/state`);
      // CvmStateSchema: name and status required, the rest optional strings (never null).
      expect(st.body).toMatchObject({
        id: cvm.id,
        name: "stateful",
        status: "running",
        instance_id: cvm.instance_id,
      });
      expect(st.body.uptime).toMatch(/^\d+s$/);
      expect(Object.values(st.body)).not.toContain(null);
      const batch = await http.post("/status/batch", {
        vm_uuids: [cvm.vm_uuid, "00000000-0000-4000-8000-000000000000"],
      });
      expect(Object.keys(batch.body)).toEqual([cvm.vm_uuid]);
      expect(keysOf(batch.body[cvm.vm_uuid])).toEqual(
        [
          "boot_error",
          "boot_progress",
          "correlation_id",
          "events",
          "in_progress",
          "operation_started_at",
          "operation_type",
          "shutdown_progress",
          "status",
          "uptime",
          "vm_uuid",
        ].sort(),
      );
      const ops = await http.get(`/cvms/${cvm.id}/operations`);
      expect(keysOf(ops.body)).toEqual(["items", "next_cursor", "total"]);
    }));
});

describe("errors", () => {
  it("404s an unknown CVM with a structured ERR-03-001 carrying the request id", () =>
    withEmulator(async (http) => {
      for (const path of ["/cvms/cvm_nothere", "/cvms/cvm_nothere/state", "/cvms/nobody-here/compose_file"]) {
        const res = await http.get(path);
        expect(res.status).toBe(404);
        expect(keysOf(res.body)).toEqual(STRUCTURED);
        expect(res.body.error_code).toBe("ERR-03-001");
        expect(res.body.request_id).toBe(res.headers.get("x-request-id"));
      }
      const patch = await http.patch("/cvms/cvm_nothere/envs", { encrypted_env: "" });
      expect(patch.status).toBe(404);
    }));

  it("422s a missing or non-hex encrypted_env and a bad body in the FastAPI shape", () =>
    withEmulator(async (http) => {
      const cvm = (await http.post("/_emulator/cvms", { name: "valid-app" })).body;
      const missing = await http.patch(`/cvms/${cvm.id}/envs`, {});
      expect(missing.status).toBe(422);
      expect(missing.body.detail[0]).toEqual({
        loc: ["body", "encrypted_env"],
        msg: "Field required",
        type: "missing",
      });
      const nonHex = await http.patch(`/cvms/${cvm.id}/envs`, { encrypted_env: "zz" });
      expect(nonHex.status).toBe(422);
      expect(nonHex.body.detail[0].loc).toEqual(["body", "encrypted_env"]);
      const prefixed = await http.patch(`/cvms/${cvm.id}/envs`, { encrypted_env: "0xabcd" });
      expect(prefixed.status).toBe(422);
      const notJson = await http.patch(`/cvms/${cvm.id}/envs`, "{nope");
      expect(notJson.status).toBe(422);
      expect(notJson.body.detail[0].type).toBe("json_invalid");
      const badKeys = await http.patch(`/cvms/${cvm.id}/envs`, { encrypted_env: "", env_keys: "A" });
      expect(badKeys.status).toBe(422);
      expect((await http.post("/cvms/provision", { name: "x" })).status).toBe(422);
      expect((await http.request("PUT", "/cvms")).status).toBe(405);
    }));

  it("409s an env PATCH or restart while another operation is in progress", () =>
    withEmulator(
      async (http) => {
        const cvm = (await http.post("/_emulator/cvms", { name: "busy-app" })).body;
        expect((await http.patch(`/cvms/${cvm.id}/envs`, { encrypted_env: "" })).status).toBe(202);
        const again = await http.patch(`/cvms/${cvm.id}/envs`, { encrypted_env: "" });
        expect(again.status).toBe(409);
        expect(again.body).toEqual({ detail: "Another operation in progress" });
        expect((await http.post(`/cvms/${cvm.id}/restart`, {})).status).toBe(409);
      },
      { restartMs: 400 },
    ));

  it("deletes a CVM with 204", () =>
    withEmulator(async (http) => {
      const cvm = (await http.post("/_emulator/cvms", { name: "doomed" })).body;
      const del = await http.delete(`/cvms/${cvm.id}`);
      expect(del.status).toBe(204);
      expect(del.body).toBeUndefined();
      expect((await http.get(`/cvms/${cvm.id}`)).status).toBe(404);
      const ops = (await http.get("/_emulator/ops")).body;
      expect(ops.at(-1)).toMatchObject({ cvm: cvm.id, event: "deleted" });
    }));
});

describe("odd paths", () => {
  it("a malformed percent-escape in an id is a 404, not a crash", () =>
    withEmulator(async (http) => {
      const res = await http.get("/cvms/%E0%A4%A");
      expect(res.status).toBe(404);
      expect(res.body.error_code).toBe("ERR-03-001");
    }));
});

describe("log", () => {
  it("names the route template on success and error replies, never the raw path's text", async () => {
    const lines: string[] = [];
    const emu = await startEmulator({ log: (line) => lines.push(line) });
    try {
      const CANARY = "pasted-secret-value-4711";
      const headers = { "X-API-Key": emu.apiKey, "Content-Type": "application/json" };
      const base = emu.url.replace(/\/api\/v1$/, "");
      expect((await fetch(`${emu.url}/cvms/${CANARY}`, { headers })).status).toBe(404);
      expect(
        (await fetch(`${emu.url}/cvms/${CANARY}/envs`, { method: "PATCH", headers, body: "{}" })).status,
      ).toBe(422);
      expect((await fetch(`${emu.url}/${CANARY}/x`, { headers })).status).toBe(404);
      expect((await fetch(`${base}/_emulator/${CANARY}`, { headers })).status).toBe(404);
      expect((await fetch(`${emu.url}/cvms/${CANARY}`, { headers: { "X-API-Key": "wrong" } })).status).toBe(
        401,
      );
      const log = lines.join("\n");
      expect(log).toContain("GET /cvms/{id} -> 404");
      expect(log).toContain("PATCH /cvms/{id}/envs -> 422");
      expect(log).toContain("GET (no route) -> 404");
      expect(log).toContain("GET /_emulator(no route) -> 404");
      expect(log).toContain("GET /cvms/{id} -> 401");
      for (const form of [CANARY, encodeURIComponent(CANARY), "pasted"]) expect(log).not.toContain(form);
    } finally {
      await emu.close();
    }
  });
});
