/** Pins by resolved id and evidence for a lost answer, with the dynamic classes (suites/pins.ts). */
import { pinsSuite } from "./suites/pins";

pinsSuite("dynamic");
