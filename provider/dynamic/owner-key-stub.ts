/**
 * The dynamic provider object that Pulumi serializes into state (`__provider`, twice per
 * resource). It is a stub on purpose (docs/security.md, Pulumi's provider serialization): every method
 * `require()`s the installed implementation at run time, so
 *   - `__provider` stays about 2 KB and captures no value (no credential can leak into it),
 *   - upgrading the package reaches existing resources, including their delete and refresh.
 * `configure` runs first in every provider process, so it is where a missing package is
 * explained (a function's comments are serialized with it, so there are none inside).
 * Do not import anything here at module scope and do not reference module-level values.
 * Twin of cvm-secrets-stub.ts and registry-credential-stub.ts, identical but for the module it loads: a serialized function may capture
 * nothing, so the three cannot share a helper. Keep them in step. The module paths they load are
 * stored in users' state and mapped explicitly in package.json's `exports`.
 */
import type * as pulumi from "@pulumi/pulumi";

export const ownerKeyProvider: pulumi.dynamic.ResourceProvider = {
  async configure(req) {
    try {
      require("pulumi-cvm-secrets/impl/settings").configure(req);
    } catch (e) {
      if ((e as { code?: string }).code !== "MODULE_NOT_FOUND") throw e;
      throw new Error(
        `pulumi-cvm-secrets is not installed where this program runs (${(e as Error).message.split("\n")[0]}): run \`npm install pulumi-cvm-secrets\` in its directory`,
      );
    }
  },
  async check(olds, news) {
    return require("pulumi-cvm-secrets/impl/owner-key").check(olds, news);
  },
  async diff(id, olds, news) {
    return require("pulumi-cvm-secrets/impl/owner-key").diff(id, olds, news);
  },
  async create(inputs) {
    return require("pulumi-cvm-secrets/impl/owner-key").create(inputs);
  },
  async update(id, olds, news) {
    return require("pulumi-cvm-secrets/impl/owner-key").update(id, olds, news);
  },
  async delete(id, props) {
    return require("pulumi-cvm-secrets/impl/owner-key").remove(id, props);
  },
  async read(id, props) {
    return require("pulumi-cvm-secrets/impl/owner-key").read(id, props);
  },
};
