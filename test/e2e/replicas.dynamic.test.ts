/** Replicas on the real engine, with the dynamic classes (suites/replicas.ts). */
import { replicasSuite } from "./suites/replicas";

replicasSuite("dynamic");
