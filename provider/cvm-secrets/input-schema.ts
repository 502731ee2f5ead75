/**
 * The schema of CvmSecrets' program inputs: the shape each must have and the rule `check` prints
 * when it has not (core/input-shape.ts). What depends on more than one input's shape — two forms
 * of one CVM, the env's key and value rules next to a registry credential, the stack-wide default
 * credential — `check` decides after this schema passed.
 */

import type { Fields } from "../core/input-shape";
import { parseRpcUrl } from "../core/rpc-url";
import { lazy } from "../runtime/lazy";

/** Each program input of CvmSecrets that has a shape to check (properties.ts lists them all). */
export const INPUT_SCHEMA: Fields = {
  cvms: {
    shape: {
      kind: "list",
      reason: "must be a list of CVM ids (cvm_…, app_<hex>, a UUID or a name)",
      empty: "must name at least one CVM",
      of: { kind: "string", nonEmpty: true, reason: "must be a non-empty CVM id" },
    },
  },
  env: { shape: { kind: "map", reason: "must be a map of variable names to string values" } },
  rollout: {
    optional: true,
    shape: {
      kind: "object",
      reason: "must be an object",
      fields: {
        maxUnavailable: {
          optional: true,
          shape: { kind: "int", min: 1, max: 1000, reason: "must be a whole number of at least 1" },
        },
        readyTimeoutSeconds: {
          optional: true,
          shape: {
            kind: "int",
            min: 10,
            max: 3600,
            reason: "must be a whole number of seconds between 10 and 3600",
          },
        },
      },
    },
  },
  composeCheck: {
    optional: true,
    shape: { kind: "enum", values: ["error", "warn", "off"], reason: 'must be "error", "warn" or "off"' },
  },
  kms: {
    optional: true,
    shape: {
      kind: "object",
      reason: "must be an object",
      fields: {
        trustedSigner: {
          optional: true,
          shape: {
            kind: "string",
            // The check loads the key module only for a signer given (runtime/lazy.ts).
            test: (signer) => lazy.kms().normalizeSigner(signer) !== undefined,
            reason: "must be a secp256k1 public key in hex (33-byte compressed or 65-byte uncompressed)",
          },
        },
        rpcUrl: {
          optional: true,
          shape: {
            kind: "string",
            test: (url) => parseRpcUrl(url) !== undefined,
            reason: "must be an http(s) URL of a JSON-RPC node of the apps' chain",
          },
        },
        contract: {
          optional: true,
          shape: {
            kind: "string",
            test: (address) => /^0x[0-9a-fA-F]{40}$/.test(address),
            reason: "must be a KMS contract address written 0x + 40 hex digits",
          },
        },
      },
    },
  },
  ownerKey: {
    optional: true,
    shape: {
      kind: "string",
      test: (key) => /^[0-9a-f]{64}$/.test(key),
      reason: "must be the key of a cvm-secrets OwnerKey (64 lowercase hex digits)",
    },
  },
  transactionHash: {
    optional: true,
    shape: {
      kind: "string",
      test: (tx) => /^0x[0-9a-fA-F]{64}$/.test(tx),
      reason: "must be a 32-byte transaction hash written 0x + 64 hex digits",
    },
  },
};
