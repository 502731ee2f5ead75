/**
 * Ownership on the real engine through the resource provider plugin: the same suite, the same
 * assertions, as the dynamic classes (suites/ownership.ts).
 */
import { ownershipSuite } from "./suites/ownership";

ownershipSuite("plugin");
