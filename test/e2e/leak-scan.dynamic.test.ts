/** The leak scan (issue 12) with the dynamic classes (suites/leak-scan.ts). */
import { leakScanSuite } from "./suites/leak-scan";

leakScanSuite("dynamic");
