/** A literal kms.rpcUrl stays a secret, with the dynamic classes (suites/rpc-url-secret.ts). */
import { rpcUrlSecretSuite } from "./suites/rpc-url-secret";

rpcUrlSecretSuite("dynamic");
