/**
 * A rollout that fails half way, with secret CVM ids, through the resource provider plugin: the
 * partial state travels in the gRPC error's details (suites/failed-rollout.ts).
 */
import { failedRolloutSuite } from "./suites/failed-rollout";

failedRolloutSuite("plugin");
