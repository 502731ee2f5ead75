/** The chain anchor on the real engine, with the dynamic classes (suites/chain-anchor.ts). */
import { chainAnchorSuite } from "./suites/chain-anchor";

chainAnchorSuite("dynamic");
