/**
 * `kms.rpcUrl` is a secret (an RPC URL often carries an API key): both resource classes register
 * it wrapped with `pulumi.secret` (dynamic/cvm-secrets.ts `cvmSecretsProperties`), so a literal
 * in the program never lands in state in clear; the rest of `kms` keeps its secretness.
 */
import * as pulumi from "@pulumi/pulumi";
import { cvmSecretsProperties } from "../../provider/dynamic/cvm-secrets";

const URL_WITH_KEY = "https://rpc.example/v2/rpc-key-class-unit";
type Kms = { rpcUrl?: pulumi.Input<string>; trustedSigner?: pulumi.Input<string> };

describe("kms.rpcUrl as the classes register it", () => {
  test("a literal rpcUrl becomes a secret, the other kms fields stay as given", async () => {
    const kms = cvmSecretsProperties({
      cvms: ["c"],
      env: {},
      kms: { rpcUrl: URL_WITH_KEY, contract: "0xab" },
    }).kms as Kms & { contract: string };
    expect(pulumi.Output.isInstance(kms.rpcUrl)).toBe(true);
    expect(await pulumi.isSecret(kms.rpcUrl as pulumi.Output<string>)).toBe(true);
    expect(kms.contract).toBe("0xab");
  });

  test("a kms without rpcUrl is registered as given, not secret", async () => {
    const given = { trustedSigner: "02ab" };
    const kms = cvmSecretsProperties({ cvms: ["c"], env: {}, kms: given }).kms;
    expect(kms).toBe(given);
    expect(cvmSecretsProperties({ cvms: ["c"], env: {} })).not.toHaveProperty("kms");
  });

  test("a kms known only later is secret as a whole once it holds an rpcUrl", async () => {
    const later = cvmSecretsProperties({ cvms: ["c"], env: {}, kms: pulumi.output({ rpcUrl: URL_WITH_KEY }) })
      .kms as pulumi.Output<Kms>;
    expect(await pulumi.isSecret(later)).toBe(true);
    const plain = cvmSecretsProperties({
      cvms: ["c"],
      env: {},
      kms: pulumi.output({ trustedSigner: "02ab" }),
    }).kms as pulumi.Output<Kms>;
    expect(await pulumi.isSecret(plain)).toBe(false);
  });
});
