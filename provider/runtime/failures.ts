/**
 * Check failures in the form handed to the engine. The engine prints a failure that names a
 * property as `property X value {…} has a problem: …`, with the input's value in clear — and it
 * cannot know which values are secret, since a dynamic provider accepts no secrets. So every
 * failure goes out with an empty `property` (the engine then prints only the reason) and the
 * input's path written at the start of the reason: `env.BAD-KEY: key names must match …`.
 */
export interface Failure {
  /** The input's path (`env.KEY`, `cvms[1]`, `ecr.region`), or "" for the whole input. */
  property: string;
  /** The rule the input breaks; never a value. */
  reason: string;
}

export function withPathInReason(failures: readonly Failure[]): Failure[] {
  return failures.map((f) => ({
    property: "",
    reason: f.property === "" ? f.reason : `${f.property}: ${f.reason}`,
  }));
}
