/** The Pulumi process killed mid-rollout, with the dynamic classes (suites/gauntlet-kill.ts). */
import { gauntletKillSuite } from "./suites/gauntlet-kill";

gauntletKillSuite("dynamic");
