/**
 * The CvmSecrets dynamic provider, loaded at run time by the stub in providers/cvm-secrets.ts.
 * One module per method, and one per step of the apply path:
 *
 * - `check` (check-inputs.ts, preview too): validates every input before any write; carries the
 *   per-key fingerprints over from the previous inputs.
 * - `diff` (diff.ts, preview too): pure, no API call — the update plan (core/plan.ts).
 * - `create` / `update` (apply.ts): resolve, guard, trust, check the compose, encrypt, roll out.
 * - `delete` (clear.ts): clears the env. `read` (refresh.ts): refresh.
 */
export { create, update } from "./apply";
export { check } from "./check-inputs";
export { remove } from "./clear";
export { diff } from "./diff";
export { read } from "./refresh";
