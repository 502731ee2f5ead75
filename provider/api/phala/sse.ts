/**
 * A minimal Server-Sent Events reader for the CVM state stream (`GET /cvms/{id}/state?target=…`,
 * `GET /cvms/{id}/state`: `event: state|complete|timeout|error` + `data: <json>`). Pure parsing
 * over text chunks (WHATWG HTML, "Server-sent events", §9.2.6 "Interpreting an event stream").
 * Bounded: a line, or the data of one event, longer than `maxBytes` throws {@link SseTooLarge}
 * (the transport's `maxSseLineBytes`, default 64 KiB), so an endless line is never buffered.
 */
import { describeBytes } from "../bounded-read";

/** A line or event of the stream passed the parser's byte bound. */
export class SseTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`a state-stream line or event is larger than ${describeBytes(limit)}`);
    this.name = "SseTooLarge";
  }
}

export interface SseEvent {
  event: string;
  data: string;
}

/** Feeds text in, gets complete events out. */
export class SseParser {
  #buffer = "";
  #event = "";
  #data: string[] = [];
  #dataBytes = 0;

  /** `maxBytes`: the longest line, and the most data of one event (default 64 KiB). */
  constructor(readonly maxBytes = 64 * 1024) {}

  push(chunk: string): SseEvent[] {
    this.#buffer += chunk;
    const out: SseEvent[] = [];
    let newline = this.#buffer.search(/\r\n|\r|\n/);
    while (newline >= 0) {
      const line = this.#buffer.slice(0, newline);
      const width = this.#buffer.startsWith("\r\n", newline) ? 2 : 1;
      this.#buffer = this.#buffer.slice(newline + width);
      if (line === "") {
        if (this.#data.length > 0 || this.#event !== "") {
          out.push({ event: this.#event || "message", data: this.#data.join("\n") });
        }
        this.#event = "";
        this.#data = [];
        this.#dataBytes = 0;
      } else if (!line.startsWith(":")) {
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") this.#event = value;
        else if (field === "data") {
          this.#dataBytes += Buffer.byteLength(value, "utf8") + 1;
          if (this.#dataBytes > this.maxBytes) throw new SseTooLarge(this.maxBytes);
          this.#data.push(value);
        }
      }
      newline = this.#buffer.search(/\r\n|\r|\n/);
    }
    // What is left is an unfinished line: bounded like a finished one.
    if (this.#buffer.length > this.maxBytes / 4 && Buffer.byteLength(this.#buffer, "utf8") > this.maxBytes) {
      throw new SseTooLarge(this.maxBytes);
    }
    return out;
  }
}
