/**
 * A RegistryCredential against the real docker-registry through the resource provider plugin:
 * verify, rotation, a wrong password refused without it (suites/registry.ts).
 */
import { registrySuite } from "./suites/registry";

registrySuite("plugin");
