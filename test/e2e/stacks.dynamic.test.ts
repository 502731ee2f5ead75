/** dev and prod stacks of one program on the real engine, with the dynamic classes (suites/stacks.ts). */
import { stacksSuite } from "./suites/stacks";

stacksSuite("dynamic");
