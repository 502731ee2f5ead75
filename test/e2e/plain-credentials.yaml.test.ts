/**
 * Issue 21 for a Pulumi YAML program: the plugin warns about a credential in clear (suites/plain-credentials.ts).
 */
import { plainCredentialsSuite } from "./suites/plain-credentials";

plainCredentialsSuite("yaml");
