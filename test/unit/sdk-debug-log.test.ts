/**
 * The SDK's debug lines about this package's resources lose the engine's answer
 * (provider/sdk-debug-log.ts); every other line passes through unchanged.
 */
import * as pulumi from "@pulumi/pulumi";
import { installDebugRedaction, redactSdkDebug } from "../../provider/sdk-debug-log";

const OURS = "resource:api[pulumi-nodejs:dynamic/cvm-secrets:CvmSecrets]";

test("the answer about one of this package's resources is left out", () => {
  expect(redactSdkDebug(`RegisterResource RPC finished: ${OURS}; err: null, resp: urn,id,SECRET`)).toBe(
    `RegisterResource RPC finished: ${OURS}; err: null, resp: [left out by pulumi-cvm-secrets: it holds the resource's inputs]`,
  );
  expect(redactSdkDebug(`ReadResource RPC finished: ${OURS}#...; err: null, resp: SECRET`)).not.toContain(
    "SECRET",
  );
  expect(
    redactSdkDebug(
      "RegisterResource RPC prepared: t=pulumi-nodejs:dynamic/cvm-secrets:RegistryCredential, name=r, obj={SECRET}",
    ),
  ).not.toContain("SECRET");
});

test("the classes bound to the provider plugin and its explicit Provider are left out too", () => {
  for (const label of [
    "resource:api[cvm-secrets:index:CvmSecrets]",
    "resource:ghcr[cvm-secrets:index:RegistryCredential]",
    "resource:ws[pulumi:providers:cvm-secrets]",
  ]) {
    expect(redactSdkDebug(`RegisterResource RPC finished: ${label}; err: null, resp: SECRET`)).not.toContain(
      "SECRET",
    );
  }
});

test("everything else passes through", () => {
  for (const line of [
    "RegisterResource RPC finished: resource:gen[pulumi-nodejs:dynamic:Resource]; err: null, resp: x",
    "RegisterResource RPC prepared: t=pulumi-nodejs:dynamic/cvm-secrets:CvmSecrets, name=api",
    "Registering resource: t=pulumi-nodejs:dynamic/cvm-secrets:CvmSecrets, name=api",
    "a user's own debug line with resp: in it",
  ]) {
    expect(redactSdkDebug(line)).toBe(line);
  }
});

test("installed on the SDK's log module (the one runtime/resource.js calls), once", () => {
  // Importing the resource modules installs it on the SDK this package resolves.
  require("../../provider/dynamic/cvm-secrets");
  const sent: string[] = [];
  const fake = { debug: async (m: string) => void sent.push(m) };
  installDebugRedaction(fake);
  installDebugRedaction(fake);
  void fake.debug(`RegisterResource RPC finished: ${OURS}; err: null, resp: SECRET`);
  expect(sent).toEqual([expect.not.stringContaining("SECRET")]);
  expect(require("@pulumi/pulumi/log")).toBe(pulumi.log);
  expect(pulumi.log.debug.toString()).toContain("redactSdkDebug");
});
