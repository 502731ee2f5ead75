/** Restart state machine, SSE state stream, provision/commit and the 465 flow (phala.md §3.6, §3.7). */

import { composeHash } from "../../provider/core/compose-hash";
import { encryptEnv } from "../../provider/core/envelope";
import { type Http, settled, waitFor, withEmulator } from "./helpers";

async function newCvm(http: Http, body: Record<string, unknown>) {
  const res = await http.post("/_emulator/cvms", body);
  expect(res.status).toBe(200);
  return res.body;
}

/** Reads an SSE response into [{event, data}] until the server ends it. */
// biome-ignore lint/suspicious/noExplicitAny: event data is arbitrary JSON
async function readSse(res: Response): Promise<Array<{ event: string; data: any }>> {
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "";
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "null");
      return { event, data };
    });
}

describe("restart state machine", () => {
  it("an env PATCH answers 202 with the four keys, goes in_progress, then running with the new env", () =>
    withEmulator(
      async (http) => {
        const cvm = await newCvm(http, { name: "restarter", allowed_envs: ["API_KEY"] });
        const blob = encryptEnv({ API_KEY: "s3cret" }, cvm.encrypted_env_pubkey);
        const res = await http.patch(`/cvms/${cvm.id}/envs`, { encrypted_env: blob });
        expect(res.status).toBe(202);
        expect(Object.keys(res.body).sort()).toEqual([
          "allowed_envs_changed",
          "correlation_id",
          "message",
          "status",
        ]);
        expect(res.body.status).toBe("in_progress");
        expect(res.body.allowed_envs_changed).toBe(false);
        const during = (await http.get(`/cvms/${cvm.id}`)).body;
        expect(during.status).toBe("restarting");
        expect(during.in_progress).toBe(true);
        expect(during.progress).toMatchObject({ target: "running", correlation_id: res.body.correlation_id });
        expect(typeof during.progress.started_at).toBe("string");
        const guest = await settled(http, cvm.id);
        expect(guest).toMatchObject({ status: "running", in_progress: false, boot_error: null, boots: 2 });
        expect(guest.env).toEqual({ API_KEY: "s3cret" });
        const after = (await http.get(`/cvms/${cvm.id}`)).body;
        expect(after.progress).toBeNull();
        const counts = (await http.get("/_emulator/counts")).body;
        expect(counts.restarts[cvm.id]).toBe(1);
        expect(counts.requests["PATCH /cvms/{id}/envs"]).toBe(1);
        expect(counts.requests["GET /cvms/{id}"]).toBe(2);
        expect(counts.writes).toBe(1);
        const ops = (await http.get(`/cvms/${cvm.id}/operations`)).body;
        expect(ops.items[0]).toMatchObject({
          correlation_id: res.body.correlation_id,
          operation_type: "update_env",
          target_state: "running",
          status: "completed",
          instance_name: "restarter",
          compose_hash: after.compose_hash,
        });
        for (const key of ["started_at", "completed_at", "error_message", "sub_operations", "events"]) {
          expect(ops.items[0]).toHaveProperty(key);
        }
        const log = (await http.get("/_emulator/ops")).body.map((e: { event: string }) => e.event);
        expect(log).toEqual(["created", "restart-start", "restart-end"]);
      },
      { restartMs: 150 },
    ));

  it("an empty blob is legal and clears the env", () =>
    withEmulator(async (http) => {
      const cvm = await newCvm(http, { name: "clearing", allowed_envs: ["A"] });
      await http.patch(`/cvms/${cvm.id}/envs`, {
        encrypted_env: encryptEnv({ A: "1" }, cvm.encrypted_env_pubkey),
      });
      expect((await settled(http, cvm.id)).env).toEqual({ A: "1" });
      expect((await http.patch(`/cvms/${cvm.id}/envs`, { encrypted_env: "" })).status).toBe(202);
      expect(await settled(http, cvm.id)).toMatchObject({ status: "running", env: {} });
    }));

  it("stop, start and restart move through transient states and return VM objects", () =>
    withEmulator(async (http) => {
      const cvm = await newCvm(http, { name: "power-app" });
      const stop = await http.post(`/cvms/${cvm.id}/stop`);
      expect(stop.status).toBe(200);
      expect(stop.body.status).toBe("stopping");
      expect((await settled(http, cvm.id)).status).toBe("stopped");
      const start = await http.post(`/cvms/${cvm.id}/start`);
      expect(start.body.status).toBe("starting");
      expect((await settled(http, cvm.id)).status).toBe("running");
      const restart = await http.post(`/cvms/${cvm.id}/restart`, { force: false });
      expect(restart.body.status).toBe("restarting");
      // The document's VM: integer id and user_id.
      expect(typeof restart.body.id).toBe("number");
      expect(typeof restart.body.user_id).toBe("number");
      expect(await settled(http, cvm.id)).toMatchObject({ status: "running", boots: 3 });
      expect((await http.get("/_emulator/counts")).body.restarts[cvm.id]).toBe(2);
    }));
});

describe("SSE state stream", () => {
  it("streams state events in order and completes when running again", () =>
    withEmulator(
      async (http, emu) => {
        const cvm = await newCvm(http, { name: "watched" });
        await http.patch(`/cvms/${cvm.id}/envs`, { encrypted_env: "" });
        const res = await fetch(`${emu.url}/cvms/${cvm.id}/state?target=running&timeout=10`, {
          headers: { "X-API-Key": emu.apiKey },
        });
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("text/event-stream");
        const events = await readSse(res);
        expect(events.map((e) => e.event)).toEqual(["state", "state", "complete"]);
        // CvmState only: no in_progress or progress in the stream.
        expect(events[0]!.data).toMatchObject({ status: "restarting", boot_progress: "booting" });
        expect(events[0]!.data).not.toHaveProperty("in_progress");
        expect(events[1]!.data).toMatchObject({ status: "running" });
        expect(events[2]!.data).toMatchObject({ status: "running", target: "running" });
        expect(typeof events[2]!.data.elapsed).toBe("number");
      },
      { restartMs: 150 },
    ));

  it("completes at once for a settled CVM, times out; a failed boot shows in the state event and runs to the timeout", () =>
    withEmulator(
      async (http, emu) => {
        const cvm = await newCvm(http, { name: "watched-2" });
        const headers = { "X-API-Key": emu.apiKey };
        const now = await readSse(await fetch(`${emu.url}/cvms/${cvm.id}/state?target=running`, { headers }));
        expect(now.map((e) => e.event)).toEqual(["state", "complete"]);
        const timeout = await readSse(
          await fetch(`${emu.url}/cvms/${cvm.id}/state?target=stopped&timeout=0.2`, { headers }),
        );
        expect(timeout.map((e) => e.event)).toEqual(["state", "timeout"]);
        expect(timeout[1]!.data).toMatchObject({ error: "timeout", target: "stopped" });
        await http.post("/_emulator/faults", { cvm: cvm.id, bootError: "docker login failed" });
        await http.post(`/cvms/${cvm.id}/restart`, {});
        // The real stream matches the status only: a boot that fails never reaches `running`.
        const failed = await readSse(
          await fetch(`${emu.url}/cvms/${cvm.id}/state?target=running&timeout=0.4`, { headers }),
        );
        expect(failed.map((e) => e.event).at(-1)).toBe("timeout");
        expect(failed.map((e) => e.event)).not.toContain("complete");
        expect(failed.at(-2)!.data).toMatchObject({ status: "stopped", boot_error: "docker login failed" });
        expect((await http.get(`/cvms/${cvm.id}/state?target=running&timeout=601`)).status).toBe(422);
      },
      { restartMs: 100 },
    ));
});

describe("provision and commit (§3.6.1)", () => {
  it("provisions, commits with an encrypted env, boots, and is idempotent", () =>
    withEmulator(async (http) => {
      const prov = await http.post("/cvms/provision", {
        name: "prov-app",
        instance_type: "tdx.small",
        kms: "PHALA",
        compose_file: {
          name: "",
          docker_compose_file: "services: {}\n",
          allowed_envs: ["API_KEY"],
          public_logs: true,
        },
      });
      expect(prov.status).toBe(200);
      for (const key of [
        "app_id",
        "app_env_encrypt_pubkey",
        "compose_hash",
        "fmspc",
        "device_id",
        "os_image_hash",
        "kms_info",
        "instance_type",
        "node_id",
        "kms_id",
      ]) {
        expect(prov.body).toHaveProperty(key);
      }
      const blob = encryptEnv({ API_KEY: "v1" }, prov.body.app_env_encrypt_pubkey);
      const body = { app_id: prov.body.app_id, compose_hash: prov.body.compose_hash, encrypted_env: blob };
      const commit = await http.post("/cvms", body);
      expect(commit.status).toBe(200);
      for (const key of [
        "id",
        "name",
        "status",
        "teepod_id",
        "app_id",
        "vm_uuid",
        "instance_id",
        "created_at",
      ]) {
        expect(commit.body).toHaveProperty(key);
      }
      expect(commit.body.encrypted_env_pubkey).toBe(prov.body.app_env_encrypt_pubkey);
      const guest = await settled(http, commit.body.vm_uuid);
      expect(guest).toMatchObject({ status: "running", env: { API_KEY: "v1" } });
      const info = (await http.get(`/cvms/${commit.body.vm_uuid}`)).body;
      expect(info.compose_hash).toBe(prov.body.compose_hash);
      expect(composeHash(info.compose_file)).toBe(prov.body.compose_hash);
      const again = await http.post("/cvms", body);
      expect(again.body.vm_uuid).toBe(commit.body.vm_uuid);
      const unknown = await http.post("/cvms", { ...body, compose_hash: "ab".repeat(32) });
      expect(unknown.status).toBe(466);
      expect(unknown.body.error_code).toBe("ERR-01-006");
    }));
});

describe("env_keys and the compose hash (§3.6.2, §3.8)", () => {
  it("env_keys rewrites allowed_envs and the hash; values-only changes keep the hash", () =>
    withEmulator(async (http) => {
      const cvm = await newCvm(http, { name: "hashy", allowed_envs: ["A"] });
      const pub = cvm.encrypted_env_pubkey;
      const before = cvm.compose_hash;
      const same = await http.patch(`/cvms/${cvm.id}/envs`, {
        encrypted_env: encryptEnv({ A: "2" }, pub),
        env_keys: ["A"],
      });
      expect(same.body.allowed_envs_changed).toBe(false);
      await settled(http, cvm.id);
      expect((await http.get(`/cvms/${cvm.id}`)).body.compose_hash).toBe(before);
      const changed = await http.patch(`/cvms/${cvm.id}/envs`, {
        encrypted_env: encryptEnv({ A: "2", B: "3" }, pub),
        env_keys: ["A", "B"],
      });
      expect(changed.body.allowed_envs_changed).toBe(true);
      const guest = await settled(http, cvm.id);
      expect(guest.env).toEqual({ A: "2", B: "3" });
      expect(guest.allowed_envs).toEqual(["A", "B"]);
      const info = (await http.get(`/cvms/${cvm.id}`)).body;
      expect(info.compose_hash).not.toBe(before);
      expect(info.compose_file.allowed_envs).toEqual(["A", "B"]);
      expect(info.compose_hash).toBe(composeHash(info.compose_file));
      expect(guest.compose_hash).toBe(info.compose_hash);
    }));
});

describe("on-chain KMS: the 465 flow", () => {
  it("phase 1 answers 465 with details; phase 2 checks the hash (466) and the tx (467), then 202", () =>
    withEmulator(async (http) => {
      const cvm = await newCvm(http, { name: "onchain", kms: "ethereum", allowed_envs: ["A"] });
      expect(cvm.kms_type).toBe("ethereum");
      const blob = encryptEnv({ A: "1", B: "2" }, cvm.encrypted_env_pubkey);
      const body = { encrypted_env: blob, env_keys: ["A", "B"] };
      const p1 = await http.patch(`/cvms/${cvm.id}/envs`, body);
      expect(p1.status).toBe(465);
      expect(p1.body.error_code).toBe("ERR-01-005");
      expect(p1.body.request_id).toBe(p1.headers.get("x-request-id"));
      const fields = Object.fromEntries(
        p1.body.details.map((d: { field: string; value: unknown }) => [d.field, d.value]),
      );
      expect(Object.keys(fields).sort()).toEqual(["app_id", "compose_hash", "device_id", "kms_info"]);
      expect(fields.app_id).toBe(cvm.app_id);
      expect(fields.kms_info).toMatchObject({ slug: "kms-eth-prod1", chain_id: 1 });
      expect(fields.compose_hash).toBe(composeHash({ ...cvm.compose_file, allowed_envs: ["A", "B"] }));
      // Nothing changed yet.
      expect((await http.get(`/_emulator/cvms/${cvm.id}/guest`)).body).toMatchObject({
        boots: 1,
        allowed_envs: ["A"],
      });
      const tx = `0x${"ab".repeat(32)}`;
      const wrongHash = await http.patch(`/cvms/${cvm.id}/envs`, {
        ...body,
        compose_hash: "00".repeat(32),
        transaction_hash: tx,
      });
      expect(wrongHash.status).toBe(466);
      expect(wrongHash.body.error_code).toBe("ERR-01-006");
      const badTx = await http.patch(`/cvms/${cvm.id}/envs`, {
        ...body,
        compose_hash: fields.compose_hash,
        transaction_hash: "0x12",
      });
      expect(badTx.status).toBe(467);
      expect(badTx.body.error_code).toBe("ERR-01-007");
      const ok = await http.patch(`/cvms/${cvm.id}/envs`, {
        ...body,
        compose_hash: fields.compose_hash,
        transaction_hash: tx,
      });
      expect(ok.status).toBe(202);
      expect(ok.body.allowed_envs_changed).toBe(true);
      const guest = await settled(http, cvm.id);
      expect(guest).toMatchObject({ env: { A: "1", B: "2" }, compose_hash: fields.compose_hash });
      // Values only: no 465 for an on-chain app.
      const values = await http.patch(`/cvms/${cvm.id}/envs`, {
        encrypted_env: encryptEnv({ A: "9", B: "9" }, cvm.encrypted_env_pubkey),
        env_keys: ["B", "A"],
      });
      expect(values.status).toBe(202);
      await waitFor(async () => !(await http.get(`/cvms/${cvm.id}`)).body.in_progress);
    }));
});

describe("SSE limits", () => {
  it("refuses a sixth concurrent state stream with 429, and frees the slot when one ends", () =>
    withEmulator(
      async (http, emu) => {
        const cvm = await newCvm(http, { name: "many-watch" });
        await http.post(`/cvms/${cvm.id}/restart`, {});
        const headers = { "X-API-Key": emu.apiKey };
        const open = await Promise.all(
          Array.from({ length: 5 }, () =>
            fetch(`${emu.url}/cvms/${cvm.id}/state?target=running`, { headers }),
          ),
        );
        expect(open.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
        const sixth = await http.get(`/cvms/${cvm.id}/state?target=running`);
        expect(sixth.status).toBe(429);
        expect(sixth.headers.get("retry-after")).toBe("1");
        for (const res of open) expect((await readSse(res)).at(-1)?.event).toBe("complete");
        await waitFor(async () => (await http.get(`/cvms/${cvm.id}/state?target=running`)).status === 200);
      },
      { restartMs: 200 },
    ));
});

describe("on-chain provision and commit", () => {
  it("provision answers no app id or key; commit with the contract address creates the app", () =>
    withEmulator(async (http) => {
      const prov = await http.post("/cvms/provision", {
        name: "chain-app",
        kms_type: "BASE",
        compose_file: { docker_compose_file: "services: {}\n", allowed_envs: ["A"] },
        env_keys: ["A"],
      });
      expect(prov.status).toBe(200);
      expect(prov.body).toMatchObject({ app_id: null, app_env_encrypt_pubkey: null });
      expect(prov.body.kms_info.slug).toBe("kms-base-prod2");
      const contract = `0x${"c0".repeat(20)}`;
      const key = await http.get(`/kms/base/pubkey/${contract}`);
      expect(key.status).toBe(200);
      const blob = encryptEnv({ A: "on-chain" }, key.body.public_key);
      const commit = await http.post("/cvms", {
        app_id: contract,
        compose_hash: prov.body.compose_hash,
        encrypted_env: blob,
        env_keys: ["A"],
        contract_address: contract,
      });
      expect(commit.status).toBe(200);
      expect(commit.body.app_id).toBe("c0".repeat(20));
      expect(await settled(http, commit.body.id)).toMatchObject({
        status: "running",
        env: { A: "on-chain" },
      });
      const bad = await http.post("/cvms/provision", {
        name: "chain-app2",
        kms: "BASE",
        compose_file: { docker_compose_file: "x", allowed_envs: ["A"] },
        env_keys: ["B"],
      });
      expect(bad.status).toBe(422);
    }));
});

describe("same-path two-phase create (current SDK)", () => {
  it("POST /cvms with a provision body answers with a token; POST /cvms with the hash and token commits", () =>
    withEmulator(async (http) => {
      const prep = await http.post("/cvms", {
        name: "same-path",
        instance_type: "tdx.small",
        compose_file: { docker_compose_file: "services: {}\n", allowed_envs: ["A"] },
      });
      expect(prep.status).toBe(200);
      expect(prep.body.token).toMatch(/^ctk_/);
      expect(prep.body.app_env_encrypt_pubkey).toMatch(/^[0-9a-f]{64}$/);
      const base = { app_id: prep.body.app_id, compose_hash: prep.body.compose_hash };
      const wrong = await http.post("/cvms", { ...base, token: "ctk_wrong" });
      expect(wrong.status).toBe(466);
      const blob = encryptEnv({ A: "x" }, prep.body.app_env_encrypt_pubkey);
      const commit = await http.post("/cvms", { ...base, token: prep.body.token, encrypted_env: blob });
      expect(commit.status).toBe(200);
      expect(await settled(http, commit.body.id)).toMatchObject({ env: { A: "x" } });
    }));
});
