/**
 * The leak scan of secret CVM ids (issue 12) through the resource provider plugin: the same
 * canaries, modes and assertions as the dynamic classes (suites/leak-scan-ids.ts).
 */
import { leakScanIdsSuite } from "./suites/leak-scan-ids";

leakScanIdsSuite("plugin");
