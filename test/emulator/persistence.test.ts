/** State file, the JS admin mirror, the ops log, and that logs carry no secrets. */
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../../emulator/index";
import { encryptEnv } from "../../provider/core/envelope";
import { Http, settled, withEmulator } from "./helpers";

describe("state file", () => {
  it("keeps apps, CVMs and keys across a restart of the emulator (mode 0600)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "emu-state-")), "state.json");
    const first = await startEmulator({ stateFile: file, restartMs: 50 });
    const http1 = new Http(first);
    const cvm = (await http1.post("/_emulator/cvms", { name: "survivor", allowed_envs: ["A"] })).body;
    await http1.patch(`/cvms/${cvm.id}/envs`, {
      encrypted_env: encryptEnv({ A: "kept" }, cvm.encrypted_env_pubkey),
    });
    await settled(http1, cvm.id);
    await first.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = await startEmulator({ stateFile: file, restartMs: 50 });
    try {
      const http2 = new Http(second);
      const again = (await http2.get(`/cvms/${cvm.id}`)).body;
      expect(again).toMatchObject({
        id: cvm.id,
        app_id: cvm.app_id,
        kms_info: { encrypted_env_pubkey: cvm.encrypted_env_pubkey },
      });
      // The stored blob still decrypts with the persisted app key.
      await http2.post(`/cvms/${cvm.id}/restart`, {});
      expect(await settled(http2, cvm.id)).toMatchObject({ status: "running", env: { A: "kept" } });
    } finally {
      await second.close();
    }
  });
});

describe("admin", () => {
  it("the JS admin mirrors the HTTP endpoints", () =>
    withEmulator(async (http, emu) => {
      const app = await emu.admin.createApp({ kms: "base" });
      expect(app.kms_type).toBe("base");
      expect(app.kms_slug).toBe("kms-base-prod2");
      const cvm = await emu.admin.createCvm({ name: "mirrored", app_id: app.app_id, allowed_envs: ["A"] });
      expect(cvm.kms_type).toBe("base");
      expect((await http.get(`/_emulator/cvms/${cvm.id}/guest`)).body).toEqual(await emu.admin.guest(cvm.id));
      await http.get(`/cvms/${cvm.id}`);
      expect((await emu.admin.counts()).requests).toEqual({ "GET /cvms/{id}": 1 });
      await expect(emu.admin.guest("cvm_missing")).rejects.toMatchObject({ status: 404 });
      await emu.admin.addFault({ route: "GET /kms", status: 500, times: 1 });
      expect((await http.get("/kms")).status).toBe(500);
      expect((await emu.admin.ops()).map((e) => e.event)).toEqual(["created"]);
      await emu.admin.reset();
      expect(await emu.admin.counts()).toEqual({ requests: {}, writes: 0, restarts: {} });
      expect((await http.get("/cvms")).body).toEqual([]);
    }));

  it("the ops log shows restarts of two CVMs as ordered start/end pairs", () =>
    withEmulator(async (http) => {
      const a = (await http.post("/_emulator/cvms", { name: "seq-aaaa" })).body;
      const b = (await http.post("/_emulator/cvms", { name: "seq-bbbb" })).body;
      await http.patch(`/cvms/${a.id}/envs`, { encrypted_env: "" });
      await settled(http, a.id);
      await http.patch(`/cvms/${b.id}/envs`, { encrypted_env: "" });
      await settled(http, b.id);
      const ops = (await http.get("/_emulator/ops")).body.filter((e: { event: string }) =>
        e.event.startsWith("restart"),
      );
      expect(
        ops.map((e: { cvm: string; event: string }) => `${e.cvm === a.id ? "a" : "b"}:${e.event}`),
      ).toEqual(["a:restart-start", "a:restart-end", "b:restart-start", "b:restart-end"]);
      const seqs = ops.map((e: { seq: number }) => e.seq);
      expect([...seqs].sort((x: number, y: number) => x - y)).toEqual(seqs);
    }));
});

describe("logs", () => {
  it("never contain the secret value, the ciphertext or the API key", async () => {
    const lines: string[] = [];
    const secret = "hunter2-very-secret-value";
    await withEmulator(
      async (http, emu) => {
        const cvm = (await http.post("/_emulator/cvms", { name: "leaky", allowed_envs: ["API_KEY"] })).body;
        const blob = encryptEnv({ API_KEY: secret }, cvm.encrypted_env_pubkey);
        expect((await http.patch(`/cvms/${cvm.id}/envs`, { encrypted_env: blob })).status).toBe(202);
        expect((await settled(http, cvm.id)).env).toEqual({ API_KEY: secret });
        await http.patch(`/cvms/${cvm.id}/envs`, { encrypted_env: "zz-not-hex" });
        await http.get("/auth/me", { "X-API-Key": "phak_wrong" });
        const all = lines.join("\n");
        expect(lines.length).toBeGreaterThan(3);
        expect(all).not.toContain(secret);
        expect(all).not.toContain(blob.slice(0, 40));
        expect(all).not.toContain(emu.apiKey);
        expect(all).not.toContain("phak_wrong");
      },
      { log: (line) => lines.push(line) },
    );
  });
});
