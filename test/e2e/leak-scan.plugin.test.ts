/**
 * The leak scan (issue 12) through the resource provider plugin: the same canaries, modes,
 * check failures and assertions as the dynamic classes (suites/leak-scan.ts).
 */
import { leakScanSuite } from "./suites/leak-scan";

leakScanSuite("plugin");
