/** examples/registries with the dynamic classes (suites/registries.ts). */
import { registriesSuite } from "./suites/registries";

registriesSuite("dynamic");
