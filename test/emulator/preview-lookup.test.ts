/**
 * What a preview's check reads (issue 21): with an API key, a refused key, a CVM that does not
 * exist and an API that does not answer fail the check with the error the `up` it stands for
 * raises (same code, same words), and nothing is written; without a key the check stays green
 * and the run says once — not once per resource — what was not looked up.
 */
import { createServer } from "node:net";
import type { Emulator } from "../../emulator/index";
import { NO_KEY_NOTE } from "../../provider/cvm-secrets/check";
import * as impl from "../../provider/cvm-secrets/index";
import { ErrorCodes } from "../../provider/errors";
import { providerLog, resetWarnOnce } from "../../provider/runtime/engine-log";
import { PROVIDER_TEXT, useFreshEmulator } from "../support/provider-harness";

const VALUE = "sk_live_preview_lookup_value_5";

let emu: Emulator;
useFreshEmulator(30, (started) => {
  emu = started;
  resetWarnOnce();
});

function news(cvm: string, name = "api"): Record<string, unknown> {
  return { resourceName: name, cvms: [cvm], env: { API_KEY: VALUE }, __provider: PROVIDER_TEXT };
}

/** The error of `fn`, which must fail. */
async function failure(fn: () => Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected a failure");
}

/** A message without the request id, which names one request of the API. */
function words(message: string): string {
  return message.replace(/ \(request id [^)]*\)/g, "");
}

/** Check (preview) and create (up) fail alike, before any write. */
async function expectCheckFailsAsUp(cvm: string): Promise<Error & { code?: string }> {
  const writes = (await emu.admin.counts()).writes;
  const fromCheck = await failure(() => impl.check({}, news(cvm)));
  const fromUp = await failure(() => impl.create(news(cvm)));
  expect(fromCheck.code).toBe(ErrorCodes.API_ERROR);
  expect(fromCheck.code).toBe(fromUp.code);
  expect(words(fromCheck.message)).toBe(words(fromUp.message));
  expect(fromCheck.message).not.toContain(VALUE);
  expect((await emu.admin.counts()).writes).toBe(writes);
  return fromCheck;
}

test("a refused API key fails the check with up's message", async () => {
  const cvm = (await emu.admin.createCvm({ name: "lookup-key" })).id;
  process.env.PHALA_CLOUD_API_KEY = "wrong-key";
  const e = await expectCheckFailsAsUp(cvm);
  expect(e.message).toMatch(/^GET \/cvms\/\{id\} for CVM .* failed: HTTP 401.*Check the API key/);
});

test("a CVM that does not exist fails the check with up's message", async () => {
  const e = await expectCheckFailsAsUp("demo-apii");
  expect(e.message).toMatch(/failed: HTTP 404.*Check the CVM id in `cvms`/);
});

test("an API that does not answer fails the check with up's message, naming the URL tried", async () => {
  // A port that was just listening and is closed now: connections are refused.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  process.env.PHALA_CLOUD_API_PREFIX = `http://127.0.0.1:${port}/api/v1`;
  const cvm = "cvm_unreachable";
  const fromCheck = await failure(() => impl.check({}, news(cvm)));
  const fromUp = await failure(() => impl.create(news(cvm)));
  expect(fromCheck.code).toBe(ErrorCodes.API_ERROR);
  expect(fromCheck.message).toBe(fromUp.message);
  expect(fromCheck.message).toContain(`at http://127.0.0.1:${port}/api/v1 (after`);
  expect(fromCheck.message).toContain("Check cvm-secrets:apiUrl and that the API is reachable");
}, 60_000);

test("without an API key the check passes, looks nothing up and says once per run what it did not check", async () => {
  delete process.env.PHALA_CLOUD_API_KEY;
  const cvm = (await emu.admin.createCvm({ name: "lookup-nokey" })).id;
  const before = (await emu.admin.counts()).requests;
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  };
  try {
    for (const name of ["api", "worker", "jobs"]) {
      const checked = await impl.check({}, news(cvm, name));
      expect(checked.failures ?? []).toEqual([]);
    }
    await providerLog().flush();
  } finally {
    console.error = original;
  }
  expect(lines.filter((l) => l.includes(NO_KEY_NOTE))).toEqual([`warning: ${NO_KEY_NOTE}`]);
  expect(lines.join("\n")).not.toContain(VALUE);
  expect((await emu.admin.counts()).requests).toEqual(before);
});
