/**
 * A forging API for trust tests (a rewrite for hostile-proxy.ts): it hands out a key the
 * attacker holds, signed by the attacker's signer, and documents that signer as the KMS's, so
 * only a signer from outside the API (the chain, a trusted signer) catches it.
 */
import { x25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { signKey } from "../../provider/core/kms-signature";
import type { Rewrite } from "./hostile-proxy";

/**
 * An API that hands out the attacker's key, signed by the attacker's signer (`signerSecret`, a
 * fresh one by default), and documents that signer. With `keepKey`, the app's real key is
 * re-signed instead (a KMS that rotated its signer, as seen through the API).
 */
export function forger(
  signerSecret: Uint8Array = secp256k1.utils.randomSecretKey(),
  options: { keepKey?: boolean } = {},
): Rewrite {
  const signer = Buffer.from(secp256k1.getPublicKey(signerSecret, true)).toString("hex");
  const forged = x25519.getPublicKey(x25519.utils.randomSecretKey());
  return (method, path, body) => {
    const pubkey = /^\/kms\/[^/]+\/pubkey\/([0-9a-fx]+)$/i.exec(path);
    if (method === "GET" && pubkey) {
      const app = Uint8Array.from(Buffer.from(pubkey[1]!.replace(/^0x/, ""), "hex"));
      const real = (body as { public_key: string }).public_key.replace(/^0x/, "");
      const key = options.keepKey ? Uint8Array.from(Buffer.from(real, "hex")) : forged;
      return {
        ...(body as object),
        public_key: Buffer.from(key).toString("hex"),
        signature: signKey(signerSecret, app, key),
      };
    }
    if (method === "GET" && /^\/kms\/[^/]+\/info$/.test(path)) {
      const info = body as { rpc: { bootstrap_info: Record<string, unknown> } };
      return {
        ...info,
        rpc: { ...info.rpc, bootstrap_info: { ...info.rpc.bootstrap_info, k256_pubkey: signer } },
      };
    }
    return undefined;
  };
}
