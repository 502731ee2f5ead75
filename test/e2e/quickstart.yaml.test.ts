/**
 * examples/yaml/quickstart — the README quickstart in Pulumi YAML — on the real engine, the real
 * YAML language host and the provider plugin: the same suite, the same assertions, as the
 * TypeScript quickstart (suites/quickstart.ts).
 */
import { quickstartSuite } from "./suites/quickstart";

quickstartSuite("yaml");
