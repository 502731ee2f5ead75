/**
 * examples/yaml/quickstart — the quickstart in Pulumi YAML (docs/_index.md) — on the real engine, the real
 * YAML language host and the provider plugin: the same suite, the same assertions, as the
 * TypeScript quickstart (suites/quickstart.ts).
 */
import { quickstartSuite } from "./suites/quickstart";

quickstartSuite("yaml");
