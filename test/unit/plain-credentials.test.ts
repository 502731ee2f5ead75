/**
 * A credential setting stored in clear (issue 21: `cvm-secrets:apiKey` set without `--secret`):
 * the plugin's CheckConfig and the dynamic classes' program-side check each report it, naming
 * the key and the command that stores it encrypted, never the value.
 */
import { plainCredentialSettings } from "../../provider/dynamic/plain-credentials";
import { checkConfig } from "../../provider/plugin/provider-config";
import { plainSettingWarning } from "../../provider/runtime/settings";
import { secretWire, UNKNOWN } from "../../provider/runtime/wire";

const KEY = "phala-plain-api-key-value-31";

test("the warning names the key and the --secret command, never a value", () => {
  const warning = plainSettingWarning("apiKey");
  expect(warning).toBe(
    "cvm-secrets:apiKey is not a secret: it is stored in clear (in Pulumi.<stack>.yaml when set by " +
      "`pulumi config set` without --secret). Store it encrypted: `pulumi config set --secret cvm-secrets:apiKey <value>` " +
      "(for an explicit provider, pass the value as a secret, e.g. with `config.requireSecret`)",
  );
});

test("CheckConfig: a plain apiKey (and other credential) warns; a secret, an empty or an unknown one does not", () => {
  const plain = checkConfig({ apiKey: KEY, apiUrl: "https://example.test/api/v1" });
  expect(plain.warnings).toEqual([plainSettingWarning("apiKey")]);
  expect(plain.failures).toEqual([]);
  expect(JSON.stringify(plain.warnings)).not.toContain(KEY);
  expect(checkConfig({ apiKey: secretWire(KEY) }).warnings).toEqual([]);
  expect(checkConfig({ apiKey: "" }).warnings).toEqual([]);
  expect(checkConfig({ apiKey: UNKNOWN }).warnings).toEqual([]);
  expect(checkConfig({}).warnings).toEqual([]);
  expect(checkConfig({ apiKey: secretWire(KEY), rpcUrls: '{"1":"https://rpc.test/k"}' }).warnings).toEqual([
    plainSettingWarning("rpcUrls"),
  ]);
});

test("the dynamic classes: a set, non-secret credential is reported; a secret or unset one is not", () => {
  const config: Record<string, string> = {
    "cvm-secrets:apiKey": KEY,
    "cvm-secrets:apiUrl": "https://example.test",
    "cvm-secrets:defaultRegistryPassword": "pw",
  };
  const secret = new Set(["cvm-secrets:defaultRegistryPassword"]);
  const runtime = { getConfig: (k: string) => config[k], isConfigSecret: (k: string) => secret.has(k) };
  expect(plainCredentialSettings(runtime)).toEqual(["apiKey"]);
  secret.add("cvm-secrets:apiKey");
  expect(plainCredentialSettings(runtime)).toEqual([]);
  // An SDK without `isConfigSecret`: nothing can be told, nothing is claimed.
  expect(plainCredentialSettings({ getConfig: runtime.getConfig })).toEqual([]);
});
