/**
 * A keep-alive-only state stream against the dynamic provider: `rollout.readyTimeoutSeconds`
 * holds (suites/ready-deadline.ts).
 */
import { readyDeadlineSuite } from "./suites/ready-deadline";

readyDeadlineSuite("dynamic");
