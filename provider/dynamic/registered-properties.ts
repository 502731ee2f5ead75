/**
 * What a resource class hands `super()`: the arguments that were given, and every declared
 * output by name. An argument left out is not registered at all: the SDK makes every property it
 * is handed an Output of the resource, four promises each with a stack captured at construction
 * (`transferProperties` in @pulumi/pulumi runtime/rpc), and an argument that is `undefined` is
 * sent as absent anyway — so naming it costs the program time and changes nothing on the wire.
 */
export function registeredProperties<I extends Record<string, unknown>>(
  inputs: I,
  outputs: readonly string[],
): Partial<I> & Record<string, unknown> {
  const given = Object.fromEntries(Object.entries(inputs).filter(([, value]) => value !== undefined));
  // An output-only property must be named to become an Output property of the resource; an
  // output that is also an argument (RegistryCredential's `registry`) keeps the value given.
  for (const name of outputs) if (!(name in given)) given[name] = undefined;
  return given as Partial<I> & Record<string, unknown>;
}
