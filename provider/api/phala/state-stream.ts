/**
 * Opening the CVM state stream (`GET /cvms/{id}/state?target=…`, Server-Sent Events; parsed by
 * sse.ts) within a deadline: the stream ends at `until` whatever the server sends — keep-alive
 * comments and bytes do not extend it — and a line or event past `maxLineBytes` ends it with
 * an error (sse.ts: `SseTooLarge`).
 */
import { request } from "undici";
import { discard } from "../bounded-read";
import { type SseEvent, SseParser } from "./sse";

/** How long and how much of the stream is read. */
export interface StreamBounds {
  /** The end of the stream, epoch ms. */
  until: number;
  /** The longest wait for the answer's headers. */
  headersTimeoutMs: number;
  /** The longest line or event. */
  maxLineBytes: number;
}

/**
 * Opens `url` as an event stream; undefined when the server answers anything but a 200 event
 * stream. The events end at `until` (the generator returns; no error).
 */
export async function openEventStream(
  url: string,
  headers: Record<string, string>,
  { until, headersTimeoutMs, maxLineBytes }: StreamBounds,
): Promise<AsyncGenerator<SseEvent> | undefined> {
  const left = Math.max(1, until - Date.now());
  const signal = AbortSignal.timeout(left);
  const res = await request(url, {
    method: "GET",
    headers: { ...headers, accept: "text/event-stream" },
    headersTimeout: Math.min(headersTimeoutMs, left),
    bodyTimeout: left,
    signal,
  });
  const type = res.headers["content-type"];
  if (
    res.statusCode !== 200 ||
    !String(Array.isArray(type) ? type[0] : (type ?? "")).includes("text/event-stream")
  ) {
    discard(res.body);
    return undefined;
  }
  const body = res.body;
  body.setEncoding("utf8");
  return (async function* () {
    const parser = new SseParser(maxLineBytes);
    try {
      for await (const chunk of body) yield* parser.push(chunk as string);
    } catch (error) {
      // The deadline ended the stream: the caller decides on the CVM record.
      if (!signal.aborted) throw error;
    } finally {
      discard(body);
    }
  })();
}
