/**
 * Issue 11 on the real Pulumi engine against the emulator: no operation wipes, mixes or silently
 * loses a CVM's env. The walk's first part (suites/lifecycle-walk.ts): another id form of the
 * same CVM (case 1), two forms at once (2), reordering, an out-of-band change with the same key
 * set (7), refresh with nothing changed, `up --replace` (3), a rename without and with an alias,
 * and following the guard's advice (4). Its second part is lifecycle-adopt-retain.test.ts; case 6
 * and refresh + up after a killed rollout are lifecycle-killed.test.ts; case 8 as two stacks is
 * lifecycle-two-stacks.test.ts.
 */
import { ordinaryOperationsWalk } from "./suites/lifecycle-walk";

ordinaryOperationsWalk("first");
