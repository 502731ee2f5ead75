/**
 * An RPC URL, read without printing it: it may hold an API key in its user info, path or query,
 * so only its origin ever appears in a message. No dependencies: settings checks load it.
 */

/**
 * The origin (scheme, host, port) of an RPC URL: what may appear in a message. Anything that is
 * not an http(s) URL gives `(invalid RPC URL)`, so the text itself is never echoed.
 */
export function rpcOrigin(url: string): string {
  const parsed = parseRpcUrl(url);
  return parsed ? parsed.origin : "(invalid RPC URL)";
}

/** The URL when it is an absolute http(s) URL, else undefined. */
export function parseRpcUrl(url: string): URL | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed : undefined;
  } catch {
    return undefined;
  }
}
