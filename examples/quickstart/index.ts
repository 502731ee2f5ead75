// Quickstart: one CVM's encrypted environment, from stack config.
//
//   pulumi config set cvmId <cvm id or name>
//   pulumi config set --secret databaseUrl 'postgres://…'
//   pulumi config set --secret stripeKey 'sk_live_…'
//   pulumi config set --secret cvm-secrets:apiKey phak_…      # or PHALA_CLOUD_API_KEY
//   pulumi up
import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets } from "pulumi-cvm-secrets";

const cfg = new pulumi.Config();

const api = new CvmSecrets("api", {
  cvms: [cfg.require("cvmId")],
  env: {
    DATABASE_URL: cfg.requireSecret("databaseUrl"),
    STRIPE_KEY: cfg.requireSecret("stripeKey"),
  },
  rollout: { maxUnavailable: 1 },
});

export const envKeys = api.envKeys;
export const fingerprints = api.fingerprints;
export const lastRollout = api.lastRollout;
