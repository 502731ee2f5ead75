/**
 * `X-Phala-Version: 2026-06-23` in the emulator: the contract-centric KMS routes (`GET /kms`,
 * `GET /kms/{slug}`) in the official SDK's KmsContractInfo shape, every other route as in
 * 2026-05-22; and the provider, which pins 2026-05-22 on every call, keeps working — and refuses
 * before any write when a server answers its pinned `GET /kms` in the 2026-06-23 shape anyway.
 */
import type { Emulator } from "../../emulator";
import { ErrorCodes } from "../../provider/errors";
import { hostileProxy } from "../support/hostile-proxy";
import { failedUp, useFreshEmulator } from "../support/provider-harness";
import type { HttpResult } from "./helpers";

jest.setTimeout(60_000);

const COMPOSE =
  "services:\n  app:\n    image: ghcr.io/acme/api:1\n    environment:\n      - API_KEY=${API_KEY}\n";
const SECRETS = { API_KEY: "sk_live_kms_contracts_1" };

let emu: Emulator;
useFreshEmulator(40, (started) => {
  emu = started;
});

/** A GET with or without `X-Phala-Version`. */
async function get(path: string, version?: string): Promise<Pick<HttpResult, "status" | "body">> {
  const res = await fetch(`${emu.url}${path}`, {
    headers: { "x-api-key": emu.apiKey, ...(version ? { "x-phala-version": version } : {}) },
  });
  return { status: res.status, body: await res.json() };
}

/** The signer and CA key the 2026-05-22 API documents for a KMS (`/kms/{kms_id}/info`). */
async function bootstrapInfo(kmsId: string): Promise<{ k256_pubkey: string; ca_pubkey: string }> {
  const { k256_pubkey, ca_pubkey } = (await get(`/kms/${kmsId}/info`, "2026-05-22")).body.rpc.bootstrap_info;
  return { k256_pubkey, ca_pubkey };
}

test('GET /kms at 2026-06-23 lists KMS contracts: slug, label, address ("phala" on chain 0), anchors', async () => {
  const old = (await get("/kms", "2026-05-22")).body.items as Array<Record<string, string | number | null>>;
  const { status, body } = await get("/kms", "2026-06-23");
  expect(status).toBe(200);
  expect(Object.keys(body).sort()).toEqual(["items", "page", "page_size", "pages", "total"]);
  const expected = await Promise.all(
    old.map(async (k) => ({
      ...(await bootstrapInfo(String(k.id))),
      id: `kc_${String(k.id).replace(/^kms_/, "")}`,
      slug: { "kms-phala-prod7": "phala", "kms-eth-prod1": "ethereum", "kms-base-prod2": "base" }[
        k.slug as string
      ],
      label: { "kms-phala-prod7": "Phala", "kms-eth-prod1": "Ethereum", "kms-base-prod2": "Base" }[
        k.slug as string
      ],
      contract_address: k.kms_contract_address ?? "phala",
      chain_id: k.chain_id ?? 0,
      node_count: 1,
    })),
  );
  expect(body.items).toEqual(expected);
  expect(body.items.map((k: { chain_id: number }) => k.chain_id).sort()).toEqual([0, 1, 8453]);
  expect(body.total).toBe(3);

  const onchain = (await get("/kms?is_onchain=true", "2026-06-23")).body.items;
  expect(onchain.map((k: { slug: string }) => k.slug).sort()).toEqual(["base", "ethereum"]);
  const offchain = (await get("/kms?is_onchain=false", "2026-06-23")).body.items;
  expect(offchain.map((k: { contract_address: string }) => k.contract_address)).toEqual(["phala"]);
});

test("GET /kms/{slug} at 2026-06-23: by contract slug or kc_ id; an unknown one is 404", async () => {
  const listed = (await get("/kms", "2026-06-23")).body.items as Array<{ id: string; slug: string }>;
  const base = listed.find((k) => k.slug === "base")!;
  expect((await get("/kms/base", "2026-06-23")).body).toEqual(base);
  expect((await get(`/kms/${base.id}`, "2026-06-23")).body).toEqual(base);
  const missing = await get("/kms/solana", "2026-06-23");
  expect(missing).toEqual({ status: 404, body: { detail: "KMS contract not found" } });
  // Before 2026-06-23 the same path takes a KMSInfo id or slug: a type is not one.
  expect((await get("/kms/base", "2026-05-22")).status).toBe(404);
});

test("every other route answers at 2026-06-23 as at 2026-05-22; an unknown version is refused", async () => {
  const cvm = await emu.admin.createCvm({ name: "v-check", kms: "base", docker_compose_file: COMPOSE });
  for (const path of [`/cvms/${cvm.id}`, `/cvms/${cvm.id}/state`, "/auth/me"]) {
    const newer = await get(path, "2026-06-23");
    expect(newer.status).toBe(200);
    expect(newer.body).toEqual((await get(path, "2026-05-22")).body);
  }
  const pubkey = `/kms/base/pubkey/${cvm.app_id}`;
  expect((await get(pubkey, "2026-06-23")).body).toEqual((await get(pubkey, "2026-05-22")).body);
  expect((await get("/kms", "2026-07-01")).status).toBe(400);
});

test("the provider pins 2026-05-22 on every call and works; a server answering GET /kms in 2026-06-23 shapes anyway is refused before any write", async () => {
  const cvm = await emu.admin.createCvm({ name: "v-provider", kms: "base", docker_compose_file: COMPOSE });
  const honest = await hostileProxy(emu.url, () => undefined);
  process.env.PHALA_CLOUD_API_PREFIX = honest.url;
  try {
    // No trusted signer, no RPC: the documented signer path reads GET /kms and /kms/{id}/info.
    const first = await failedUp(undefined, { cvms: [cvm.id], env: SECRETS });
    expect(first.code).toBe(ErrorCodes.HASH_REGISTRATION_REQUIRED);
    expect(honest.versions.length).toBeGreaterThan(0);
    expect([...new Set(honest.versions)]).toEqual(["2026-05-22"]);
  } finally {
    await honest.close();
  }

  const contracts = (await get("/kms", "2026-06-23")).body;
  const ignoring = await hostileProxy(emu.url, (method, path) =>
    method === "GET" && path === "/kms" ? contracts : undefined,
  );
  process.env.PHALA_CLOUD_API_PREFIX = ignoring.url;
  try {
    const other = await emu.admin.createCvm({
      name: "v-ignoring",
      kms: "base",
      docker_compose_file: COMPOSE,
    });
    const error = await failedUp(undefined, { cvms: [other.id], env: SECRETS });
    expect(error.code).toBe(ErrorCodes.API_ERROR);
    expect(error.message).toMatch(/^GET \/kms for the KMS list: unexpected response shape/);
    expect(error.message).not.toContain(SECRETS.API_KEY);
    expect(ignoring.writes).toEqual([]);
  } finally {
    await ignoring.close();
    process.env.PHALA_CLOUD_API_PREFIX = emu.url;
  }
});
