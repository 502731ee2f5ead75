/**
 * The quickstart on the real engine through the resource provider plugin
 * (`pulumi-cvm-secrets/plugin`, bin/pulumi-resource-cvm-secrets on PATH): the same suite, the
 * same assertions, as the dynamic classes (suites/quickstart.ts).
 */
import { quickstartSuite } from "./suites/quickstart";

quickstartSuite("plugin");
