/** A literal kms.rpcUrl stays a secret, through the provider plugin (suites/rpc-url-secret.ts). */
import { rpcUrlSecretSuite } from "./suites/rpc-url-secret";

rpcUrlSecretSuite("plugin");
