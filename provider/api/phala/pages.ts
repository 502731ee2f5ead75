/**
 * Reading a paged listing of the API (`GET /kms`, `GET /apps/{app_id}/revisions`: `page`
 * 1-based, `page_size` at most 100 resp. 1000, openapi) within a page bound. The listing ends
 * on evidence only: the page the server reports as the last (`total_pages`), or an empty page.
 * A short page is not taken as the end while `total_pages` says more follow (a server may serve
 * fewer items than asked without saying so). A page that repeats the previous one, or reaching
 * `maxPages` (the transport's `PhalaBounds.maxPages`, default 100) without such an end, is
 * "cannot tell": a {@link PhalaApiError} the caller treats as an unreadable listing, never as a
 * complete one.
 */
import { PhalaApiError } from "./transport";

/** One page as a listing reports it. */
export interface Page<T> {
  items: T[];
  /** The page count the server reports (`total_pages`, `pages`). */
  totalPages: number;
}

/** How to read one listing. */
export interface PagedRead<T> {
  /** The route template, for messages (`GET /kms`). */
  route: string;
  /** What is listed, for messages (`the KMS list`). */
  subject: string;
  maxPages: number;
  /** Reads page `page` (1-based). */
  read(page: number): Promise<Page<T>>;
  /** An item's identity, to recognise a page that repeats the previous one. */
  key(item: T): string;
  /** Stop early when true for a page (e.g. the item looked for is on it). */
  enough?(items: T[]): boolean;
}

/** Every item of the listing, page by page, within `maxPages`. */
export async function readPages<T>(p: PagedRead<T>): Promise<T[]> {
  const out: T[] = [];
  let previous: string | undefined;
  for (let page = 1; page <= p.maxPages; page++) {
    const { items, totalPages } = await p.read(page);
    const signature = items.map(p.key).join("\n");
    if (items.length > 0 && signature === previous) {
      throw cannotTell(p, `page ${page} repeats page ${page - 1}`);
    }
    previous = signature;
    out.push(...items);
    if (p.enough?.(items)) return out;
    if (page >= totalPages || items.length === 0) return out;
  }
  throw cannotTell(p, `it did not end within ${p.maxPages} pages`);
}

function cannotTell<T>(p: PagedRead<T>, why: string): PhalaApiError {
  return new PhalaApiError(
    `${p.route} for ${p.subject}: the listing cannot be read to its end (${why}), so it is treated as unknown, not as complete.`,
    { route: p.route },
    { call: p.route, maxPages: p.maxPages },
  );
}
