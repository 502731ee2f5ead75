/**
 * Apps: their revisions (`GET /apps/{app_id}/revisions`, `…/revisions/{revision_id}`; every env
 * push, by anyone, is a revision carrying its ciphertext) with their schemas, and the schemas of
 * the app list (`GET /apps`, in the 2025-10-28 and the 2026 models) that the emulator serves.
 */
import { z } from "zod";
import { DEFAULT_BOUNDS } from "./bounds";
import { cvmSchemas } from "./cvms";
import { appPathId, bareHex, normalUuid } from "./ids";
import { readPages } from "./pages";
import { perMode, sharedSchemas } from "./schemas";
import type { Transport } from "./transport";

/** An app revision (openapi `AppRevisionResponse`, with the detail's `encrypted_env`). */
export interface AppRevision {
  revisionId: string;
  vmUuid: string;
  operationType: string;
  createdAt: string;
  composeHash: string;
  /** Hex ciphertext (detail only). */
  encryptedEnv?: string;
}

/** A page of app revisions, newest first. */
export interface AppRevisionPage {
  revisions: AppRevision[];
  page: number;
  totalPages: number;
  /** The page size the server reports (`page_size`). */
  pageSize?: number;
}

/** The page size the revision listing asks for (openapi: at most 1000). */
export const REVISIONS_PAGE_SIZE = 100;

/** The schemas of the app routes. */
export const appSchemas = perMode(({ mode, model, str, int, opt, hashid, dateTime, bool, anyObject }) => {
  const { WorkspaceRef, UserRef } = sharedSchemas(mode);
  const { CvmInfo } = cvmSchemas(mode);

  // ---- the app list --------------------------------------------------------------------------

  const ProfileGetResponse = model({
    display_name: opt(str),
    avatar_url: opt(str),
    description: opt(str),
    custom_domain: opt(str),
  });
  const MachineInfo = model({ vcpu: int, memory: int, disk_size: int, gpu_count: int }, [
    "vcpu",
    "memory",
    "disk_size",
    "gpu_count",
  ]);
  /** CvmBasicInfo (apps.v20251028): the CVMs of an app in 2025-10-28. */
  const AppCvmBasicInfo = model(
    {
      vm_uuid: opt(str),
      app_id: str,
      name: str,
      status: str,
      vcpu: int,
      memory: int,
      disk_size: int,
      teepod_id: int,
      teepod_name: str,
      region_identifier: opt(str),
      kms_type: opt(str),
      instance_type: opt(str),
      listed: opt(bool),
      base_image: opt(str),
      kms_slug: opt(str),
      kms_id: opt(str),
      instance_id: opt(str),
      machine_info: opt(MachineInfo),
      updated_at: opt(dateTime),
    },
    [
      "vm_uuid",
      "app_id",
      "status",
      "vcpu",
      "memory",
      "disk_size",
      "teepod_id",
      "teepod_name",
      "region_identifier",
      "kms_type",
      "instance_type",
    ],
  );
  const appShape = {
    id: hashid("prj"),
    name: str,
    app_id: str,
    app_provision_type: opt(str),
    app_icon_url: opt(str),
    created_at: str,
    kms_type: str,
    profile: opt(ProfileGetResponse),
    cvm_count: int,
  };
  const appRequired = ["id", "name", "app_id", "created_at", "kms_type"] as const;
  const DstackAppMinimalResponse = model(
    {
      id: z.null(),
      app_id: str,
      name: z.null(),
      app_provision_type: z.null(),
      app_icon_url: z.null(),
      created_at: z.null(),
      kms_type: z.null(),
      profile: z.null(),
      current_cvm: z.null(),
      cvms: z.null(),
      cvm_count: z.null(),
    },
    ["app_id"],
  );
  const listOf = (app: z.ZodType) =>
    model(
      {
        dstack_apps: z.array(z.union([app, DstackAppMinimalResponse])),
        page: int,
        page_size: int,
        total: int,
        total_pages: int,
      },
      ["dstack_apps", "page", "page_size", "total", "total_pages"],
    );
  /** DstackAppListResponse (apps.v20251028): `GET /apps` in 2025-10-28. */
  const AppListV20251028 = listOf(
    model(
      {
        ...appShape,
        current_cvm: opt(AppCvmBasicInfo),
        cvms: z.array(AppCvmBasicInfo),
        team_slug: opt(str),
        team_name: opt(str),
      },
      appRequired,
    ),
  );
  /** DstackAppListResponse (apps.v20260121): `GET /apps` in the 2026 versions. */
  const AppListV20260121 = listOf(
    model({ ...appShape, current_cvm: opt(CvmInfo), cvms: z.array(CvmInfo) }, appRequired),
  );

  // ---- app revisions -------------------------------------------------------------------------

  /** CvmRef. */
  const CvmRef = model({ object_type: z.literal("cvm"), vm_uuid: str, app_id: opt(str), name: opt(str) }, [
    "vm_uuid",
  ]);
  const revisionShape = {
    revision_id: str,
    app_id: str,
    vm_uuid: str,
    compose_hash: str,
    created_at: str,
    trace_id: opt(str),
    operation_type: str,
    triggered_by: opt(UserRef),
    cvm: opt(CvmRef),
    workspace: opt(WorkspaceRef),
  };
  const revisionRequired = [
    "revision_id",
    "app_id",
    "vm_uuid",
    "compose_hash",
    "created_at",
    "trace_id",
    "operation_type",
  ] as const;
  /** AppRevisionResponse: an item of `GET /apps/{app_id}/revisions`. */
  const AppRevision = model(revisionShape, revisionRequired);
  /** AppRevisionsResponse. */
  const AppRevisions = model(
    { revisions: z.array(AppRevision), total: int, page: int, page_size: int, total_pages: int },
    ["revisions", "total", "page", "page_size", "total_pages"],
  );
  /** AppRevisionDetailResponse: `GET /apps/{app_id}/revisions/{revision_id}`. */
  const AppRevisionDetail = model(
    {
      ...revisionShape,
      compose_file: z.union([anyObject, str, z.null()]),
      encrypted_env: str,
      user_config: str,
    },
    [...revisionRequired, "compose_file", "encrypted_env", "user_config"],
  );

  return { AppListV20251028, AppListV20260121, AppRevision, AppRevisions, AppRevisionDetail };
});

const Wire = appSchemas("tolerant");

/** `GET /apps/{app_id}/revisions`: one page (1-based), newest first. */
export async function listAppRevisions(
  t: Transport,
  appId: string,
  page = 1,
  pageSize = REVISIONS_PAGE_SIZE,
): Promise<AppRevisionPage> {
  const raw = await t.call(
    "GET /apps/{app_id}/revisions",
    "GET",
    `/apps/${appPathId(appId)}/revisions?page=${page}&page_size=${pageSize}`,
    Wire.AppRevisions,
    { subject: `app ${appId}` },
  );
  return {
    revisions: raw.revisions.map((r) => ({
      revisionId: r.revision_id,
      vmUuid: r.vm_uuid,
      operationType: r.operation_type,
      createdAt: r.created_at,
      composeHash: r.compose_hash,
    })),
    page: raw.page,
    totalPages: raw.total_pages,
    pageSize: raw.page_size,
  };
}

/** `GET /apps/{app_id}/revisions/{revision_id}`: with its `encrypted_env`. */
export async function getAppRevision(t: Transport, appId: string, revisionId: string): Promise<AppRevision> {
  const r = await t.call(
    "GET /apps/{app_id}/revisions/{revision_id}",
    "GET",
    `/apps/${appPathId(appId)}/revisions/${encodeURIComponent(revisionId)}`,
    Wire.AppRevisionDetail,
    { subject: `app ${appId}` },
  );
  return {
    revisionId: r.revision_id,
    vmUuid: r.vm_uuid,
    operationType: r.operation_type,
    createdAt: r.created_at,
    composeHash: r.compose_hash,
    encryptedEnv: bareHex(r.encrypted_env),
  };
}

/** The revision reads {@link latestRevision} pages through. */
export interface RevisionLookups {
  listAppRevisions(appId: string, page?: number): Promise<AppRevisionPage>;
  getAppRevision(appId: string, revisionId: string): Promise<AppRevision>;
}

/**
 * The newest revision of one CVM of an app (by `vm_uuid`), with its `encrypted_env`, or
 * undefined when the app has none for it. The documented API promises no order for the list
 * (openapi `GET /apps/{app_id}/revisions`: "deployment history", paginated), so every page is
 * read — at most `maxPages` (pages.ts): a listing that does not end within them throws (unknown,
 * never "no revision") — and the newest is chosen from the data ({@link newestRevision}).
 */
export async function latestRevision(
  lookups: RevisionLookups,
  appId: string,
  vmUuid: string,
  maxPages: number = DEFAULT_BOUNDS.maxPages,
): Promise<AppRevision | undefined> {
  const want = normalUuid(vmUuid);
  // Every page: the newest may be on any of them.
  const listed = await readPages<AppRevision>({
    route: "GET /apps/{app_id}/revisions",
    subject: `app ${appId}`,
    maxPages,
    key: (r) => r.revisionId,
    read: async (page) => {
      const list = await lookups.listAppRevisions(appId, page);
      return { items: list.revisions, totalPages: list.totalPages };
    },
  });
  const newest = newestRevision(listed.filter((r) => normalUuid(r.vmUuid) === want));
  return newest === undefined ? undefined : lookups.getAppRevision(appId, newest.revisionId);
}

/**
 * Pure: the newest of one CVM's revisions by `created_at` (ISO 8601, openapi
 * `AppRevisionResponse.created_at`; `revision_id` is a hashid, which has no order), whatever
 * order the list came in. Throws when the newest cannot be determined: a timestamp missing or
 * not a date, or two revisions at the newest instant that are not the same revision.
 */
export function newestRevision(revisions: readonly AppRevision[]): AppRevision | undefined {
  let newest: AppRevision | undefined;
  let at = Number.NEGATIVE_INFINITY;
  let tie = false;
  for (const r of revisions) {
    const t = typeof r.createdAt === "string" ? Date.parse(r.createdAt) : Number.NaN;
    if (Number.isNaN(t)) {
      throw new Error(`revision ${r.revisionId} has no readable created_at, so the newest cannot be told`);
    }
    if (t > at) {
      [newest, at, tie] = [r, t, false];
    } else if (t === at && r.revisionId !== newest?.revisionId) {
      tie = true;
    }
  }
  if (tie)
    throw new Error(`two revisions were created at ${newest?.createdAt}, so the newest cannot be told`);
  return newest;
}
