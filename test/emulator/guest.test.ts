/** The guest view: node:crypto decryption, allow-list (§3.9) and limits (§4.2) as boot outcomes. */
import { encryptEnv } from "../../provider/core/envelope";
import { type Http, sealRaw, settled, withEmulator } from "./helpers";

async function bootWith(http: Http, allowed: string[], makeBlob: (pub: string) => string) {
  const cvm = (
    await http.post("/_emulator/cvms", {
      name: `guest-${Math.random().toString(36).slice(2, 8)}`,
      allowed_envs: allowed,
    })
  ).body;
  const res = await http.patch(`/cvms/${cvm.id}/envs`, { encrypted_env: makeBlob(cvm.encrypted_env_pubkey) });
  expect(res.status).toBe(202);
  return settled(http, cvm.id);
}

describe("guest view", () => {
  it("a blob made by encryptEnv decrypts to exactly the env (sorted), across tricky values", () =>
    withEmulator(async (http) => {
      const env = {
        Z_LAST: "z",
        API_KEY: 'multi\nline "quoted" $dollar \\ back',
        UNICODE: "héllo ✓ 𝄞",
        EMPTY: "",
      };
      const guest = await bootWith(http, Object.keys(env), (pub) => encryptEnv(env, pub));
      expect(guest.boot_error).toBeNull();
      expect(guest.env).toEqual(env);
      expect(Object.keys(guest.env)).toEqual(["API_KEY", "EMPTY", "UNICODE", "Z_LAST"]);
      expect(guest.skipped).toEqual([]);
    }));

  it("drops keys not in allowed_envs and lists them in skipped; an empty allow-list drops all", () =>
    withEmulator(async (http) => {
      const partial = await bootWith(http, ["A"], (pub) => encryptEnv({ A: "1", B: "2", C: "3" }, pub));
      expect(partial).toMatchObject({ status: "running", env: { A: "1" }, skipped: ["B", "C"] });
      const none = await bootWith(http, [], (pub) => encryptEnv({ A: "1" }, pub));
      expect(none).toMatchObject({ status: "running", env: {}, skipped: ["A"] });
    }));

  it("rejected blobs end in stopped with the documented boot_error, never an HTTP error", () =>
    withEmulator(async (http) => {
      const many = Object.fromEntries(Array.from({ length: 1025 }, (_, i) => [`K${i}`, "v"]));
      const tooMany = await bootWith(http, ["K0"], (pub) => encryptEnv(many, pub));
      expect(tooMany).toMatchObject({ status: "stopped", in_progress: false, env: null });
      expect(tooMany.boot_error).toBe("Too many environment variables: 1025");

      const badKey = await bootWith(http, ["1BAD"], (pub) => encryptEnv({ "1BAD": "x" }, pub));
      expect(badKey.boot_error).toBe("Invalid env key: 1BAD");
      // The same bad key is harmless when it is not allowed (skipped before validation).
      expect(await bootWith(http, [], (pub) => encryptEnv({ "1BAD": "x" }, pub))).toMatchObject({
        status: "running",
        skipped: ["1BAD"],
      });

      const tampered = await bootWith(http, ["A"], (pub) => {
        const blob = encryptEnv({ A: "1" }, pub);
        const last = blob.slice(-2) === "00" ? "01" : "00";
        return blob.slice(0, -2) + last;
      });
      expect(tampered).toMatchObject({
        status: "stopped",
        boot_error: "Failed to decrypt env file: Decryption failed: aead::Error",
      });

      const wrongKey = await bootWith(http, ["A"], () => encryptEnv({ A: "1" }, "11".repeat(32)));
      expect(wrongKey.boot_error).toBe("Failed to decrypt env file: Decryption failed: aead::Error");

      const lowOrder = await bootWith(http, ["A"], () => "00".repeat(32) + "11".repeat(12) + "22".repeat(20));
      expect(lowOrder.boot_error).toBe("Failed to decrypt env file: invalid X25519 shared secret");

      const short = await bootWith(http, ["A"], () => "ab".repeat(40));
      expect(short.boot_error).toBe("Failed to decrypt env file: Invalid IV length");
      const shorter = await bootWith(http, ["A"], () => "ab".repeat(20));
      expect(shorter.boot_error).toBe("Failed to decrypt env file: Invalid ephemeral public key length");

      const bigValue = await bootWith(http, ["A"], (pub) => encryptEnv({ A: "x".repeat(131_073) }, pub));
      expect(bigValue.boot_error).toBe("Environment variable value too long for key: A");

      const longKey = "K".repeat(256);
      const longName = await bootWith(http, [longKey], (pub) => encryptEnv({ [longKey]: "x" }, pub));
      expect(longName.boot_error).toBe(`Environment variable name too long: ${longKey}`);

      const numberValue = await bootWith(http, ["A"], (pub) =>
        sealRaw('{"env":[{"key":"A","value":1}]}', pub),
      );
      expect(numberValue.boot_error).toMatch(/^Failed to parse env: .*not a string/);

      const notJson = await bootWith(http, ["A"], (pub) => sealRaw("A=secret-value", pub));
      expect(notJson.boot_error).toBe("Failed to parse env: not UTF-8 JSON");
      expect(notJson.boot_error).not.toContain("secret-value");
    }));

  // The 1 MiB cumulative cap of §4.2 cannot be reached through a 256 KiB file; guest.ts checks it anyway.
  it("enforces the 256 KiB file cap; large values under it boot", () =>
    withEmulator(async (http) => {
      const huge = await bootWith(http, ["A"], (pub) => sealRaw("x".repeat(262_144), pub));
      expect(huge.boot_error).toMatch(/too large/);
      const env = Object.fromEntries(Array.from({ length: 2 }, (_, i) => [`V${i}`, "y".repeat(120_000)]));
      const fits = await bootWith(http, Object.keys(env), (pub) => encryptEnv(env, pub));
      expect(fits.status).toBe("running");
    }));

  it("a rotated app key makes the old blob fail at the next boot", () =>
    withEmulator(async (http) => {
      const cvm = (await http.post("/_emulator/cvms", { name: "rotating", allowed_envs: ["A"] })).body;
      const blob = encryptEnv({ A: "1" }, cvm.encrypted_env_pubkey);
      await http.patch(`/cvms/${cvm.id}/envs`, { encrypted_env: blob });
      expect((await settled(http, cvm.id)).env).toEqual({ A: "1" });
      const rotated = await http.post(`/_emulator/apps/${cvm.app_id}/rotate-key`);
      expect(rotated.body.encrypted_env_pubkey).not.toBe(cvm.encrypted_env_pubkey);
      expect((await http.get(`/cvms/${cvm.id}`)).body.kms_info.encrypted_env_pubkey).toBe(
        rotated.body.encrypted_env_pubkey,
      );
      await http.post(`/cvms/${cvm.id}/restart`, {});
      expect(await settled(http, cvm.id)).toMatchObject({
        status: "stopped",
        boot_error: "Failed to decrypt env file: Decryption failed: aead::Error",
      });
    }));
});
