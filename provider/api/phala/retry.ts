/**
 * When to retry a Phala Cloud call and how long to wait (docs/restarts-and-ownership.md): `409 another
 * operation in progress`, `429` (honour `Retry-After`), 5xx and connection errors are retried
 * with capped exponential backoff and full jitter; every other 4xx is final.
 */

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  /** Base delay of the exponential backoff. */
  baseMs: number;
  /** Cap of one backoff delay (a server's `Retry-After` is honoured up to `maxRetryAfterMs`). */
  capMs: number;
  /** Longest `Retry-After` honoured; a longer one fails the call with the server's answer. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 250, capMs: 8_000, maxRetryAfterMs: 60_000 };

/** Statuses worth another attempt. */
export function isRetryableStatus(status: number): boolean {
  return status === 409 || status === 429 || (status >= 500 && status <= 599);
}

/**
 * Delay before attempt `attempt + 1` (attempt counts from 0). `retryAfter` is the header value
 * (seconds or an HTTP date, RFC 9110 §10.2.3). Returns undefined when the server asks for longer
 * than the policy allows.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  retryAfter: string | undefined,
  random: () => number = Math.random,
  now: number = Date.now(),
): number | undefined {
  const asked = parseRetryAfter(retryAfter, now);
  if (asked !== undefined) return asked <= policy.maxRetryAfterMs ? asked : undefined;
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
