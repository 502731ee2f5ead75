/**
 * The chain anchor's settings (provider/runtime/chain-settings.ts): `cvm-secrets:rpcUrls` and
 * `cvm-secrets:kmsContracts` as JSON maps in both flavours (stack config through `configure`, the
 * plugin's Provider arguments through CheckConfig), the `CVM_SECRETS_RPC_URL_<chainId>` fallback,
 * and malformed values refused without quoting them.
 */
import {
  checkConfig,
  configure as configurePlugin,
  SECRET_CONFIG_KEYS,
} from "../../provider/plugin/provider-config";
import { chainSettings, parseChainMap } from "../../provider/runtime/chain-settings";
import { configure, resetSettings } from "../../provider/runtime/settings";

const KEYED = "https://base.example/v2/s3cr3t-key";
const stack = (values: Record<string, string>) =>
  ({ config: { get: (key: string) => values[key] } }) as unknown as Parameters<typeof configure>[0];

afterEach(() => resetSettings());

test("stack config maps, with the environment filling chains the config leaves out", () => {
  configure(
    stack({
      "cvm-secrets:rpcUrls": JSON.stringify({ "8453": KEYED }),
      "cvm-secrets:kmsContracts": JSON.stringify({ "8453": `0x${"ab".repeat(20)}` }),
    }),
  );
  const env = {
    CVM_SECRETS_RPC_URL_8453: "http://ignored",
    CVM_SECRETS_RPC_URL_1: " http://eth.example ",
    OTHER: "x",
  };
  expect(chainSettings(env)).toEqual({
    rpcUrls: { "8453": KEYED, "1": "http://eth.example" },
    kmsContracts: { "8453": `0x${"ab".repeat(20)}` },
  });
});

test("nothing configured: empty maps (Phala's contracts are the anchor's defaults, not settings)", () => {
  expect(chainSettings({})).toEqual({ rpcUrls: {}, kmsContracts: {} });
});

test("the plugin's Provider arguments reach the same settings; rpcUrls is kept secret", () => {
  configurePlugin({ rpcUrls: JSON.stringify({ "1": KEYED }) }, new Map());
  expect(chainSettings({}).rpcUrls).toEqual({ "1": KEYED });
  configurePlugin(undefined, new Map([["cvm-secrets:config:rpcUrls", JSON.stringify({ "8453": KEYED })]]));
  expect(chainSettings({}).rpcUrls).toEqual({ "8453": KEYED });
  expect(SECRET_CONFIG_KEYS).toContain("rpcUrls");
});

test.each<[string, string, RegExp]>([
  ["not JSON", `{"8453": ${KEYED}}`, /it is not JSON/],
  ["an array", JSON.stringify([KEYED]), /must be JSON mapping a decimal chain id/],
  ["a chain name as key", JSON.stringify({ base: KEYED }), /a key is not a decimal chain id/],
  [
    "a websocket URL",
    JSON.stringify({ "8453": "wss://base.example/s3cr3t-key" }),
    /the value for chain 8453 is not an http\(s\) URL/,
  ],
  ["a number as URL", JSON.stringify({ "8453": 5 }), /the value for chain 8453 is not an http\(s\) URL/],
])("rpcUrls %s is refused without quoting it", (_name, text, reason) => {
  const parsed = parseChainMap(text, "rpcUrls");
  expect(parsed).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  configure(stack({ "cvm-secrets:rpcUrls": text }));
  const error = (() => {
    try {
      chainSettings({});
    } catch (e) {
      return e as Error & { code: string };
    }
  })();
  expect(error?.code).toBe("CVMS_CONFIGURATION");
  expect(error?.message).toMatch(/^cvm-secrets:rpcUrls must be JSON/);
  expect(error?.message).not.toContain("s3cr3t");
  const { failures } = checkConfig({ rpcUrls: text });
  expect(failures).toHaveLength(1);
  expect(JSON.stringify(failures)).not.toContain("s3cr3t");
});

test("kmsContracts must map chain ids to 20-byte addresses", () => {
  expect(parseChainMap(JSON.stringify({ "1": "0x1234" }), "kmsContracts")).toMatchObject({ ok: false });
  expect(parseChainMap(JSON.stringify({ "1": "ab".repeat(20) }), "kmsContracts")).toMatchObject({
    ok: false,
  });
  expect(checkConfig({ kmsContracts: JSON.stringify({ "1": "0x1234" }) }).failures).toEqual([
    expect.objectContaining({
      reason: expect.stringContaining("the value for chain 1 is not a 20-byte address"),
    }),
  ]);
});

test("a malformed CVM_SECRETS_RPC_URL_<chainId> is a configuration error naming the variable only", () => {
  expect(() => chainSettings({ CVM_SECRETS_RPC_URL_base: KEYED })).toThrow(
    /CVM_SECRETS_RPC_URL_base the suffix must be a decimal chain id/,
  );
  expect(() => chainSettings({ CVM_SECRETS_RPC_URL_1: "s3cr3t" })).toThrow(
    /^CVM_SECRETS_RPC_URL_1 must be an http\(s\) URL$/,
  );
});
