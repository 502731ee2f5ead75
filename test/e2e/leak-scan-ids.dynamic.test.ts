/** The leak scan of secret CVM ids (issue 12) with the dynamic classes (suites/leak-scan-ids.ts). */
import { leakScanIdsSuite } from "./suites/leak-scan-ids";

leakScanIdsSuite("dynamic");
