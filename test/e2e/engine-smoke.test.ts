/**
 * Proves the real Pulumi engine works on this machine, offline: a TypeScript program with a
 * trivial dynamic resource goes through up, preview --expect-no-changes, an update, and destroy
 * on a file:// backend.
 */
import { type PulumiWorkspace, pulumiWorkspace, tsProgram } from "../support/pulumi";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    return { id: "thing-" + inputs.label, outs: { label: inputs.label, length: inputs.label.length } };
  },
  async diff(_id, olds, news) {
    return { changes: olds.label !== news.label };
  },
  async update(_id, _olds, news) {
    return { outs: { label: news.label, length: news.label.length } };
  },
};

class Thing extends pulumi.dynamic.Resource {
  declare public readonly label: pulumi.Output<string>;
  declare public readonly length: pulumi.Output<number>;
  constructor(name: string, args: { label: pulumi.Input<string> }) {
    super(provider, name, { ...args, length: undefined }, {}, "smoke", "Thing");
  }
}

const label = new pulumi.Config().require("label");
const thing = new Thing("thing", { label });
export const length = thing.length;
`;

describe("the real Pulumi engine, offline", () => {
  let program: ReturnType<typeof tsProgram>;
  let pulumi: PulumiWorkspace;

  beforeAll(() => {
    program = tsProgram("smoke", PROGRAM);
    pulumi = pulumiWorkspace(program.dir);
  });

  afterAll(() => {
    pulumi?.dispose();
    program?.dispose();
  });

  test("up, preview --expect-no-changes, update, destroy", async () => {
    const version = await pulumi.ok(["version"]);
    const sdk = require("@pulumi/pulumi/package.json").version as string;
    expect(version.stdout.trim()).toBe(`v${sdk}`);

    await pulumi.ok(["stack", "init", "dev", "--non-interactive"]);
    await pulumi.ok(["config", "set", "label", "hello"]);

    const up = await pulumi.ok(["up", "--yes", "--skip-preview", "--non-interactive", "--color", "never"]);
    expect(up.stdout).toMatch(/\+ 2 created/);
    const outputs = JSON.parse((await pulumi.ok(["stack", "output", "--json"])).stdout);
    expect(outputs).toEqual({ length: 5 });

    await pulumi.ok(["preview", "--expect-no-changes", "--non-interactive", "--color", "never"]);

    await pulumi.ok(["config", "set", "label", "hello, world"]);
    const changed = await pulumi.run([
      "preview",
      "--expect-no-changes",
      "--non-interactive",
      "--color",
      "never",
    ]);
    expect(changed.code).not.toBe(0);
    const update = await pulumi.ok([
      "up",
      "--yes",
      "--skip-preview",
      "--non-interactive",
      "--color",
      "never",
    ]);
    expect(update.stdout).toMatch(/~ 1 updated/);
    expect(JSON.parse((await pulumi.ok(["stack", "output", "--json"])).stdout)).toEqual({ length: 12 });

    const exported = JSON.parse((await pulumi.ok(["stack", "export"])).stdout);
    const thing = exported.deployment.resources.find(
      (r: { type: string }) => r.type === "pulumi-nodejs:dynamic/smoke:Thing",
    );
    expect(thing.id).toBe("thing-hello"); // an update keeps the id
    expect(thing.outputs.label).toBe("hello, world");

    await pulumi.ok(["destroy", "--yes", "--non-interactive", "--color", "never"]);
    const after = JSON.parse((await pulumi.ok(["stack", "export"])).stdout);
    expect(after.deployment.resources ?? []).toHaveLength(0);
    await pulumi.ok(["stack", "rm", "dev", "--yes"]);
  }, 240_000);
});
