/**
 * Issue 21 for a TypeScript program on the classes bound to the plugin: the program warns, the
 * plugin does not, so the run warns once (suites/plain-credentials.ts).
 */
import { plainCredentialsSuite } from "./suites/plain-credentials";

plainCredentialsSuite("plugin");
