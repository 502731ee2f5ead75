/**
 * Leak scan (issue 12), CVM ids given as secrets: A by its id as `pulumi.secret(literal)`, B by
 * its name as another resource's secret output, C by a plain id, later the whole list as one
 * secret, through create, update with restart, refresh and destroy in every CLI mode; every
 * identifier of A and B is a canary, searched in every form suites/leak-scan.ts searches. Its
 * own stack and emulator: run for the dynamic classes (leak-scan-ids.dynamic.test.ts) and
 * through the provider plugin (leak-scan-ids.plugin.test.ts).
 */

import { writeFileSync } from "node:fs";
import path from "node:path";
import { INTERNAL_KEYS } from "../../../provider/cvm-secrets/properties";
import { fromStored } from "../../../provider/runtime/internal-keys";
import { type E2eStack, e2eStack, type Flavour, forFlavour } from "../../support/e2e";
import { recordedRuns, scan } from "./leak-scan";

export function leakScanIdsSuite(flavour: Flavour): void {
  jest.setTimeout(600_000);
  const { texts, runOn } = recordedRuns();

  /**
   * CVM ids given as secrets: A by its id as `pulumi.secret(literal)`, B by its name as another
   * resource's secret output (unknown at the first preview), C by a plain id (shown as today);
   * later the whole list as one secret. Every identifier of A and B — id, name, app id, VM UUID —
   * is a canary; the messages name them `cvms[0]` / `cvms[1]`.
   */
  describe("secret CVM ids", () => {
    let t: E2eStack;
    const canaries: string[] = [];
    const mine: Array<{ label: string; text: string }> = [];
    let plainId = "";

    const idProgram = (
      a: string,
      bName: string,
      c: string,
    ): string => `import * as pulumi from "@pulumi/pulumi";
  import { CvmSecrets } from "pulumi-cvm-secrets";
  const cfg = new pulumi.Config();
  // Another resource's secret output: B's name, unknown at the first preview.
  class Lookup extends pulumi.dynamic.Resource {
    declare readonly value: pulumi.Output<string>;
    constructor(name: string) {
      const provider = { async create() { return { id: "lookup", outs: { value: ${JSON.stringify([...bName].reverse().join(""))}.split("").reverse().join("") } }; } };
      super(provider, name, { value: undefined }, { additionalSecretOutputs: ["value"] });
    }
  }
  const b = new Lookup("lookup").value;
  const a = ${JSON.stringify([...a].reverse().join(""))}.split("").reverse().join("");
  const cvms = cfg.get("shape") === "whole"
    ? pulumi.secret(pulumi.all([a, b]).apply(([x, y]) => [x, y, ${JSON.stringify(c)}]))
    : [pulumi.secret(a), b, ${JSON.stringify(c)}];
  new CvmSecrets("ids", { cvms, env: { API_KEY: cfg.requireSecret("v") }, composeCheck: "off" });
  `;

    const runT = async (label: string, args: string[]): Promise<string> => {
      const start = texts.length;
      await runOn(t, `ids: ${label}`, args);
      const added = texts.slice(start);
      mine.push(...added);
      return added.map((x) => x.text).join("\n");
    };

    beforeAll(async () => {
      t = await e2eStack("quickstart", "dev", 150, flavour);
      const a = await t.emu.admin.createCvm({ name: "leakida-Qm4z7" });
      const b = await t.emu.admin.createCvm({ name: "leakidb-Rx8w2" });
      const c = await t.emu.admin.createCvm({ name: "leakidc-plain" });
      plainId = c.id;
      for (const cvm of [a, b]) {
        for (const key of ["id", "name", "app_id", "vm_uuid", "instance_id"]) {
          const v = (cvm as Record<string, unknown>)[key];
          if (typeof v === "string" && v.length >= 5) canaries.push(v);
          if (key === "vm_uuid" && typeof v === "string") canaries.push(v.replace(/-/g, ""));
        }
      }
      writeFileSync(
        path.join(t.dir, "index.ts"),
        forFlavour(idProgram(a.id, b.name as string, c.id), flavour),
      );
      await t.cli(["config", "set", "--secret", "v", "first-value"]);
    }, 120_000);

    afterAll(async () => {
      await t?.dispose();
    });

    test("create, update with restart, refresh, the whole list as a secret, destroy: no id in any mode", async () => {
      expect(canaries.length).toBeGreaterThanOrEqual(6);
      await runT("preview", ["preview"]);
      await runT("preview --debug", ["preview", "--debug"]);
      await runT("up -v=5 --event-log", [
        "up",
        "--yes",
        "-v=5",
        "--logtostderr=false",
        "--event-log",
        "{events}",
      ]);
      await runT("stack export (created)", ["stack", "export"]);
      await t.cli(["config", "set", "--secret", "v", "second-value"]);
      const diff = await runT("preview --diff", ["preview", "--diff"]);
      // Secret ids by position, the plain one as before.
      expect(diff).toContain(`keys changed: API_KEY (cvms[0], cvms[1], ${plainId})`);
      await runT("preview --json", ["preview", "--json"]);
      await runT("preview -v=5 --logtostderr", ["preview", "-v=5", "--logtostderr"]);
      const up = await runT("up --debug", ["up", "--yes", "--debug"]);
      expect(up).toMatch(/cvms\[0\]: running again/);
      await runT("up --json (no-op)", ["up", "--yes", "--json"]);
      await runT("refresh --debug", ["refresh", "--yes", "--debug"]);
      await runT("refresh --json", ["refresh", "--yes", "--json"]);
      await runT("stack export (updated)", ["stack", "export"]);
      await t.cli(["config", "set", "shape", "whole"]);
      await t.cli(["config", "set", "--secret", "v", "third-value"]);
      await runT("whole preview --diff", ["preview", "--diff"]);
      const whole = await runT("whole up --json", ["up", "--yes", "--json", "--event-log", "{events}"]);
      expect(whole).toContain("cvms[2]"); // now the plain one is part of a secret list too
      await runT("stack export (whole)", ["stack", "export"]);
      const state = JSON.parse(
        mine.find((x) => x.label === "ids: stack export (whole) stdout")?.text ?? "{}",
      ) as {
        deployment: { resources: Array<{ type: string; outputs?: Record<string, unknown> }> };
      };
      const ids = state.deployment.resources.find((r) => r.type.endsWith(":CvmSecrets"));
      // Both flavours store the properties a user never typed as `__<name>` (runtime/internal-keys.ts).
      const outputs = fromStored(ids?.outputs, INTERNAL_KEYS);
      // The outputs docs/security.md names (state keeps a secret as `{"ciphertext": …}`).
      for (const key of "cvms cvmIds appIds applied composeHashes encryptionPublicKeys keyAnchors lastRollout".split(
        " ",
      )) {
        expect(JSON.stringify(outputs?.[key])).toContain("ciphertext");
      }
      await runT("destroy --debug", ["destroy", "--yes", "--debug", "--event-log", "{events}"]);
      // The emulator's boot events name its own CVMs (the API knows their ids); its request log
      // (route templates) must not carry them.
      const emulatorLog = t.transcript
        .filter((l) => l.startsWith("[emulator]") && !/^\[emulator\] cvm_\w+ (booted:|boot failed)/.test(l))
        .join("\n");
      const hits = mine.flatMap((x) => scan(x.label, x.text, canaries));
      hits.push(...scan("emulator log", emulatorLog, canaries));
      expect(hits).toEqual([]);
    });
  });
}
