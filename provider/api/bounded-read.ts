/**
 * Reading an HTTP answer within a byte bound: the body is counted as it streams and the request
 * is destroyed as soon as it passes the limit (a declared `Content-Length` past the limit is
 * refused before any byte is read), so no answer — a 256 MB JSON, an endless body, an error page
 * — is ever held in memory beyond its limit. Shared by the Phala Cloud client, the registry
 * client and the ECR token call. The per-route limits live with their callers
 * (`PhalaBounds` in phala/transport.ts, registry/http.ts, ecr.ts).
 */
import { StringDecoder } from "node:string_decoder";

/** An answer whose body passed its byte limit; the body was not read further. */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the answer is larger than ${describeBytes(limit)}`);
    this.name = "BodyTooLarge";
  }
}

/** A streamed body: what undici's `response.body` is (an async iterable that can be destroyed). */
export interface StreamedBody extends AsyncIterable<unknown> {
  destroy(error?: Error): unknown;
  on?(event: "error", listener: (error: Error) => void): unknown;
}

/** Closes a body that will not be read (further): no more bytes, and no unhandled abort error. */
export function discard(body: StreamedBody): void {
  body.on?.("error", () => undefined);
  body.destroy();
}

/**
 * The body as text, at most `limit` bytes. `truncate`: keep the first `limit` bytes and stop
 * (for error bodies, of which only a clipped message is quoted); otherwise throws
 * {@link BodyTooLarge}. Either way the connection is destroyed at the limit.
 */
export async function readBounded(
  body: StreamedBody,
  limit: number,
  {
    contentLength,
    truncate = false,
  }: { contentLength?: string | string[] | undefined; truncate?: boolean } = {},
): Promise<string> {
  const declared = Number(Array.isArray(contentLength) ? contentLength[0] : contentLength);
  if (!truncate && Number.isFinite(declared) && declared > limit) {
    discard(body);
    throw new BodyTooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : (chunk as Buffer);
      if (size + buf.length > limit) {
        if (!truncate) throw new BodyTooLarge(limit);
        chunks.push(buf.subarray(0, limit - size));
        size = limit;
        break;
      }
      chunks.push(buf);
      size += buf.length;
    }
  } finally {
    if (size >= limit || !isDone(body)) discard(body);
  }
  // A cut may end inside a character: keep only whole ones (a StringDecoder holds the rest back).
  return new StringDecoder("utf8").write(Buffer.concat(chunks, size));
}

/** `8 MiB`, `64 KiB`, `512 B`. */
export function describeBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

function isDone(body: StreamedBody): boolean {
  return (body as { readableEnded?: boolean }).readableEnded === true;
}
