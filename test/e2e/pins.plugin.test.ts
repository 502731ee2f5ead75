/** Pins by resolved id and evidence for a lost answer, through the provider plugin (suites/pins.ts). */
import { pinsSuite } from "./suites/pins";

pinsSuite("plugin");
