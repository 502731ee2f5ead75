/**
 * Check failures through the resource provider plugin: the same inputs, rules and scans as the
 * dynamic classes, the engine's rendering of the plugin's `CheckFailure`s asserted as such, and
 * the plugin's own configuration (`CheckConfig`) too (suites/check-failures.ts).
 */
import { checkFailuresSuite } from "./suites/check-failures";

checkFailuresSuite("plugin");
