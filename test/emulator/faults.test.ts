/** The fault plan: status codes, Retry-After, latency, dropped connections, boot errors. */
import { encryptEnv } from "../../provider/core/envelope";
import { settled, withEmulator } from "./helpers";

describe("faults", () => {
  it("answers 429 with Retry-After for the next N matching calls, then recovers", () =>
    withEmulator(async (http) => {
      const cvm = (await http.post("/_emulator/cvms", { name: "limited" })).body;
      const fault = await http.post("/_emulator/faults", {
        route: "PATCH /cvms/{id}/envs",
        status: 429,
        retryAfter: 7,
        times: 2,
      });
      expect(fault.body.id).toMatch(/^fault_/);
      for (let i = 0; i < 2; i++) {
        const res = await http.patch(`/cvms/${cvm.id}/envs`, { encrypted_env: "" });
        expect(res.status).toBe(429);
        expect(res.headers.get("retry-after")).toBe("7");
        expect(res.body).toEqual({ detail: "Too Many Requests" });
      }
      // Other routes are untouched; the faulted calls changed nothing.
      expect((await http.get(`/cvms/${cvm.id}`)).body.in_progress).toBe(false);
      expect((await http.patch(`/cvms/${cvm.id}/envs`, { encrypted_env: "" })).status).toBe(202);
      const counts = (await http.get("/_emulator/counts")).body;
      expect(counts.requests["PATCH /cvms/{id}/envs"]).toBe(3);
      expect(counts.restarts[cvm.id]).toBe(1);
    }));

  it("scopes faults to one CVM, answers 409 and 5xx shapes, and clears", () =>
    withEmulator(async (http) => {
      const a = (await http.post("/_emulator/cvms", { name: "cvm-aaaa" })).body;
      const b = (await http.post("/_emulator/cvms", { name: "cvm-bbbb" })).body;
      await http.post("/_emulator/faults", { route: "*", cvm: "cvm-aaaa", status: 503 });
      const down = await http.get(`/cvms/${a.vm_uuid}`);
      expect(down.status).toBe(503);
      expect(down.headers.get("retry-after")).toBe("1");
      expect((await http.get(`/cvms/${b.id}`)).status).toBe(200);
      await http.delete("/_emulator/faults");
      expect((await http.get(`/cvms/${a.id}`)).status).toBe(200);
      await http.post("/_emulator/faults", { route: "POST /cvms/{id}/restart", status: 409, times: 1 });
      const busy = await http.post(`/cvms/${a.id}/restart`, {});
      expect(busy.status).toBe(409);
      expect(busy.body).toEqual({ detail: "Another operation in progress" });
      await http.post("/_emulator/faults", { route: "GET /kms", status: 500, times: 1 });
      const err = await http.get("/kms");
      expect(err.status).toBe(500);
      expect(typeof err.body.detail).toBe("string");
      expect((await http.post("/_emulator/faults", { status: 429 })).status).toBe(422);
      expect((await http.post("/_emulator/faults", { route: "*", status: 200 })).status).toBe(422);
    }));

  it("drops the connection so fetch rejects, and adds latency", () =>
    withEmulator(async (http) => {
      await http.post("/_emulator/faults", { route: "GET /auth/me", drop: true, times: 1 });
      await expect(http.get("/auth/me")).rejects.toThrow();
      expect((await http.get("/auth/me")).status).toBe(200);
      await http.post("/_emulator/faults", { route: "GET /kms", latencyMs: 250, times: 1 });
      const started = Date.now();
      expect((await http.get("/kms")).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    }));

  it("a seeded probability fault is deterministic", () =>
    withEmulator(async (http) => {
      const run = async () => {
        await http.delete("/_emulator/faults");
        await http.post("/_emulator/faults", { route: "GET /kms", status: 502, probability: 0.5, seed: 42 });
        const statuses: number[] = [];
        for (let i = 0; i < 12; i++) statuses.push((await http.get("/kms")).status);
        return statuses;
      };
      const first = await run();
      expect(first).toEqual(await run());
      expect(first).toContain(502);
      expect(first).toContain(200);
    }));

  it("a boot-error fault makes the next boot fail: stopped + boot_error, then the next boot works", () =>
    withEmulator(async (http) => {
      const cvm = (await http.post("/_emulator/cvms", { name: "bootfail", allowed_envs: ["A"] })).body;
      await http.post("/_emulator/faults", { cvm: cvm.id, bootError: "docker login failed" });
      const blob = encryptEnv({ A: "1" }, cvm.encrypted_env_pubkey);
      expect((await http.patch(`/cvms/${cvm.id}/envs`, { encrypted_env: blob })).status).toBe(202);
      expect(await settled(http, cvm.id)).toMatchObject({
        status: "stopped",
        boot_error: "docker login failed",
      });
      // The CVM record (CVMInfoDetail) has no boot_error; CvmState (`/state`) carries it.
      const info = (await http.get(`/cvms/${cvm.id}`)).body;
      expect(info).toMatchObject({ status: "stopped", in_progress: false });
      expect(info).not.toHaveProperty("boot_error");
      expect((await http.get(`/cvms/${cvm.id}/state`)).body).toMatchObject({
        status: "stopped",
        boot_error: "docker login failed",
      });
      const ops = (await http.get(`/cvms/${cvm.id}/operations`)).body.items;
      expect(ops[0]).toMatchObject({ status: "failed", error_message: "docker login failed" });
      expect((await http.get("/_emulator/ops")).body.map((e: { event: string }) => e.event)).toContain(
        "boot-failed",
      );
      await http.post(`/cvms/${cvm.id}/start`);
      expect(await settled(http, cvm.id)).toMatchObject({ status: "running", env: { A: "1" } });
    }));
});

describe("on-chain status faults", () => {
  it("an injected 468 answers the structured ERR-01-008 with the request id", () =>
    withEmulator(async (http) => {
      const cvm = (await http.post("/_emulator/cvms", { name: "chain-468", kms: "base" })).body;
      await http.post("/_emulator/faults", { route: "PATCH /cvms/{id}/envs", status: 468, times: 1 });
      const res = await http.patch(`/cvms/${cvm.id}/envs`, { encrypted_env: "", env_keys: ["A"] });
      expect(res.status).toBe(468);
      expect(res.body).toMatchObject({
        error_code: "ERR-01-008",
        request_id: res.headers.get("x-request-id"),
      });
    }));
});
