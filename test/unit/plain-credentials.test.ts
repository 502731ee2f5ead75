/**
 * A credential setting stored in clear (issue 21: `cvm-secrets:apiKey` set without `--secret`):
 * the TypeScript classes (dynamic and plugin-bound) report it from the program, naming
 * the key and the command that stores it encrypted, never the value.
 */
import { plainCredentialSettings } from "../../provider/dynamic/plain-credentials";
import { plainSettingWarning } from "../../provider/runtime/settings";

const KEY = "phala-plain-api-key-value-31";

test("the warning names the key and the --secret command, never a value", () => {
  const warning = plainSettingWarning("apiKey");
  expect(warning).toBe(
    "cvm-secrets:apiKey is not a secret: it is stored in clear (in Pulumi.<stack>.yaml when set by " +
      "`pulumi config set` without --secret). Store it encrypted: `pulumi config set --secret cvm-secrets:apiKey <value>` " +
      "(for an explicit provider, pass the value as a secret, e.g. with `config.requireSecret`)",
  );
});

test("the program-side check: a set, non-secret credential is reported; a secret or unset one is not", () => {
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
