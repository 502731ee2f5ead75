/**
 * The internal properties of both flavours, kept out of `pulumi preview --diff`.
 *
 * A dynamic provider's `diff` answers only "changes or not": the Node.js SDK's dynamic-provider
 * server sends no detailed diff (`@pulumi/pulumi` cmd/dynamic-provider/index.js, `diff`, sets
 * only `changes`, `replaces` and `deleteBeforeReplace`), so the CLI prints every checked input
 * of a created, updated or deleted resource, and every output of an applied one. It leaves out
 * keys that start with `__`, as it does the SDK's own `__provider` (Pulumi's
 * `resource.IsInternalPropertyKey`). So the properties a user never typed — the resource's
 * name and URN, its `OwnerKey`'s key, the CVM ids `check` resolved, the two halves of
 * `registry`, bookkeeping — travel and are stored as `__<name>`: the classes register them so
 * (their secret marks go with them: the engine carries a program's secret over to the checked
 * input of the same key, and a provider's `check` cannot mark one itself), and the methods
 * below take them back to their plain names on the way in and give them the prefix on the way
 * out. The plugin stores them the same way (its detailed diff hides them in an update, but the
 * CLI prints every checked input of a create or delete): provider/plugin/server.ts. The
 * provider's logic (provider/cvm-secrets, provider/registry-credential) sees plain names only.
 *
 * States written before 0.3 hold the plain names: a plain key is read as it is, and the next
 * write stores it prefixed (the first update after the upgrade shows it once as removed).
 * Pure: no I/O.
 */

type Props = Record<string, unknown>;

/** The key a property is stored and registered under. */
export function storedKey(name: string): string {
  return `__${name}`;
}

/** `props` with each of `names` under its stored key (`__<name>`). */
export function toStored(props: Props, names: readonly string[]): Props {
  const out: Props = { ...props };
  for (const name of names) {
    if (!(name in out)) continue;
    out[storedKey(name)] = out[name];
    delete out[name];
  }
  return out;
}

/** `props` with each of `names` back under its plain name; a stored key wins over a plain one. */
export function fromStored(props: Props | undefined, names: readonly string[]): Props {
  const out: Props = { ...props };
  for (const name of names) {
    const key = storedKey(name);
    if (!(key in out)) continue;
    out[name] = out[key];
    delete out[key];
  }
  return out;
}

/** The names as stored: each of `internal` prefixed, the others as they are. */
export function storedNames(names: Iterable<string>, internal: readonly string[]): string[] {
  return [...names].map((name) => (internal.includes(name) ? storedKey(name) : name));
}

/** A provider implementation's methods (cvm-secrets/index.ts, registry-credential/index.ts). */
export interface ProviderMethods {
  check(olds: Props, news: Props): Promise<{ inputs?: unknown; failures?: unknown }>;
  diff(id: string, olds: Props, news: Props): Promise<unknown>;
  create(inputs: Props, ...rest: never[]): Promise<{ id: string; outs?: unknown }>;
  update(id: string, olds: Props, news: Props, ...rest: never[]): Promise<{ outs?: unknown }>;
  remove(id: string, props: Props, ...rest: never[]): Promise<void>;
  read(id: string, props: Props): Promise<{ id?: string; props?: unknown; inputs?: unknown }>;
}

/**
 * `methods` taking plain names for `names` and storing them prefixed: every property bag in
 * (olds, news, props) and out (checked inputs, outputs, a refresh's inputs, and the state a
 * failed apply carries on its error) is translated. Other arguments (a call's deadline) pass as
 * they are.
 */
export function withInternalKeysStored<M extends ProviderMethods>(methods: M, names: readonly string[]): M {
  const into = (p: Props) => fromStored(p, names);
  const out = <T>(p: T): T => (isProps(p) ? (toStored(p, names) as T) : p);
  const carried = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      // A failed create or update carries the state it leaves (the rollout's truth so far).
      const e = error as { properties?: unknown } | null;
      if (e && typeof e === "object" && isProps(e.properties)) e.properties = out(e.properties);
      throw error;
    }
  };
  const wrapped: ProviderMethods = {
    async check(olds, news) {
      const result = await methods.check(into(olds), into(news));
      return { ...result, inputs: out(result.inputs) };
    },
    diff: (id, olds, news) => methods.diff(id, into(olds), into(news)),
    create: (inputs, ...rest) =>
      carried(async () => {
        const result = await methods.create(into(inputs), ...rest);
        return { ...result, outs: out(result.outs) };
      }),
    update: (id, olds, news, ...rest) =>
      carried(async () => {
        const result = await methods.update(id, into(olds), into(news), ...rest);
        return { ...result, outs: out(result.outs) };
      }),
    remove: (id, props, ...rest) => methods.remove(id, into(props), ...rest),
    async read(id, props) {
      const result = await methods.read(id, into(props));
      return {
        ...result,
        ...(result.props !== undefined && { props: out(result.props) }),
        ...(result.inputs !== undefined && { inputs: out(result.inputs) }),
      };
    },
  };
  return { ...methods, ...wrapped };
}

function isProps(value: unknown): value is Props {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
