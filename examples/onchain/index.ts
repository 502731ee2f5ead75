// An app whose KMS is on-chain (kms_type ethereum or base). The env is encrypted to the key the
// KMS signed for the app (GET /kms/{kms_type}/pubkey/{app_id}), verified against the signer you
// trust. A change of the key *set* changes the compose hash, which the app's DstackApp contract
// must allow first: the first `pulumi up` stops with the hash to register; register it
// (addComposeHash), then give the transaction hash and run `pulumi up` again.
//
//   pulumi config set --path 'cvmIds[0]' cvm_…
//   pulumi config set --path 'cvmIds[1]' cvm_…
//   pulumi config set trustedSigner 02…            # the KMS signer's public key, from the contract
//   pulumi config set --secret apiToken '…'
//   pulumi up                                       # → "Register compose hash 0x… (addComposeHash)"
//   pulumi config set transactionHash 0x…          # the registration transaction
//   pulumi up
import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets } from "pulumi-cvm-secrets";

const cfg = new pulumi.Config();
const trustedSigner = cfg.get("trustedSigner");

const api = new CvmSecrets("api", {
  cvms: cfg.requireObject<string[]>("cvmIds"),
  env: {
    API_TOKEN: cfg.requireSecret("apiToken"),
    ...(cfg.getObject<Record<string, string>>("extraEnv") ?? {}),
  },
  ...(trustedSigner ? { kms: { trustedSigner } } : {}),
  transactionHash: cfg.get("transactionHash"),
  rollout: { maxUnavailable: 1, readyTimeoutSeconds: cfg.getNumber("readyTimeoutSeconds") ?? 600 },
});

export const envKeys = api.envKeys;
export const composeHashes = api.composeHashes;
export const restarted = api.lastRollout.apply((r) => r?.restarted ?? []);
