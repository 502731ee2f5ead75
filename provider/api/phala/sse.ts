/**
 * A minimal Server-Sent Events reader for the CVM state stream (`GET /cvms/{id}/state?target=…`,
 * `GET /cvms/{id}/state`: `event: state|complete|timeout|error` + `data: <json>`). Pure parsing
 * over text chunks (WHATWG HTML, "Server-sent events", §9.2.6 "Interpreting an event stream").
 */

export interface SseEvent {
  event: string;
  data: string;
}

/** Feeds text in, gets complete events out. */
export class SseParser {
  #buffer = "";
  #event = "";
  #data: string[] = [];

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
      } else if (!line.startsWith(":")) {
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") this.#event = value;
        else if (field === "data") this.#data.push(value);
      }
      newline = this.#buffer.search(/\r\n|\r|\n/);
    }
    return out;
  }
}
