/**
 * The bounds of the Phala Cloud client's reads besides time (the transport's `timeoutMs` per
 * attempt, retry.ts for the attempts): bytes per answer, per error answer and per state-stream
 * line, and pages per listing, with their defaults. Tests configure smaller ones through
 * `PhalaClientOptions.bounds`.
 */

/** How much one read of the API may take, besides time (`timeoutMs`). */
export interface PhalaBounds {
  /** Largest answer read (2xx); a larger one fails the call as unreadable. */
  maxBodyBytes: number;
  /** Bytes of an error answer read (only a clipped message is quoted); the rest is dropped. */
  maxErrorBytes: number;
  /** Longest line (and event) of the state stream; a longer one ends the stream. */
  maxSseLineBytes: number;
  /** Most pages one listing (`GET /kms`, `GET /apps/{id}/revisions`) reads before it gives up. */
  maxPages: number;
}

/**
 * The default bounds: 8 MiB per answer (a CVM record with its compose, or 100 revisions, is a
 * few hundred KiB), 64 KiB of an error answer, 64 KiB per state-stream line, 100 pages per
 * listing (10 000 items at the page size of 100 the client asks for).
 */
export const DEFAULT_BOUNDS: PhalaBounds = {
  maxBodyBytes: 8 * 1024 * 1024,
  maxErrorBytes: 64 * 1024,
  maxSseLineBytes: 64 * 1024,
  maxPages: 100,
};
