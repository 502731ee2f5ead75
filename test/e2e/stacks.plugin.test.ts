/**
 * dev and prod stacks of one program on the real engine through the resource provider plugin
 * (`pulumi-cvm-secrets/plugin`, bin/pulumi-resource-cvm-secrets on PATH): the same suite, the
 * same assertions, as the dynamic classes (suites/stacks.ts).
 */
import { stacksSuite } from "./suites/stacks";

stacksSuite("plugin");
