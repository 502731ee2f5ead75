/** A RegistryCredential against the real docker-registry, with the dynamic classes (suites/registry.ts). */
import { registrySuite } from "./suites/registry";

registrySuite("dynamic");
