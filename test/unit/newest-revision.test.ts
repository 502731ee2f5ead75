/**
 * The newest app revision of a CVM is chosen from the data (`created_at`), never from the list's
 * order, which the documented API does not promise (issue 20 case c); when it cannot be told
 * (a tie, a timestamp missing or not a date) the read fails, so ownership is unknown.
 */
import fc from "fast-check";
import { type AppRevision, latestRevision, newestRevision } from "../../provider/api/phala/apps";

const rev = (revisionId: string, createdAt: string, vmUuid = "u-1"): AppRevision => ({
  revisionId,
  vmUuid,
  operationType: "update_env",
  createdAt,
  composeHash: "h",
});

describe("newestRevision", () => {
  test("the newest by created_at, whatever the order; none of an empty list", () => {
    const a = rev("rev_a", "2026-01-01T00:00:00Z");
    const b = rev("rev_b", "2026-01-01T00:00:01.5Z");
    const c = rev("rev_c", "2026-01-01T00:00:01+00:00");
    expect(newestRevision([a, b, c])?.revisionId).toBe("rev_b");
    expect(newestRevision([b, c, a])?.revisionId).toBe("rev_b");
    expect(newestRevision([])).toBeUndefined();
    // One revision listed twice (pages that overlap) is no tie.
    expect(newestRevision([b, a, b])?.revisionId).toBe("rev_b");
  });

  test("a tie at the newest instant, or a timestamp that is not a date, cannot be told", () => {
    const a = rev("rev_a", "2026-01-01T00:00:00Z");
    const b = rev("rev_b", "2026-01-01T00:00:00.000Z");
    expect(() => newestRevision([a, b])).toThrow("two revisions were created at");
    expect(() => newestRevision([a, rev("rev_x", "")])).toThrow("no readable created_at");
    expect(() => newestRevision([a, rev("rev_x", "yesterday")])).toThrow("no readable created_at");
    // A tie below the newest does not matter.
    expect(newestRevision([a, b, rev("rev_c", "2026-01-02T00:00:00Z")])?.revisionId).toBe("rev_c");
  });

  test("any permutation and paging of distinct timestamps gives the same newest revision", async () => {
    const distinct = fc.uniqueArray(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 25 });
    await fc.assert(
      fc.asyncProperty(
        distinct,
        fc.integer({ min: 1, max: 7 }),
        fc.integer(),
        async (times, pageSize, seed) => {
          const revisions = times.map((t, i) =>
            rev(`rev_${i}`, new Date(1_700_000_000_000 + t).toISOString()),
          );
          // Another CVM's revisions are in the list too, newer than all of them.
          const other = rev("rev_other", new Date(1_800_000_000_000).toISOString(), "u-2");
          const listed = fc.sample(
            fc.shuffledSubarray([...revisions, other], { minLength: revisions.length + 1 }),
            {
              seed,
              numRuns: 1,
            },
          )[0]!;
          const pages = Math.max(1, Math.ceil(listed.length / pageSize));
          const got = await latestRevision(
            {
              listAppRevisions: async (_app, page = 1) => ({
                revisions: listed.slice((page - 1) * pageSize, page * pageSize),
                page,
                totalPages: pages,
              }),
              getAppRevision: async (_app, id) => ({
                ...revisions.find((r) => r.revisionId === id)!,
                encryptedEnv: "",
              }),
            },
            "app",
            "U-1",
          );
          const newest = revisions[times.indexOf(Math.max(...times))]!;
          expect(got?.revisionId).toBe(newest.revisionId);
        },
      ),
      { seed: 20_2006, numRuns: 300 },
    );
  });
});
