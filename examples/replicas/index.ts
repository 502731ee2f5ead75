// Replicas: one app, several CVMs, one env. A rotated secret restarts the replicas one at a
// time (each wave waits until the previous CVM is running again); adding a replica restarts
// only that replica.
//
//   pulumi config set --path 'cvmIds[0]' api-1
//   pulumi config set --path 'cvmIds[1]' api-2
//   pulumi config set --path 'cvmIds[2]' api-3
//   pulumi config set --secret apiToken '…'
//   pulumi up
import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets } from "pulumi-cvm-secrets";

const cfg = new pulumi.Config();

const api = new CvmSecrets("api", {
  cvms: cfg.requireObject<string[]>("cvmIds"),
  env: {
    API_TOKEN: cfg.requireSecret("apiToken"),
    LOG_LEVEL: cfg.get("logLevel") ?? "info",
    // More variables from config, e.g. `pulumi config set --path 'extraEnv.FEATURE_X' on`.
    ...(cfg.getObject<Record<string, string>>("extraEnv") ?? {}),
  },
  rollout: {
    maxUnavailable: cfg.getNumber("maxUnavailable") ?? 1,
    readyTimeoutSeconds: cfg.getNumber("readyTimeoutSeconds") ?? 600,
  },
});

export const envKeys = api.envKeys;
export const restarted = api.lastRollout.apply((r) => r?.restarted ?? []);
