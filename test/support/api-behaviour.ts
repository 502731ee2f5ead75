/**
 * Generated API behaviour for property-based tests (issue 20's invariants): fast-check
 * arbitraries of how a documented-but-unusual or failing Phala Cloud API may answer, and a
 * loopback proxy (test/support/hostile-proxy.ts) in front of the emulator that answers so.
 *
 * What varies: the order of `GET /apps/{app_id}/revisions` (newest first, oldest first, shuffled)
 * and its paging (the proxy re-pages the whole list into pages of 1 to 4, with the matching
 * `total_pages`); the revisions route failing (403, a token without the apps scope); no revision
 * listed for the target CVM; every revision at one instant (a tie); the CVM record's
 * `compose_file.allowed_envs` missing, null, or as the emulator has it. Writes pass through
 * unchanged, and the proxy records each one.
 */
import fc from "fast-check";
import { Answer, type HostileProxy, hostileProxy } from "./hostile-proxy";

/** How the API answers, for one run. */
export interface ApiBehaviour {
  order: "newest-first" | "oldest-first" | "shuffled";
  /** The order a shuffle takes (a seed for a deterministic permutation). */
  shuffleSeed: number;
  /** Revisions per page the proxy serves. */
  pageSize: number;
  /** The revisions list answers 403. */
  revisionsFail: boolean;
  /** The revisions list leaves out every revision of the target CVM. */
  hideTarget: boolean;
  /** Every revision carries the same `created_at`. */
  tied: boolean;
  /** The target CVM record's `compose_file.allowed_envs`. */
  allowList: "as-is" | "missing" | "null";
}

/** Arbitrary API behaviour; most runs keep most routes sound, so each hole is reached alone too. */
export const apiBehaviour: fc.Arbitrary<ApiBehaviour> = fc.record({
  order: fc.constantFrom("newest-first" as const, "oldest-first" as const, "shuffled" as const),
  shuffleSeed: fc.integer({ min: 0, max: 1_000_000 }),
  pageSize: fc.integer({ min: 1, max: 4 }),
  revisionsFail: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  hideTarget: fc.boolean(),
  tied: fc.boolean(),
  allowList: fc.constantFrom("as-is" as const, "missing" as const, "null" as const),
});

/** Pure, deterministic: `items` permuted by `seed` (a small linear congruential shuffle). */
export function permuted<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

type Revision = { vm_uuid: string; created_at: string } & Record<string, unknown>;

/** Pure: the revision list as `b` serves it (before paging). */
export function servedRevisions(all: readonly Revision[], b: ApiBehaviour, targetUuid: string): Revision[] {
  let list = b.hideTarget
    ? all.filter((r) => r.vm_uuid.toLowerCase() !== targetUuid.toLowerCase())
    : [...all];
  if (b.tied) list = list.map((r) => ({ ...r, created_at: "2026-01-01T00:00:00Z" }));
  if (b.order === "oldest-first") list.reverse();
  if (b.order === "shuffled") list = permuted(list, b.shuffleSeed);
  return list;
}

/**
 * A proxy in front of the emulator's API that answers as `behaviour` says for the CVM with
 * `target` (its `cvm_…` id and VM UUID); everything else passes through.
 */
export async function behaviourProxy(
  emulatorApi: string,
  behaviour: ApiBehaviour,
  target: { id: string; vmUuid: string },
): Promise<HostileProxy> {
  const revisionsList = /^\/apps\/[^/]+\/revisions$/;
  return hostileProxy(
    emulatorApi,
    (method, path, body, query) => {
      if (method !== "GET") return undefined;
      if (revisionsList.test(path)) {
        if (behaviour.revisionsFail) return new Answer(403, { detail: "Forbidden" });
        const served = servedRevisions(
          (body as { revisions: Revision[] }).revisions,
          behaviour,
          target.vmUuid,
        );
        const page = Math.max(1, Number(query.get("page") ?? "1"));
        const size = behaviour.pageSize;
        return {
          revisions: served.slice((page - 1) * size, page * size),
          total: served.length,
          page,
          page_size: size,
          total_pages: Math.max(1, Math.ceil(served.length / size)),
        };
      }
      if (path === `/cvms/${target.id}` && behaviour.allowList !== "as-is") {
        const record = body as { compose_file?: Record<string, unknown> | null };
        if (!record.compose_file || typeof record.compose_file !== "object") return undefined;
        const { allowed_envs: _, ...compose } = record.compose_file;
        return {
          ...record,
          compose_file: behaviour.allowList === "null" ? { ...compose, allowed_envs: null } : compose,
        };
      }
      return undefined;
    },
    {
      // The whole list in one upstream page: the proxy pages it itself.
      forward: (method, url) =>
        method === "GET" && /\/apps\/[^/]+\/revisions\?/.test(url)
          ? url.replace(/page=\d+/, "page=1").replace(/page_size=\d+/, "page_size=1000")
          : url,
    },
  );
}
