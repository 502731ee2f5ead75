/**
 * Issue 11 on the real Pulumi engine against the emulator, the ordinary operations: one stack
 * walks through the cases in order — another id form of the same CVM (case 1), two forms at once
 * (2), reordering, an out-of-band change with the same key set (7), refresh with nothing changed,
 * `up --replace` (3), a rename without and with an alias, and following the guard's advice (4),
 * then two resources adopting one CVM (8), a resource recreated on a cleared CVM, and
 * `retainOnRemove` set on an existing resource (5). After every step it checks each CVM's guest
 * view and restart count and the preview text, and at the end that no run printed a secret.
 *
 * The walk is run in two parts, each its own file with its own emulator and stack, so that no
 * file pins a CI worker for long: "first" (lifecycle.test.ts) up to case 4, "second"
 * (lifecycle-adopt-retain.test.ts) from case 8, on a stack brought to where the first part
 * leaves it (the CVMs by name and VM UUID, V2 on both).
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { encryptEnv } from "../../../provider/core/envelope";
import { expectNoLeak } from "../../support/e2e";
import { delta } from "../../support/provider-harness";
import { dispose, OOB, OTHER, QUIET, V1, V2, type World, world } from "./lifecycle";

/** Which part of the walk a file runs. */
export type WalkPart = "first" | "second";

/** The walk's part `part`: a describe block with its own emulator and stack. */
export function ordinaryOperationsWalk(part: WalkPart): void {
  describe("issue 11: ordinary operations keep every CVM's env", () => {
    let w: World;
    let a: { id: string; vm_uuid: string; name: string; app: string };
    let b: { id: string; vm_uuid: string; name: string; app: string };
    let appKey: string;

    async function run(args: string[], allowFail = false): Promise<{ code: number; text: string }> {
      const r = await w.pulumi.run([...args, ...QUIET]);
      const text = `${r.stdout}\n${r.stderr}`;
      w.transcript.push(text);
      if (r.code !== 0 && !allowFail) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${text}`);
      return { code: r.code, text };
    }
    const config = async (values: Record<string, unknown>): Promise<void> => {
      for (const [key, value] of Object.entries(values)) {
        if (value === undefined) await w.pulumi.run(["config", "rm", key]);
        else if (key === "value" || key === "secondValue")
          await w.pulumi.ok(["config", "set", "--secret", key, String(value)]);
        else
          await w.pulumi.ok([
            "config",
            "set",
            key,
            typeof value === "string" ? value : JSON.stringify(value),
          ]);
      }
    };
    const guests = async (): Promise<Array<Record<string, string> | null>> =>
      Promise.all([a, b].map(async (c) => (await w.emu.admin.guest(c.id)).env));
    const counts = async () => w.emu.admin.counts();
    /** Runs `step` and returns the restarts per CVM and the number of writes it caused. */
    async function measured(
      step: () => Promise<unknown>,
    ): Promise<{ restarts: Record<string, number>; writes: number }> {
      const before = await counts();
      await step();
      const after = await counts();
      return { restarts: delta(before.restarts, after.restarts), writes: after.writes - before.writes };
    }

    beforeAll(async () => {
      w = await world(100);
      const app = await w.emu.admin.createApp();
      appKey = app.encrypted_env_pubkey;
      const mk = async (name: string) => {
        const info = (await w.emu.admin.createCvm({ name, app_id: app.app_id })) as unknown as {
          id: string;
          vm_uuid: string;
          name: string;
        };
        return { id: info.id, vm_uuid: info.vm_uuid, name, app: app.app_id };
      };
      a = await mk("life-a-node");
      b = await mk("life-b-node");
      await config({ cvms: [a.id, b.id], value: V1 });
      const first = await measured(() => run(["up", "--yes"]));
      expect(first.restarts).toEqual({ [a.id]: 1, [b.id]: 1 });
      expect(await guests()).toEqual([{ API_KEY: V1 }, { API_KEY: V1 }]);
      if (part === "second") {
        // Where the first part leaves the stack: the CVMs by name and VM UUID, V2 on both.
        await config({ cvms: [a.name, `${b.vm_uuid} `], value: V2 });
        const rotated = await measured(() => run(["up", "--yes"]));
        expect(rotated.restarts).toEqual({ [a.id]: 1, [b.id]: 1 });
        expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
      }
    }, 240_000);

    afterAll(async () => {
      await dispose(w);
    });

    if (part === "first") {
      test("case 1: another id form of the same CVMs is a no-op; later rotations still reach the guests", async () => {
        await config({ cvms: [a.name, `${b.vm_uuid} `] });
        const preview = await run(["preview"]);
        expect(preview.text).toContain("no CVM restarts; records the same CVMs under another id form");
        expect(preview.text).not.toMatch(/\d+ CVMs? restart/);
        const same = await measured(() => run(["up", "--yes"]));
        expect(same).toEqual({ restarts: {}, writes: 0 });
        expect(await guests()).toEqual([{ API_KEY: V1 }, { API_KEY: V1 }]);
        // The no-op stays a no-op, with no API call at all in the preview.
        const requests = (await counts()).requests;
        await run(["preview", "--expect-no-changes"]);
        expect((await counts()).requests).toEqual(requests);

        await config({ value: V2 });
        const rotated = await measured(() => run(["up", "--yes"]));
        expect(rotated.restarts).toEqual({ [a.id]: 1, [b.id]: 1 });
        expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
      }, 360_000);

      test("case 2: two forms of one CVM are refused before any write, naming both", async () => {
        await config({ cvms: [a.name, a.id, `${b.vm_uuid} `] });
        const refused = await measured(async () => {
          const r = await run(["up", "--yes"], true);
          expect(r.code).not.toBe(0);
          expect(r.text).toContain("cvms[1]");
          expect(r.text).toContain(
            "names the same CVM as cvms[0] (two id forms of one CVM); list each CVM once",
          );
        });
        expect(refused.writes).toBe(0);
        await config({ cvms: [a.name, `${b.vm_uuid} `] });
        expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
      }, 240_000);

      test("reordering cvms changes nothing", async () => {
        await config({ cvms: [`${b.vm_uuid} `, a.name] });
        await run(["preview", "--expect-no-changes"]);
        await config({ cvms: [a.name, `${b.vm_uuid} `] });
      }, 120_000);

      test("case 7: an out-of-band change with the same key set is found by refresh and repaired on that CVM only", async () => {
        const res = await fetch(`${w.emu.url}/cvms/${a.id}/envs`, {
          method: "PATCH",
          headers: { "x-api-key": w.emu.apiKey, "content-type": "application/json" },
          body: JSON.stringify({ encrypted_env: encryptEnv({ API_KEY: OOB }, appKey) }),
        });
        expect(res.status).toBe(202);
        await new Promise((r) => setTimeout(r, 400));
        expect((await w.emu.admin.guest(a.id)).env).toEqual({ API_KEY: OOB });
        await run(["preview", "--expect-no-changes"]); // without refresh nothing can know
        // Refresh reads the outputs only, and the owner key is a secret input: it cannot tell an
        // outside write from an unrecorded push of this stack, and says both (up tells them apart).
        const refresh = await run(["refresh", "--yes"]);
        expect(refresh.text).toContain(`${a.id}: its env is not the one this stack pushed`);
        const preview = await run(["preview"]);
        expect(preview.text).toContain(
          `1 CVM restarts: its env is not the one this stack pushed (changed outside this stack, or by a run interrupted on another machine) (${a.name})`,
        );
        const repaired = await measured(() => run(["up", "--yes"]));
        expect(repaired.restarts).toEqual({ [a.id]: 1 });
        expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
      }, 240_000);

      test("refresh with nothing changed reports no drift", async () => {
        const r = await measured(() => run(["refresh", "--yes"]));
        expect(r.writes).toBe(0);
        await run(["preview", "--expect-no-changes"]);
      }, 120_000);

      const mainUrn = async (): Promise<string> => {
        const stack = JSON.parse((await w.pulumi.ok(["stack", "export"])).stdout) as {
          deployment: { resources: Array<{ urn: string; type: string }> };
        };
        return stack.deployment.resources.find((r) => r.urn.endsWith("::main"))!.urn;
      };
      /** A fresh CI runner: no rollout journal of any earlier run. */
      const freshRunner = (): void =>
        rmSync(path.join(w.pulumi.env.PULUMI_HOME!, "cvm-secrets", "journal"), {
          recursive: true,
          force: true,
        });

      test("case 3: up --replace on a fresh runner keeps the replacement's env (the old delete leaves the CVMs alone)", async () => {
        freshRunner();
        const replaced = await measured(async () => {
          const r = await run(["up", "--yes", "--replace", await mainUrn()]);
          expect(r.text).toContain(
            `${a.id}: its env was pushed by this stack's main (the resource this one replaces`,
          );
          expect(r.text).toContain(`left ${a.id} alone (env not cleared)`);
          expect(r.text).toContain(`left ${b.id} alone (env not cleared)`);
        });
        expect(replaced.restarts).toEqual({ [a.id]: 1, [b.id]: 1 });
        expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
        await run(["preview", "--expect-no-changes"]);
      }, 240_000);

      test("case 3b: up --replace with deleteBeforeReplace on a fresh runner: cleared, then pushed", async () => {
        await config({ dbr: true });
        freshRunner();
        const replaced = await measured(async () => {
          const r = await run(["up", "--yes", "--replace", await mainUrn()]);
          expect(r.text).not.toContain("alone");
        });
        // The delete clears (allow-list kept, env empty: nobody's env), then the replacement pushes.
        expect(replaced.restarts).toEqual({ [a.id]: 2, [b.id]: 2 });
        expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
        await config({ dbr: undefined });
        await run(["preview", "--expect-no-changes"]);
      }, 300_000);

      test("case 4: a rename without an alias is refused with advice that does not wipe; with an alias it is a no-op", async () => {
        await config({ resourceName: "renamed" });
        const refused = await measured(async () => {
          const r = await run(["up", "--yes"], true);
          expect(r.code).not.toBe(0);
          expect(r.text).toContain("aliases");
          expect(r.text).toContain("leaves it alone when deleted");
        });
        expect(refused.writes).toBe(0);
        expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
        // A failed create left nothing behind; the alias makes the rename a no-op.
        await config({ aliasOf: "main" });
        const aliased = await measured(() => run(["up", "--yes"]));
        expect(aliased).toEqual({ restarts: {}, writes: 0 });
        await run(["preview", "--expect-no-changes"]);

        // Following the advice without an alias: adopt, then the old delete leaves the CVMs alone.
        await config({ resourceName: "adopted", aliasOf: undefined, adopt: true });
        const adopted = await measured(async () => {
          const r = await run(["up", "--yes"]);
          expect(r.text).toContain(`left ${a.id} alone (env not cleared)`);
        });
        expect(adopted.restarts).toEqual({ [a.id]: 1, [b.id]: 1 });
        expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
        await config({ adopt: undefined });
        await run(["up", "--yes"]);
      }, 300_000);
    }

    if (part === "second") {
      test("case 8: two resources adopting one CVM are never silent, and one's delete leaves the other's env", async () => {
        await config({ secondCvms: [a.id], secondValue: OTHER });
        const taken = await measured(async () => {
          const r = await run(["up", "--yes"]);
          expect(r.text).toContain(`${a.id}: its latest app revision`);
          expect(r.text).toContain("it is overwritten with this resource's env");
        });
        expect(taken.restarts).toEqual({ [a.id]: 1 });
        expect((await w.emu.admin.guest(a.id)).env).toEqual({ API_KEY: OTHER });
        const refresh = await run(["refresh", "--yes"]);
        expect(refresh.text).toContain(`${a.id}: its env is not the one this stack pushed`);
        // The first resource takes it back (warning), then the second's delete leaves it alone.
        const back = await measured(async () => {
          const r = await run(["up", "--yes"]);
          expect(r.text).toContain(`${a.id}: its latest app revision`);
        });
        expect(back.restarts).toEqual({ [a.id]: 1 });
        await config({ secondCvms: undefined });
        const removed = await measured(async () => {
          const r = await run(["up", "--yes"]);
          expect(r.text).toContain(`left ${a.id} alone (env not cleared)`);
        });
        expect(removed).toEqual({ restarts: {}, writes: 0 });
        expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
      }, 300_000);

      test("a resource recreated on a CVM another resource cleared needs no adopt: an empty env is nobody's", async () => {
        const c = (await w.emu.admin.createCvm({ name: "life-c-node", app_id: a.app })).id;
        await config({ secondCvms: [c], secondValue: OTHER, secondAdopt: false });
        expect((await measured(() => run(["up", "--yes"]))).restarts).toEqual({ [c]: 1 });
        await config({ secondCvms: undefined });
        expect((await measured(() => run(["up", "--yes"]))).restarts).toEqual({ [c]: 1 });
        const cleared = await w.emu.admin.guest(c);
        expect(cleared.allowed_envs).toEqual(["API_KEY"]); // allow-list kept, nothing behind it
        expect(cleared.env ?? {}).toEqual({});
        // Another resource (another URN), no adopt: takes the cleared CVM.
        await config({ secondCvms: [c], secondName: "third" });
        expect((await measured(() => run(["up", "--yes"]))).restarts).toEqual({ [c]: 1 });
        expect((await w.emu.admin.guest(c)).env).toEqual({ API_KEY: OTHER });
        await config({ secondCvms: undefined, secondName: undefined, secondAdopt: undefined });
        await run(["up", "--yes"]);
        expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
      }, 300_000);

      test("case 5: retainOnRemove set on an existing resource takes effect at once, without a restart", async () => {
        await config({ retain: true });
        const preview = await run(["preview"]);
        expect(preview.text).toContain("no CVM restarts; records retainOnRemove: true");
        const set = await measured(() => run(["up", "--yes"]));
        expect(set).toEqual({ restarts: {}, writes: 0 });
        const destroyed = await measured(() => run(["destroy", "--yes"]));
        expect(destroyed).toEqual({ restarts: {}, writes: 0 });
        expect(await guests()).toEqual([{ API_KEY: V2 }, { API_KEY: V2 }]);
      }, 240_000);
    }

    test("leak scan over every run", () => {
      expectNoLeak(w.transcript, [V1, V2, OOB, OTHER, w.emu.apiKey]);
    });
  });
}
