// A private registry credential, checked against the registry at every create/update, feeding a
// CVM's env. Rotating the credential restarts the CVM (the pre-launch script logs in at boot).
//
//   pulumi config set cvmId <cvm>
//   pulumi config set registryHost registry.example.com
//   pulumi config set registryUser ci
//   pulumi config set --secret registryPassword '…'
//   pulumi config set --secret appSecret '…'
import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets, RegistryCredential } from "pulumi-cvm-secrets";

const cfg = new pulumi.Config();
const host = cfg.require("registryHost");
// Plain http is allowed for loopback registries only (the local test registry).
const loopback = /^(127\.|localhost)/.test(host);

const registry = new RegistryCredential("registry", {
  type: "custom",
  registry: loopback ? `http://${host}` : host,
  username: cfg.require("registryUser"),
  password: cfg.requireSecret("registryPassword"),
  verify: { image: `${host}/team/api:v1`, allowInsecureLoopback: loopback },
});

const api = new CvmSecrets("api", {
  cvms: [cfg.require("cvmId")],
  env: { APP_SECRET: cfg.requireSecret("appSecret") },
  registry,
});

export const envKeys = api.envKeys;
export const verifiedAt = registry.verifiedAt;
