/**
 * examples/registries through the resource provider plugin: every registry type, the same
 * renderings, and the same secrets in state as the dynamic classes (suites/registries.ts).
 */
import { registriesSuite } from "./suites/registries";

registriesSuite("plugin");
