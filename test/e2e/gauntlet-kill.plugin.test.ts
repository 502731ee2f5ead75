/**
 * The Pulumi process killed mid-rollout through the resource provider plugin: SIGKILL of the
 * whole process tree (the plugin among it) and of the CLI's process group (the plugin orphaned),
 * SIGINT; the same journal, guests and restarts as the dynamic classes (suites/gauntlet-kill.ts).
 */
import { gauntletKillSuite } from "./suites/gauntlet-kill";

gauntletKillSuite("plugin");
