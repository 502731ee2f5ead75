/** A rollout that fails half way, with secret CVM ids, with the dynamic classes (suites/failed-rollout.ts). */
import { failedRolloutSuite } from "./suites/failed-rollout";

failedRolloutSuite("dynamic");
