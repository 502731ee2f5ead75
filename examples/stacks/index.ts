// One program, two stacks. What differs between dev and prod lives in Pulumi.<stack>.yaml:
// the CVMs, the log level, and the secrets (set per stack with `pulumi config set --secret`).
// Each stack has its own state, so changing dev never touches a prod CVM.
import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets } from "pulumi-cvm-secrets";

const cfg = new pulumi.Config();

const api = new CvmSecrets("api", {
  cvms: cfg.requireObject<string[]>("cvmIds"),
  env: {
    DATABASE_URL: cfg.requireSecret("databaseUrl"),
    SESSION_KEY: cfg.requireSecret("sessionKey"),
    LOG_LEVEL: cfg.require("logLevel"),
  },
  rollout: { maxUnavailable: cfg.getNumber("maxUnavailable") ?? 1 },
});

export const stack = pulumi.getStack();
export const envKeys = api.envKeys;
export const fingerprints = api.fingerprints;
