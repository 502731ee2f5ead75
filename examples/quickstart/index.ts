// Quickstart: one CVM's encrypted environment, from stack config, with the pull credential for
// its private GHCR image.
//
//   pulumi config set cvmId <cvm id or name>
//   pulumi config set --secret databaseUrl 'postgres://…'
//   pulumi config set --secret stripeKey 'sk_live_…'
//   pulumi config set --secret ghcrToken 'ghp_…'               # read:packages
//   pulumi config set verifyImage ghcr.io/acme/api:1.4.2       # optional: a real pull check at up
//   pulumi config set --secret cvm-secrets:apiKey phak_…       # or PHALA_CLOUD_API_KEY
//   pulumi up
import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets, RegistryCredential } from "pulumi-cvm-secrets";

const cfg = new pulumi.Config();
const verifyImage = cfg.get("verifyImage");

const ghcr = new RegistryCredential("ghcr", {
  type: "ghcr",
  username: cfg.get("ghcrUser") ?? "acme-bot",
  token: cfg.requireSecret("ghcrToken"),
  verify: verifyImage ? { image: verifyImage } : undefined,
});

const api = new CvmSecrets("api", {
  cvms: [cfg.require("cvmId")],
  env: {
    DATABASE_URL: cfg.requireSecret("databaseUrl"),
    STRIPE_KEY: cfg.requireSecret("stripeKey"),
  },
  registry: ghcr,
  rollout: { maxUnavailable: 1 },
});

export const envKeys = api.envKeys;
export const fingerprints = api.fingerprints;
export const lastRollout = api.lastRollout;
