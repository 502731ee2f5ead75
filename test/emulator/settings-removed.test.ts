/**
 * A setting the program no longer sets is unset: `retainOnRemove` removed from the program must
 * not live on in state, where delete reads it (the old state used to be spread under the new
 * inputs, so the removed setting survived and a later destroy left every CVM's env in place).
 * The `onDelete` input the preview of a delete shows follows the setting at every step.
 */
import { type Emulator, startEmulator } from "../../emulator/index";
import * as impl from "../../provider/cvm-secrets/index";
import { providerLines, up, useEmulator } from "../support/provider-harness";

let emu: Emulator;

beforeEach(async () => {
  emu = await startEmulator({ restartMs: 40 });
  useEmulator(emu);
});
afterEach(async () => {
  await emu.close();
});

test("retainOnRemove set, then removed from the program: state drops it, onDelete says clears, delete clears", async () => {
  const cvm = (await emu.admin.createCvm({ name: "settings-a-node" })).id;
  const kept = await up(undefined, {
    cvms: [cvm],
    env: { API_KEY: "settings-value-1" },
    retainOnRemove: true,
  });
  expect(kept.resource.inputs.onDelete).toEqual({ [cvm]: "keeps its env (retainOnRemove); no restart" });
  expect(kept.resource.outputs.retainOnRemove).toBe(true);

  const unset = await up(kept.resource, { cvms: [cvm], env: { API_KEY: "settings-value-1" } });
  expect(unset.changed).toBe(true); // "records retainOnRemove: false", no write
  expect(unset.resource.outputs.retainOnRemove).toBeUndefined();
  expect(unset.resource.inputs.onDelete).toEqual({
    [cvm]: "clears its env and restarts it if it still runs this resource's push, else leaves it alone",
  });

  const before = (await emu.admin.counts()).restarts[cvm] ?? 0;
  await impl.remove(unset.resource.id, unset.resource.outputs);
  expect((await emu.admin.guest(cvm)).env).toEqual({});
  expect((await emu.admin.counts()).restarts[cvm]).toBe(before + 1);
});

test("a CVM whose id is a secret (secretCvms) is named by its position in the create message and in onDelete", async () => {
  const plain = (await emu.admin.createCvm({ name: "settings-b-node" })).id;
  const hidden = (await emu.admin.createCvm({ name: "settings-secret-node" })).id;
  const from = providerLines.length;
  const created = await up(undefined, {
    cvms: [plain, hidden],
    env: { API_KEY: "settings-value-2" },
    secretCvms: [1],
  });
  const clears =
    "clears its env and restarts it (1 at a time) if it still runs this resource's push, else leaves it alone";
  expect(created.resource.inputs.onDelete).toEqual({ [plain]: clears, "cvms[1]": clears });
  // The create's own message (the rollout's progress lines are another module's).
  const said = providerLines.slice(from).find((line) => line.includes("will push the env")) ?? "";
  expect(said).toContain(`will push the env to ${plain}, cvms[1] and restart them`);
  for (const text of [said, JSON.stringify(created.resource.inputs.onDelete)]) {
    expect(text).not.toContain(hidden);
    expect(text).not.toContain("settings-secret-node");
  }
});
