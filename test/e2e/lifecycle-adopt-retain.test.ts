/**
 * Issue 11 on the real Pulumi engine against the emulator, the walk's second part
 * (suites/lifecycle-walk.ts): two resources adopting one CVM (case 8), a resource recreated on a
 * CVM another resource cleared, `retainOnRemove` set on an existing resource (case 5); on a stack
 * brought to where the first part (lifecycle.test.ts) leaves it.
 */
import { ordinaryOperationsWalk } from "./suites/lifecycle-walk";

ordinaryOperationsWalk("second");
