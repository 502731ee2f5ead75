/**
 * Issue 20, case 8 (the owner tag across backends), the pure parts: the v2 owner tag is made with
 * the resource's owner key, so the same URN with another key never matches; a v1 tag (URN only)
 * is never taken as this resource's push (its refusal: decide.test.ts); `OwnerKey`'s provider
 * makes a random secret key once and never changes it; `ownerKey` is a secret input, hidden in
 * the plugin's diff and never an output.
 */
import { x25519 } from "@noble/curves/ed25519.js";
import fc from "fast-check";
import type { AppRevision } from "../../provider/api/phala";
import { encryptEnv } from "../../provider/core/envelope";
import { type Owner, pushedBy, taggedBy } from "../../provider/core/envelope-facts";
import * as ownerKey from "../../provider/cvm-secrets/owner-key";
import { DIFF_VIEW, PLUGIN_SECRET_INPUTS } from "../../provider/cvm-secrets/properties";
import { classifyNewest } from "../../provider/cvm-secrets/records/ownership";
import { publicOutputs } from "../../provider/cvm-secrets/state";
import { kindOf, OWNER_KEY } from "../../provider/plugin/resources";
import { isSecretWire, secretWire as secretOf, UNKNOWN } from "../../provider/runtime/wire";
import { buildSchema } from "../../scripts/gen-schema";

const SEED = 20_008;
const PUBLIC_KEY = Buffer.from(x25519.getPublicKey(x25519.utils.randomSecretKey())).toString("hex");
const URN = "urn:pulumi:prod::shop::pulumi-nodejs:dynamic/cvm-secrets:CvmSecrets::api";
const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("hex"));
const urn = fc.string({ minLength: 1, maxLength: 80 }).map((name) => `urn:pulumi:s::p::t::${name}`);
const rev = (encryptedEnv: string): AppRevision => ({
  revisionId: "rev_9",
  vmUuid: "u",
  operationType: "update_env",
  createdAt: "2026-01-01T00:00:00Z",
  composeHash: "h",
  encryptedEnv,
});

describe("the v2 owner tag", () => {
  test("is recognised only with the URN and the key it was made with (not by URN alone, nor another key)", () => {
    fc.assert(
      fc.property(urn, hex32, hex32, (u, k1, k2) => {
        fc.pre(k1 !== k2);
        const blob = encryptEnv({ A: "x" }, PUBLIC_KEY, taggedBy({ urn: u, key: k1 }));
        expect(pushedBy(blob, { urn: u, key: k1 })).toBe(true);
        expect(pushedBy(blob, { urn: u, key: k2 })).toBe(false); // another backend's key
        expect(pushedBy(blob, { urn: u })).toBe(false); // the URN alone
        const v1 = encryptEnv({ A: "x" }, PUBLIC_KEY, taggedBy({ urn: u }));
        expect(pushedBy(v1, { urn: u, key: k1 })).toBe(false);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  test("classifies: own key = tagged; another key = theirs; a URN-only tag = theirs, marked for the refusal", () => {
    const v2 = (key: string): Owner => ({ urn: URN, key });
    const mine = v2("a1".repeat(32));
    const other = v2("b2".repeat(32));
    const blob = (owner: Owner) => rev(encryptEnv({ A: "x" }, PUBLIC_KEY, taggedBy(owner)));
    expect(classifyNewest(undefined, blob(mine), mine).kind).toBe("tagged");
    expect(classifyNewest(undefined, blob(other), mine)).toMatchObject({ kind: "theirs" });
    expect(classifyNewest(undefined, blob(other), mine).urnTagged).toBeUndefined();
    for (const reader of [mine, { urn: URN }]) {
      expect(classifyNewest(undefined, blob({ urn: URN }), reader)).toMatchObject({
        kind: "theirs",
        urnTagged: true,
      });
    }
  });
});

describe("OwnerKey's provider", () => {
  test("create makes a random 32-byte key, a secret, with an id that is not derived from it", async () => {
    const a = await ownerKey.create({});
    const b = await ownerKey.create({});
    const keyOf = (outs: unknown) => {
      const key = (outs as { key: unknown }).key;
      expect(isSecretWire(key)).toBe(true);
      return (key as { value: string }).value;
    };
    expect(keyOf(a.outs)).toMatch(/^[0-9a-f]{64}$/);
    expect(keyOf(a.outs)).not.toBe(keyOf(b.outs));
    expect(a.id).toMatch(/^ownerkey-[0-9a-f]{16}$/);
    expect(keyOf(a.outs)).not.toContain(a.id.slice("ownerkey-".length));
  });

  test("diff never changes; update and read keep the key, as a secret; delete does nothing", async () => {
    const key = "c3".repeat(32);
    expect(await ownerKey.diff("ownerkey-1", { key }, {})).toEqual({ changes: false });
    expect(await ownerKey.update("ownerkey-1", { key }, {})).toEqual({ outs: { key: secretOf(key) } });
    expect(await ownerKey.read("ownerkey-1", { key })).toEqual({
      id: "ownerkey-1",
      props: { key: secretOf(key) },
    });
    await expect(ownerKey.remove("ownerkey-1", { key })).resolves.toBeUndefined();
  });

  test("the plugin serves it: the key unknown in a preview, secret in the schema", async () => {
    const kind = kindOf(OWNER_KEY);
    expect(kind?.name).toBe("OwnerKey");
    expect(await kind?.previewCreate({})).toEqual({ key: UNKNOWN });
    const schema = buildSchema() as { resources: Record<string, { properties: Record<string, unknown> }> };
    expect(schema.resources[OWNER_KEY]?.properties.key).toMatchObject({ type: "string", secret: true });
  });
});

describe("CvmSecrets' ownerKey input", () => {
  test("is secret in the plugin, hidden in its diff, and never an output", () => {
    expect(PLUGIN_SECRET_INPUTS).toContain("ownerKey");
    expect(DIFF_VIEW.hidden).toContain("ownerKey");
    expect(publicOutputs({ ownerUrn: URN, ownerKey: "d4".repeat(32), envKeys: [] })).toEqual({
      ownerUrn: URN,
      envKeys: [],
    });
  });
});
