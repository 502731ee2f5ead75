/**
 * `cvm-secrets encrypt --cvm` applies the provider's trust rules (cvm-secrets/steps/trust.ts): the reported
 * key for Phala KMS, the KMS-signed key for on-chain KMS (the CVM reports none), a wrong
 * `--trusted-signer` refused with nothing printed. Blobs are checked by what the guest decrypts.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { type Emulator, startEmulator } from "../../emulator/index";
import { main } from "../../provider/cli/main";

const SECRET = "sk_cli_trust_value_42";
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ restartMs: 30 });
});
afterAll(async () => {
  await emu.close();
});

async function run(
  args: string[],
  env: NodeJS.ProcessEnv = { PHALA_CLOUD_API_KEY: emu.apiKey, PHALA_CLOUD_API_PREFIX: emu.url },
): Promise<{ code: number; out: string; err: string }> {
  const box = { code: 0, out: "", err: "" };
  box.code = await main(["encrypt", ...args, "-e", `A=${SECRET}`], {
    stdout: (t) => {
      box.out += t;
    },
    stderr: (t) => {
      box.err += t;
    },
    readStdin: () => "",
    env,
  });
  return box;
}

/** Pushes the blob and returns what the guest decrypted. */
async function guestOf(cvm: string, blob: string): Promise<Record<string, string> | null> {
  const res = await fetch(`${emu.url}/cvms/${cvm}/envs`, {
    method: "PATCH",
    headers: { "x-api-key": emu.apiKey, "content-type": "application/json" },
    body: JSON.stringify({ encrypted_env: blob }),
  });
  expect(res.status).toBe(202);
  for (;;) {
    const guest = await emu.admin.guest(cvm);
    if (!guest.in_progress) return guest.env;
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("Phala KMS: encrypts to the key the CVM reports", async () => {
  const cvm = await emu.admin.createCvm({ name: "cli-phala", allowed_envs: ["A"] });
  const res = await run(["--cvm", cvm.id]);
  expect(res.code).toBe(0);
  expect(await guestOf(cvm.id, res.out.trim())).toEqual({ A: SECRET });
});

test("on-chain KMS: the signed key (the CVM reports none), with or without --trusted-signer", async () => {
  const cvm = await emu.admin.createCvm({ name: "cli-base", kms: "base", allowed_envs: ["A"] });
  const reported = (await fetch(`${emu.url}/cvms/${cvm.id}`, { headers: { "x-api-key": emu.apiKey } }).then(
    (r) => r.json(),
  )) as { kms_info: { encrypted_env_pubkey: string | null } };
  expect(reported.kms_info.encrypted_env_pubkey).toBeNull();
  const documented = await run(["--cvm", cvm.id]);
  expect(documented.code).toBe(0);
  expect(await guestOf(cvm.id, documented.out.trim())).toEqual({ A: SECRET });
  const pinned = await run(["--cvm", cvm.id, "--trusted-signer", cvm.k256_pubkey]);
  expect(pinned.code).toBe(0);
  expect(await guestOf(cvm.id, pinned.out.trim())).toEqual({ A: SECRET });
});

test("a wrong --trusted-signer is refused and nothing is printed to stdout", async () => {
  const cvm = await emu.admin.createCvm({ name: "cli-eth", kms: "ethereum", allowed_envs: ["A"] });
  const wrong = Buffer.from(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true)).toString("hex");
  const res = await run(["--cvm", cvm.id, "--trusted-signer", wrong]);
  expect(res.code).toBe(1);
  expect(res.out).toBe("");
  expect(res.err).toContain("not signed by the trusted signer");
  expect(res.err).not.toContain(SECRET);
});

describe("a failed API call names what the command reads: its environment variables, --cvm, the URL tried", () => {
  test("a wrong key: PHALA_CLOUD_API_KEY, not a stack setting the command never reads", async () => {
    const cvm = await emu.admin.createCvm({ name: "cli-wrong-key", allowed_envs: ["A"] });
    const res = await run(["--cvm", cvm.id], {
      PHALA_CLOUD_API_KEY: "phak_wrong",
      PHALA_CLOUD_API_PREFIX: emu.url,
    });
    expect(res.code).toBe(1);
    expect(res.out).toBe("");
    expect(res.err).toMatch(/^cvm-secrets: GET \/cvms\/\{id\} for CVM cvm_\w+ failed: HTTP 401\b.*\./);
    expect(res.err.endsWith(" Check the API key (the PHALA_CLOUD_API_KEY environment variable).\n")).toBe(
      true,
    );
  });

  test("an unknown CVM: --cvm", async () => {
    const res = await run(["--cvm", "cvm_does_not_exist"]);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/^cvm-secrets: GET \/cvms\/\{id\} for CVM cvm_does_not_exist failed: HTTP 404\b/);
    expect(res.err.endsWith(" Check the CVM id in --cvm (cvm_…, app_<hex>, a UUID or the CVM name).\n")).toBe(
      true,
    );
  });

  test("an unreachable API: the URL tried and PHALA_CLOUD_API_PREFIX", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const res = await run(["--cvm", "cvm_x"], {
      PHALA_CLOUD_API_KEY: "phak_any",
      PHALA_CLOUD_API_PREFIX: `http://user:pw@127.0.0.1:${port}/api/v1/?q=1`,
    });
    expect(res.code).toBe(1);
    expect(res.err).toBe(
      `cvm-secrets: GET /cvms/{id} for CVM cvm_x failed: connection error ECONNREFUSED at http://127.0.0.1:${port}/api/v1/ (after 6 attempts). ` +
        "Check the PHALA_CLOUD_API_PREFIX environment variable (default the Phala Cloud API) and that the API is reachable.\n",
    );
  }, 30_000);
});
