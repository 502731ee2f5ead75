/**
 * Replicas on the real engine through the resource provider plugin
 * (`pulumi-cvm-secrets/plugin`, bin/pulumi-resource-cvm-secrets on PATH): the same suite, the
 * same assertions, as the dynamic classes (suites/replicas.ts).
 */
import { replicasSuite } from "./suites/replicas";

replicasSuite("plugin");
