/** Check failures with the dynamic classes (suites/check-failures.ts). */
import { checkFailuresSuite } from "./suites/check-failures";

checkFailuresSuite("dynamic");
