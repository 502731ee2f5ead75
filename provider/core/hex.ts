/** Hex helpers that validate instead of guessing (the official SDK's parser is lax, the dstack env envelope). */

const HEX = /^[0-9a-fA-F]*$/;

/** Strips one leading `0x`/`0X`. */
export function strip0x(text: string): string {
  return text.startsWith("0x") || text.startsWith("0X") ? text.slice(2) : text;
}

/**
 * Decodes hex (with or without `0x`) into bytes. Returns `undefined` for anything that is not
 * an even number of hex digits, or (when `length` is given) not exactly `length` bytes.
 */
export function decodeHex(text: string, length?: number): Uint8Array | undefined {
  const body = strip0x(text);
  if (body.length % 2 !== 0 || !HEX.test(body)) return undefined;
  if (length !== undefined && body.length !== length * 2) return undefined;
  return Uint8Array.from(Buffer.from(body, "hex"));
}

/** Lowercase hex without prefix, the wire form every official client emits. */
export function encodeHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
