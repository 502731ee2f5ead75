/**
 * A keep-alive-only state stream through the provider plugin: the resource's `customTimeouts`
 * (the engine's UpdateRequest `timeout`) holds (suites/ready-deadline.ts).
 */
import { readyDeadlineSuite } from "./suites/ready-deadline";

readyDeadlineSuite("plugin");
