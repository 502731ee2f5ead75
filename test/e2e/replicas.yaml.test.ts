/**
 * examples/yaml/replicas on the real engine, the real YAML language host and the provider
 * plugin: the same suite, the same assertions, as the TypeScript example (suites/replicas.ts).
 */
import { replicasSuite } from "./suites/replicas";

replicasSuite("yaml");
