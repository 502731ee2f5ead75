/**
 * Every emulator answer, for every route and every `X-Phala-Version`, against the documented
 * schema of that route and version (provider/api/phala/*.ts, each API area's schemas beside its calls, in `exact` mode, written from
 * Phala's OpenAPI document): every declared key present, no other key, types and enumerations as
 * documented. The emulator can never be more generous than the API. A route added to the
 * emulator without a case here fails the coverage test at the end.
 */
import { z } from "zod";
import { API_ROUTES } from "../../emulator/api";
import { API_VERSIONS, type ApiVersion } from "../../emulator/shapes";
import { appSchemas } from "../../provider/api/phala/apps";
import { envSchemas } from "../../provider/api/phala/cvm-envs";
import { cvmLifecycleSchemas } from "../../provider/api/phala/cvm-lifecycle";
import { operationSchemas } from "../../provider/api/phala/cvm-operations";
import { sseSchemas } from "../../provider/api/phala/cvm-ready";
import { cvmSchemas } from "../../provider/api/phala/cvms";
import { kmsSchemas } from "../../provider/api/phala/kms";
import { type SchemaMode, sharedSchemas } from "../../provider/api/phala/schemas";
import { encryptEnv } from "../../provider/core/envelope";
import { type Http, settled, withEmulator } from "./helpers";

/**
 * KmsContractInfo and its list, `X-Phala-Version: 2026-06-23` (the official SDK's
 * `types/kms_contract.ts` and `actions/kms/list_kms_contracts.ts`), with no other key.
 */
const KmsContractInfo = z
  .object({
    id: z.string(),
    slug: z.string().nullable(),
    label: z.string().nullable(),
    contract_address: z.string(),
    chain_id: z.number(),
    k256_pubkey: z.string().nullable(),
    ca_pubkey: z.string().nullable(),
    node_count: z.number(),
  })
  .strict();
const KmsContractList = z
  .object({
    items: z.array(KmsContractInfo),
    total: z.number(),
    page: z.number(),
    page_size: z.number(),
    pages: z.number(),
  })
  .strict();

/** Every area's schemas in one mode. */
function documented(mode: SchemaMode) {
  return {
    ...sharedSchemas(mode),
    ...kmsSchemas(mode),
    ...cvmSchemas(mode),
    ...envSchemas(mode),
    ...cvmLifecycleSchemas(mode),
    ...sseSchemas(mode),
    ...operationSchemas(mode),
    ...appSchemas(mode),
  };
}

const exact = documented("exact");

/** Routes the emulator serves that this test does not hold against the document, and why. */
const NOT_VALIDATED: Record<string, string> = {
  "GET /auth/me": "not in the API document (the SDK's own route); the provider never calls it",
  "GET /cvms/{id}/operation-status": "the document gives no response schema (`{}`)",
};

/** `route template → versions` that were checked. */
const covered = new Map<string, Set<ApiVersion>>();

function check(
  route: string,
  version: ApiVersion,
  res: { status: number; body: unknown },
  status: number,
  schema?: z.ZodType,
): void {
  expect({ route, version, status: res.status }).toEqual({ route, version, status });
  if (schema) {
    const parsed = schema.safeParse(res.body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      throw new Error(`${route} (${version}) answers outside the documented schema: ${issues}`);
    }
  }
  const seen = covered.get(route) ?? new Set<ApiVersion>();
  seen.add(version);
  covered.set(route, seen);
}

/** Reads a whole SSE response into events. */
async function sse(res: Response): Promise<Array<{ event: string; data: unknown }>> {
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => ({
      event: /^event: (.*)$/m.exec(block)?.[1] ?? "",
      data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "null"),
    }));
}

interface Fixture {
  /** Two replicas of one Phala-KMS app (object compose). */
  replicas: Array<{ id: string; app_id: string; vm_uuid: string; encrypted_env_pubkey: string }>;
  /** compose_file as a JSON string, and as null. */
  asString: { id: string };
  asNull: { id: string };
  /** On-chain KMS CVMs. */
  base: { id: string; app_id: string };
  eth: { id: string; app_id: string };
  /** A CVM whose last boot failed (boot_error set). */
  failed: { id: string; vm_uuid: string };
}

async function fixture(http: Http): Promise<Fixture> {
  const create = async (body: Record<string, unknown>) => (await http.post("/_emulator/cvms", body)).body;
  const first = await create({ name: "shape-replica-a", allowed_envs: ["A"] });
  const second = await create({ name: "shape-replica-b", app_id: first.app_id });
  const failed = await create({ name: "shape-failed", allowed_envs: ["A"] });
  await http.post("/_emulator/faults", { cvm: failed.id, bootError: "docker login failed" });
  await http.patch(`/cvms/${failed.id}/envs`, {
    encrypted_env: encryptEnv({ A: "1" }, failed.encrypted_env_pubkey),
  });
  await settled(http, failed.id);
  return {
    replicas: [first, second],
    asString: await create({ name: "shape-as-string", compose_file_format: "string" }),
    asNull: await create({ name: "shape-as-null", compose_file_format: "null" }),
    base: await create({ name: "shape-base", kms: "base" }),
    eth: await create({ name: "shape-eth", kms: "ethereum" }),
    failed,
  };
}

async function readsAt(http: Http, f: Fixture, version: ApiVersion): Promise<void> {
  const h = { "X-Phala-Version": version };
  const legacy = version === "2025-10-28";
  const get = (path: string) => http.get(path, h);

  if (version === "2026-06-23") {
    // The contract-centric KMS routes: the SDK's shapes (the OpenAPI document has none).
    const contracts = await get("/kms");
    check("GET /kms", version, contracts, 200, KmsContractList);
    for (const kms of contracts.body.items as Array<{ id: string; slug: string }>) {
      check("GET /kms/{kms_id}", version, await get(`/kms/${kms.id}`), 200, KmsContractInfo);
      check("GET /kms/{kms_id}", version, await get(`/kms/${kms.slug}`), 200, KmsContractInfo);
    }
  }
  // `/kms/{kms_id}/info` takes the KMSInfo ids of GET /kms before 2026-06-23.
  const kmsList = await http.get("/kms", {
    "X-Phala-Version": version === "2026-06-23" ? "2026-05-22" : version,
  });
  if (version !== "2026-06-23") check("GET /kms", version, kmsList, 200, exact.KmsListResponse);
  for (const kms of kmsList.body.items as Array<{ id: string; slug: string }>) {
    if (version !== "2026-06-23") {
      check("GET /kms/{kms_id}", version, await get(`/kms/${kms.id}`), 200, exact.KmsInfo);
      check("GET /kms/{kms_id}", version, await get(`/kms/${kms.slug}`), 200, exact.KmsInfo);
    }
    check("GET /kms/{kms_id}/info", version, await get(`/kms/${kms.id}/info`), 200, exact.KmsInspectResponse);
  }
  for (const ref of ["base", "kms-base-prod2"]) {
    const key = await get(`/kms/${ref}/pubkey/${f.base.app_id}`);
    check("GET /kms/{kms}/pubkey/{app_id}", version, key, 200, exact.KmsPubkey);
  }
  check(
    "GET /kms/phala/next_app_id",
    version,
    await get("/kms/phala/next_app_id?counts=2"),
    200,
    exact.NextAppIds,
  );

  const ops = await get(`/cvms/${f.failed.id}/operations?limit=1`);
  check("GET /cvms/{id}/operations", version, ops, 200, exact.CvmOperations);
  const revisions = await get(`/apps/${f.replicas[0]!.app_id}/revisions?page_size=2`);
  check("GET /apps/{app_id}/revisions", version, revisions, 200, exact.AppRevisions);
  for (const r of revisions.body.revisions as Array<{ revision_id: string }>) {
    const path = `/apps/${f.replicas[0]!.app_id}/revisions/${r.revision_id}`;
    check(
      "GET /apps/{app_id}/revisions/{revision_id}",
      version,
      await get(path),
      200,
      exact.AppRevisionDetail,
    );
    const raw = await get(`${path}?raw_compose_file=true`);
    check("GET /apps/{app_id}/revisions/{revision_id}", version, raw, 200, exact.AppRevisionDetail);
  }

  const item = legacy ? exact.HostedCvm : exact.CvmInfo;
  const list = await get("/cvms");
  check("GET /cvms", version, list, 200);
  for (const entry of list.body) check("GET /cvms", version, { status: 200, body: entry }, 200, item);
  const page = await get("/cvms/paginated?page=1&page_size=3");
  check(
    "GET /cvms/paginated",
    version,
    page,
    200,
    legacy ? exact.PaginatedHostedCvms : exact.PaginatedCvmInfos,
  );
  const byApp = await get(`/apps/${f.replicas[0]!.app_id}/cvms`);
  expect(byApp.body).toHaveLength(2);
  for (const entry of byApp.body)
    check("GET /apps/{app_id}/cvms", version, { status: 200, body: entry }, 200, item);
  check(
    "GET /apps",
    version,
    await get("/apps?page=1&page_size=10"),
    200,
    legacy ? exact.AppListV20251028 : exact.AppListV20260121,
  );

  const detail = legacy ? exact.CvmBasicInfo : exact.CvmInfoDetail;
  const all = [f.replicas[0]!, f.replicas[1]!, f.asString, f.asNull, f.base, f.eth, f.failed];
  for (const cvm of all) {
    const res = await get(`/cvms/${cvm.id}`);
    check("GET /cvms/{id}", version, res, 200, detail);
    check(
      "GET /cvms/{id}/compose_file",
      version,
      await get(`/cvms/${cvm.id}/compose_file`),
      200,
      exact.AppCompose,
    );
    const state = await get(`/cvms/${cvm.id}/state`);
    check("GET /cvms/{id}/state", version, state, 200, exact.CvmState);
  }
  const batch = await http.post("/status/batch", { vm_uuids: [f.replicas[0]!.vm_uuid, f.failed.vm_uuid] }, h);
  check("POST /status/batch", version, batch, 200, exact.StatusBatch);

  // SSE: state + complete for a running CVM; state + timeout for a target never reached.
  const stream = async (query: string) =>
    sse(
      await fetch(`${http.emu.url}/cvms/${f.replicas[0]!.id}/state?${query}`, {
        headers: { "X-API-Key": http.emu.apiKey, ...h },
      }),
    );
  const done = await stream("target=running&timeout=10");
  expect(done.map((e) => e.event)).toEqual(["state", "complete"]);
  check("GET /cvms/{id}/state", version, { status: 200, body: done[0]!.data }, 200, exact.CvmState);
  check("GET /cvms/{id}/state", version, { status: 200, body: done[1]!.data }, 200, exact.SseComplete);
  const waited = await stream("target=stopped&timeout=0.2");
  expect(waited.map((e) => e.event)).toEqual(["state", "timeout"]);
  check("GET /cvms/{id}/state", version, { status: 200, body: waited[1]!.data }, 200, exact.SseTimeout);

  // Errors: unknown CVM (structured 404), an app_ id of two replicas (ERR-03-010), a bad body (422).
  const missing = await get("/cvms/cvm_nothere");
  check("GET /cvms/{id}", version, missing, 404, exact.StructuredError);
  const ambiguous = await get(`/cvms/app_${f.replicas[0]!.app_id}`);
  check("GET /cvms/{id}", version, ambiguous, 409, exact.StructuredError);
  expect(ambiguous.body.error_code).toBe("ERR-03-010");
  const bad = await http.patch(`/cvms/${f.replicas[0]!.id}/envs`, {}, h);
  check("PATCH /cvms/{id}/envs", version, bad, 422, exact.HttpValidationError);
}

async function writesAt(http: Http, f: Fixture, version: ApiVersion): Promise<void> {
  const h = { "X-Phala-Version": version };
  const cvm = f.replicas[0]!;
  const accepted = await http.patch(
    `/cvms/${cvm.id}/envs`,
    { encrypted_env: encryptEnv({ A: version }, cvm.encrypted_env_pubkey) },
    h,
  );
  check("PATCH /cvms/{id}/envs", version, accepted, 202, exact.PatchEnvsAccepted);
  await settled(http, cvm.id);
  const phase1 = await http.patch(`/cvms/${f.base.id}/envs`, { encrypted_env: "", env_keys: [version] }, h);
  check("PATCH /cvms/{id}/envs", version, phase1, 465, exact.StructuredError);
  for (const action of ["stop", "start", "restart"] as const) {
    const res = await http.post(`/cvms/${f.asString.id}/${action}`, {}, h);
    check(`POST /cvms/{id}/${action}`, version, res, 200, exact.Vm);
    await settled(http, f.asString.id);
  }
  check(
    "POST /cvms/{id}/shutdown",
    version,
    await http.post(`/cvms/${f.asNull.id}/shutdown`, {}, h),
    200,
    exact.Vm,
  );
  await settled(http, f.asNull.id);
  await http.post(`/cvms/${f.asNull.id}/start`, {}, h);
  await settled(http, f.asNull.id);

  const name = `shape-new-${version.replace(/-/g, "")}`;
  const body = { name, compose_file: { docker_compose_file: "services: {}\n", allowed_envs: [] } };
  const prov = await http.post("/cvms/provision", body, h);
  check("POST /cvms/provision", version, prov, 200, exact.Provision);
  const made = await http.post(
    "/cvms",
    { app_id: prov.body.app_id, compose_hash: prov.body.compose_hash },
    h,
  );
  check("POST /cvms", version, made, 200, exact.Vm);
  const cvms = (await http.get("/cvms", { "X-Phala-Version": "2026-05-22" })).body as Array<{
    id: string;
    name: string;
  }>;
  const created = cvms.find((c) => c.name === name)!;
  await settled(http, created.id);
  const removed = await http.delete(`/cvms/${created.id}`, h);
  check("DELETE /cvms/{id}", version, removed, 204);
  expect(removed.body).toBeUndefined();
}

describe("every emulator answer fits the documented schema of its version", () => {
  test(
    "reads and writes, per X-Phala-Version",
    () =>
      withEmulator(
        async (http) => {
          const f = await fixture(http);
          for (const version of API_VERSIONS) {
            await readsAt(http, f, version);
            await writesAt(http, f, version);
          }
        },
        { restartMs: 20 },
      ),
    60_000,
  );

  test("every route is validated in every version, or listed with a reason", () => {
    const missing: string[] = [];
    for (const route of API_ROUTES) {
      const key = `${route.method} ${route.template}`;
      if (key in NOT_VALIDATED) continue;
      for (const version of API_VERSIONS)
        if (!covered.get(key)?.has(version)) missing.push(`${key} (${version})`);
    }
    expect(missing).toEqual([]);
  });
});

describe("the exact schemas are as strict as the document", () => {
  const detail = {
    id: "cvm_x",
    name: "x",
    app_id: null,
    vm_uuid: null,
    instance_id: null,
    resource: {
      instance_type: null,
      vcpu: null,
      memory_in_gb: null,
      disk_in_gb: null,
      gpus: null,
      compute_billing_price: null,
      billing_period: null,
    },
    node_info: null,
    os: null,
    kms_type: "base",
    kms_info: {
      chain_id: 8453,
      dstack_kms_address: "0xabc",
      dstack_app_address: "0xdef",
      deployer_address: null,
      rpc_endpoint: null,
      encrypted_env_pubkey: null,
    },
    status: "running",
    in_progress: false,
    progress: null,
    compose_hash: null,
    docker_compose_hash: null,
    pre_launch_script_hash: null,
    gateway: { base_domain: null, cname: null },
    logs: { serial: null, stdout: null, stderr: null, container_log_base: null },
    services: [],
    endpoints: null,
    public_logs: true,
    public_sysinfo: true,
    public_tcbinfo: true,
    gateway_enabled: true,
    secure_time: false,
    storage_fs: "zfs",
    workspace: null,
    creator: null,
    created_at: null,
    deleted_at: null,
    listed: false,
    project_type: null,
    compose_file: "{}",
  };

  test("a documented CVMInfoDetail passes; the old superset fields fail", () => {
    expect(exact.CvmInfoDetail.safeParse(detail).success).toBe(true);
    for (const extra of [
      { boot_error: "x" },
      { encrypted_env_pubkey: "aa" },
      { kms_info: { ...detail.kms_info, slug: "base" } },
      { kms_info: { ...detail.kms_info, k256_pubkey: "02aa" } },
      { kms_type: "solana" },
    ]) {
      expect(exact.CvmInfoDetail.safeParse({ ...detail, ...extra }).success).toBe(false);
    }
    const { listed: _dropped, ...withoutListed } = detail;
    expect(exact.CvmInfoDetail.safeParse(withoutListed).success).toBe(false);
  });

  test("the tolerant mode accepts extra keys and missing optional ones, not missing required ones", () => {
    const tolerant = documented("tolerant");
    expect(tolerant.CvmInfoDetail.safeParse({ ...detail, new_field: 1 }).success).toBe(true);
    expect(
      tolerant.CvmInfoDetail.safeParse({
        id: "cvm_x",
        name: "x",
        status: "running",
        resource: {},
        gateway: {},
      }).success,
    ).toBe(true);
    expect(tolerant.CvmInfoDetail.safeParse({ id: "cvm_x", name: "x", status: "running" }).success).toBe(
      false,
    );
    expect(tolerant.KmsPubkey.safeParse({ public_key: "a", signature: "b", timestamp: 1 }).success).toBe(
      true,
    );
    expect(exact.KmsPubkey.safeParse({ public_key: "a", signature: "b", timestamp: 1 }).success).toBe(false);
  });
});
