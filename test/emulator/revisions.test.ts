/**
 * App revisions and CVM operations as the OpenAPI document defines them
 * (`AppRevisionsResponse`, `AppRevisionDetailResponse`, `PaginatedCvmOperationsResponse`), and the
 * client methods that read them: every env push, by anyone, is a revision carrying its ciphertext.
 */
import { phalaClient } from "../../provider/api/phala";
import { appSchemas } from "../../provider/api/phala/apps";
import { operationSchemas } from "../../provider/api/phala/cvm-operations";
import { encryptEnv } from "../../provider/core/envelope";
import { ciphertextDigest, ownershipOf } from "../../provider/cvm-secrets/records/ownership";
import { settled, withEmulator } from "./helpers";

const AppRevisionsSchema = appSchemas("exact").AppRevisions;
const AppRevisionDetailSchema = appSchemas("exact").AppRevisionDetail;
const CvmOperationsSchema = operationSchemas("exact").CvmOperations;

const SUMMARY_KEYS = [
  "app_id",
  "compose_hash",
  "created_at",
  "cvm",
  "operation_type",
  "revision_id",
  "trace_id",
  "triggered_by",
  "vm_uuid",
  "workspace",
];

describe("app revisions", () => {
  it("one per deploy and per env push, newest first, paginated, with the pushed ciphertext", () =>
    withEmulator(async (http) => {
      const cvm = (await http.post("/_emulator/cvms", { name: "revisioned", allowed_envs: ["API_KEY"] }))
        .body;
      const blob = encryptEnv({ API_KEY: "rev-secret-1" }, cvm.encrypted_env_pubkey);
      expect((await http.patch(`/cvms/${cvm.id}/envs`, { encrypted_env: blob })).status).toBe(202);
      await settled(http, cvm.id);

      const list = await http.get(`/apps/${cvm.app_id}/revisions`);
      expect(list.status).toBe(200);
      expect(AppRevisionsSchema.safeParse(list.body).success).toBe(true);
      expect(Object.keys(list.body).sort()).toEqual([
        "page",
        "page_size",
        "revisions",
        "total",
        "total_pages",
      ]);
      expect(list.body).toMatchObject({ total: 2, page: 1, page_size: 50, total_pages: 1 });
      const [newest, first] = list.body.revisions;
      expect(Object.keys(newest).sort()).toEqual(SUMMARY_KEYS);
      expect(newest).toMatchObject({ vm_uuid: cvm.vm_uuid, operation_type: "update_env" });
      expect(first.operation_type).toBe("deploy");
      expect(newest).not.toHaveProperty("encrypted_env"); // the summary carries no ciphertext

      const detail = await http.get(`/apps/${cvm.app_id}/revisions/${newest.revision_id}`);
      expect(detail.status).toBe(200);
      expect(AppRevisionDetailSchema.safeParse(detail.body).success).toBe(true);
      expect(Object.keys(detail.body).sort()).toEqual(
        [...SUMMARY_KEYS, "compose_file", "encrypted_env", "user_config"].sort(),
      );
      expect(detail.body.encrypted_env).toBe(blob);
      expect(typeof detail.body.compose_file).toBe("object");
      const raw = await http.get(`/apps/${cvm.app_id}/revisions/${newest.revision_id}?raw_compose_file=true`);
      expect(typeof raw.body.compose_file).toBe("string");

      const page2 = await http.get(`/apps/${cvm.app_id}/revisions?page=2&page_size=1`);
      expect(page2.body).toMatchObject({ page: 2, page_size: 1, total: 2, total_pages: 2 });
      expect(page2.body.revisions[0].revision_id).toBe(first.revision_id);
      expect((await http.get(`/apps/${cvm.app_id}/revisions?page_size=1001`)).status).toBe(422);
      expect((await http.get(`/apps/${cvm.app_id}/revisions?page=0`)).status).toBe(422);
      expect((await http.get(`/apps/${"0".repeat(40)}/revisions`)).status).toBe(404);
      expect((await http.get(`/apps/${cvm.app_id}/revisions/rev_missing`)).status).toBe(404);
    }));

  it("the client finds a CVM's newest revision; ownership compares ciphertext digests", () =>
    withEmulator(async (http) => {
      const a = (await http.post("/_emulator/cvms", { name: "owner-a-node", allowed_envs: ["K"] })).body;
      const b = (
        await http.post("/_emulator/cvms", { name: "owner-b-node", app_id: a.app_id, allowed_envs: ["K"] })
      ).body;
      const ours = encryptEnv({ K: "ours" }, a.encrypted_env_pubkey);
      await http.patch(`/cvms/${a.id}/envs`, { encrypted_env: ours });
      await settled(http, a.id);
      const client = phalaClient({ baseUrl: http.emu.url, apiKey: http.emu.apiKey });
      const info = await client.getCvm(a.id);
      expect(info.vmUuid).toBe(a.vm_uuid);
      const latest = await client.latestRevision(info.appId, a.vm_uuid);
      expect(latest?.encryptedEnv).toBe(ours);
      expect(ownershipOf(ciphertextDigest(ours), latest).kind).toBe("ours");
      // Someone else writes: no longer ours.
      await http.patch(`/cvms/${a.id}/envs`, {
        encrypted_env: encryptEnv({ K: "theirs" }, a.encrypted_env_pubkey),
      });
      await settled(http, a.id);
      const after = await client.latestRevision(info.appId, a.vm_uuid);
      expect(ownershipOf(ciphertextDigest(ours), after).kind).toBe("theirs");
      // b's newest revision is its deploy (no env).
      const bLatest = await client.latestRevision(info.appId, b.vm_uuid);
      expect(bLatest?.operationType).toBe("deploy");
      expect(ownershipOf(undefined, bLatest)).toEqual({
        kind: "unknown",
        why: "this resource has no record of what it pushed",
        revision: bLatest,
      });
    }));
});

describe("CVM operations", () => {
  it("PaginatedCvmOperationsResponse with a cursor; operation-status idle or in progress", () =>
    withEmulator(async (http) => {
      const cvm = (await http.post("/_emulator/cvms", { name: "operated", allowed_envs: ["K"] })).body;
      for (const v of ["1", "2"]) {
        await http.patch(`/cvms/${cvm.id}/envs`, {
          encrypted_env: encryptEnv({ K: v }, cvm.encrypted_env_pubkey),
        });
        const busy = await http.get(`/cvms/${cvm.id}/operation-status`);
        expect(busy.body).toMatchObject({ cvm_id: cvm.id, operation_type: "update_env" });
        await settled(http, cvm.id);
      }
      expect((await http.get(`/cvms/${cvm.id}/operation-status`)).body).toMatchObject({ status: "idle" });
      const page = await http.get(`/cvms/${cvm.id}/operations?limit=1`);
      expect(CvmOperationsSchema.safeParse(page.body).success).toBe(true);
      expect(page.body.items).toHaveLength(1);
      expect(typeof page.body.items[0].triggered_by).toBe("number");
      expect(page.body.next_cursor).not.toBeNull();
      const rest = await http.get(`/cvms/${cvm.id}/operations?limit=1&cursor=${page.body.next_cursor}`);
      expect(rest.body.items[0].correlation_id).not.toBe(page.body.items[0].correlation_id);
      expect((await http.get(`/cvms/${cvm.id}/operations?limit=501`)).status).toBe(422);
      const client = phalaClient({ baseUrl: http.emu.url, apiKey: http.emu.apiKey });
      expect((await client.listOperations(cvm.id)).items.map((o) => o.operationType)).toEqual([
        "update_env",
        "update_env",
      ]);
      expect(await client.operationStatus(cvm.id)).toEqual({ inProgress: false, operationType: undefined });
    }));
});
