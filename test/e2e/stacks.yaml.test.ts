/**
 * examples/yaml/stacks, with its shipped Pulumi.dev.yaml and Pulumi.prod.yaml, on the real
 * engine, the real YAML language host and the provider plugin: the same suite, the same
 * assertions, as the TypeScript example (suites/stacks.ts).
 */
import { stacksSuite } from "./suites/stacks";

stacksSuite("yaml");
