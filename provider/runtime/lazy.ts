/**
 * Modules that only create/update/delete/read (or an unusual input) need, loaded on first use:
 * the provider process of every `pulumi preview` runs check and diff only, and loading the HTTP
 * client, zod, yaml and the curve libraries up front costs it ≈ 0.2 s.
 */
export const lazy = {
  chain: () => require("../api/chain/index") as typeof import("../api/chain/index"),
  chainAnchor: () => require("../core/chain-anchor") as typeof import("../core/chain-anchor"),
  client: () => require("../api/phala/index") as typeof import("../api/phala/index"),
  compose: () => require("../core/compose-check") as typeof import("../core/compose-check"),
  envelope: () => require("../core/envelope") as typeof import("../core/envelope"),
  keyAnchor: () => require("../core/key-anchor") as typeof import("../core/key-anchor"),
  kms: () => require("../core/kms-signature") as typeof import("../core/kms-signature"),
  kmsQuote: () => require("../core/kms-quote") as typeof import("../core/kms-quote"),
  registry: () => require("../core/registry/index") as typeof import("../core/registry/index"),
  yaml: () => require("yaml") as typeof import("yaml"),
};
