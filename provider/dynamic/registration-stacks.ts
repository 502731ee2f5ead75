/**
 * The SDK captures a stack trace for every promise of every property it registers
 * (`debuggablePromise` in @pulumi/pulumi runtime/debuggable, four per property, in
 * `transferProperties`), formatted at once through the source-map support the program runner
 * installs. It prints them only for a promise still pending when the program exits, and only
 * with `PULUMI_DEBUG_PROMISE_LEAKS` set. With seven outputs and the arguments a resource of this
 * package registers, that formatting was most of the program's time per resource (measured in a
 * profile of a preview of 200 resources).
 *
 * So for the length of a resource's `super()` call the stack-trace limit is 0, unless
 * `PULUMI_DEBUG_PROMISE_LEAKS` is set. The SDK's own source position of the resource
 * (`Resource.callsites`) sets its own limit and is unaffected; an error thrown inside `super()`
 * keeps its message but carries no stack.
 */
export function registrationStackLimit(): { restore(): void } {
  const previous = Error.stackTraceLimit;
  if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) Error.stackTraceLimit = 0;
  return {
    restore() {
      Error.stackTraceLimit = previous;
    },
  };
}
