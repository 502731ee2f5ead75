/** The quickstart on the real engine, with the dynamic classes (suites/quickstart.ts). */
import { quickstartSuite } from "./suites/quickstart";

quickstartSuite("dynamic");
