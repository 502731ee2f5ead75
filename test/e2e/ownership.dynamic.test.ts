/** Ownership on the real engine, with the dynamic classes (suites/ownership.ts). */
import { ownershipSuite } from "./suites/ownership";

ownershipSuite("dynamic");
