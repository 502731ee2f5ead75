/**
 * A CVM recreated under the same name (issue 21): `up` names the stale id; `refresh`, which
 * drops a resource whose every CVM is gone, says so — the stale id, that the resource leaves
 * state, what the name resolves to now and what the next `up` does — instead of dropping it
 * without a word. The next `up` (a create) then pushes to the new CVM.
 */
import type { Emulator } from "../../emulator/index";
import * as impl from "../../provider/cvm-secrets/index";
import { up, useFreshEmulator } from "../support/provider-harness";

const VALUE = "sk_live_refresh_gone_value_6";

let emu: Emulator;
useFreshEmulator(30, (started) => {
  emu = started;
});

/** What `fn` wrote to stderr (the provider's messages outside the engine). */
async function stderrOf<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  };
  try {
    return { result: await fn(), lines };
  } finally {
    console.error = original;
  }
}

test("refresh of a resource whose CVM was recreated under its name: dropped, saying why, and the next up pushes to the new CVM", async () => {
  const old = (await emu.admin.createCvm({ name: "demo-api" })).id;
  const first = await up(undefined, { cvms: ["demo-api"], env: { API_KEY: VALUE } });
  await fetch(`${emu.url}/cvms/${old}`, { method: "DELETE", headers: { "x-api-key": emu.apiKey } });
  const fresh = (await emu.admin.createCvm({ name: "demo-api" })).id;
  expect(fresh).not.toBe(old);

  const writes = (await emu.admin.counts()).writes;
  const { result, lines } = await stderrOf(() => impl.read(first.resource.id, first.resource.outputs));
  expect(result).toEqual({});
  expect(lines).toEqual([
    `warning: CvmSecrets api: ${old} is gone (the API answers 404 for every CVM this resource manages), ` +
      `so refresh removes the resource from the stack's state; demo-api now resolves to ${fresh}. ` +
      "The next `pulumi up` creates it again and pushes its env to the CVMs `cvms` names then " +
      "(remove the resource from the program if those CVMs are gone for good)",
  ]);
  expect((await emu.admin.counts()).writes).toBe(writes);

  // The engine has forgotten the resource: the next up creates it, on the CVM the name names now.
  await up(undefined, { cvms: ["demo-api"], env: { API_KEY: VALUE } });
  expect((await emu.admin.guest(fresh)).env).toEqual({ API_KEY: VALUE });
});

test("every CVM gone and its name gone too: the message says no CVM answers to it", async () => {
  const old = (await emu.admin.createCvm({ name: "gone-api" })).id;
  const first = await up(undefined, { cvms: ["gone-api"], env: { API_KEY: VALUE } });
  await fetch(`${emu.url}/cvms/${old}`, { method: "DELETE", headers: { "x-api-key": emu.apiKey } });
  const { result, lines } = await stderrOf(() => impl.read(first.resource.id, first.resource.outputs));
  expect(result).toEqual({});
  expect(lines.join("\n")).toContain(`${old} is gone`);
  expect(lines.join("\n")).toContain("no CVM answers to gone-api now");
});
