/** Plain-HTTP helpers for the emulator tests (no project client code). */
import {
  createCipheriv,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
} from "node:crypto";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../emulator/index";

export interface HttpResult {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on arbitrary JSON
  body: any;
}

/** A tiny fetch wrapper bound to one emulator. */
export class Http {
  constructor(
    readonly emu: Emulator,
    private readonly defaults: Record<string, string> = {},
  ) {}

  /** The server origin (without /api/v1). */
  get origin(): string {
    return this.emu.url.replace(/\/api\/v1$/, "");
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResult> {
    const url = path.startsWith("/_emulator") ? this.origin + path : this.emu.url + path;
    const res = await fetch(url, {
      method,
      headers: {
        "X-API-Key": this.emu.apiKey,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...this.defaults,
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      // keep text
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request("GET", path, undefined, headers);
  }
  post(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request("POST", path, body, headers);
  }
  patch(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request("PATCH", path, body, headers);
  }
  delete(path: string, headers?: Record<string, string>) {
    return this.request("DELETE", path, undefined, headers);
  }
}

/** Starts an emulator with a short restart, runs `fn`, always closes it. */
export async function withEmulator<T>(
  fn: (http: Http, emu: Emulator) => Promise<T>,
  options: EmulatorOptions = {},
): Promise<T> {
  const emu = await startEmulator({ restartMs: 60, ...options });
  try {
    return await fn(new Http(emu), emu);
  } finally {
    await emu.close();
  }
}

/** Polls until `check` returns a truthy value. */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("waitFor: timed out");
    await new Promise((r) => setTimeout(r, 15));
  }
}

/** Waits until the CVM is settled (not in progress) and returns its guest view. */
export async function settled(http: Http, id: string) {
  return waitFor(async () => {
    const g = await http.get(`/_emulator/cvms/${id}/guest`);
    return g.body.in_progress ? undefined : g.body;
  });
}

const SPKI_X25519 = Buffer.from("302a300506032b656e032100", "hex");

/** Seals arbitrary plaintext bytes in the dstack envelope (for blobs encryptEnv refuses to make). */
export function sealRaw(plaintext: Uint8Array | string, publicKeyHex: string): string {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  const recipient = createPublicKey({
    key: Buffer.concat([SPKI_X25519, Buffer.from(publicKeyHex, "hex")]),
    format: "der",
    type: "spki",
  });
  const shared = diffieHellman({ privateKey, publicKey: recipient });
  const spki = publicKey.export({ format: "der", type: "spki" });
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", shared, iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([spki.subarray(spki.length - 32), iv, body, cipher.getAuthTag()]).toString("hex");
}

/** Keys of an object, sorted. */
export function keysOf(value: object): string[] {
  return Object.keys(value).sort();
}
