/**
 * Drives the CvmSecrets provider implementation the way the engine does (check → diff →
 * create/update/delete/read), in-process, against an emulator. The e2e tier does the same
 * through the real Pulumi CLI.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Emulator, startEmulator } from "../../emulator/index";
import * as impl from "../../provider/cvm-secrets/index";
import { resetSettings } from "../../provider/runtime/settings";

export type Props = Record<string, unknown>;

export interface Resource {
  id: string;
  inputs: Props;
  outputs: Props;
}

export const PROVIDER_TEXT = "exports.handler = stub";

/** Every line the provider wrote to stderr (its preview lines and warnings), for leak scans. */
export const providerLines: string[] = [];

/** Runs `fn` with the provider's stderr (console.error) captured into {@link providerLines}. */
async function capturing<T>(fn: () => Promise<T>): Promise<T> {
  const original = console.error;
  console.error = (...args: unknown[]) => {
    providerLines.push(args.map(String).join(" "));
  };
  try {
    return await fn();
  } finally {
    console.error = original;
  }
}

/** Points the provider at the emulator (the env-var path of settings()). */
export function useEmulator(emulator: Emulator): void {
  resetSettings();
  // The provider's rollout journal lives under PULUMI_HOME: keep it out of the real home.
  process.env.PULUMI_HOME ??= mkdtempSync(path.join(tmpdir(), "cvms-home-"));
  process.env.PHALA_CLOUD_API_KEY = emulator.apiKey;
  process.env.PHALA_CLOUD_API_PREFIX = emulator.url;
}

/**
 * Registers jest hooks: a fresh emulator (restarts of `restartMs`) before each test, the provider
 * pointed at it ({@link useEmulator}) and `started` called with it; closed after the test.
 */
export function useFreshEmulator(restartMs: number, started: (emulator: Emulator) => void): void {
  let emulator: Emulator | undefined;
  beforeEach(async () => {
    emulator = await startEmulator({ restartMs });
    useEmulator(emulator);
    started(emulator);
  });
  afterEach(async () => {
    await emulator?.close();
  });
}

/** check + create, or check + diff + update. Returns the new resource and whether it changed. */
export function up(
  resource: Resource | undefined,
  args: Props,
): Promise<{ resource: Resource; changed: boolean; failures?: Array<{ property: string; reason: string }> }> {
  return capturing(() => upUncaptured(resource, args));
}

async function upUncaptured(
  resource: Resource | undefined,
  args: Props,
): Promise<{ resource: Resource; changed: boolean; failures?: Array<{ property: string; reason: string }> }> {
  const news = { resourceName: "api", defaultRegistryEnv: "", ...args, __provider: PROVIDER_TEXT };
  const checked = await impl.check(resource?.inputs ?? {}, news);
  if (checked.failures && checked.failures.length > 0) {
    return { resource: resource as Resource, changed: false, failures: checked.failures };
  }
  const inputs = checked.inputs as Props;
  if (!resource) {
    const created = await impl.create(inputs);
    return { resource: { id: created.id, inputs, outputs: created.outs as Props }, changed: true };
  }
  const diff = await impl.diff(resource.id, resource.outputs, inputs);
  if (!diff.changes) return { resource: { ...resource, inputs }, changed: false };
  const updated = await impl.update(resource.id, resource.outputs, inputs);
  return { resource: { id: resource.id, inputs, outputs: updated.outs as Props }, changed: true };
}

/** The error an apply threw, with the state the engine would keep. */
export async function failedUp(
  resource: Resource | undefined,
  args: Props,
): Promise<Error & { id?: string; properties?: Props; code?: string }> {
  try {
    const result = await up(resource, args);
    if (result.failures) throw new Error(`check failed: ${JSON.stringify(result.failures)}`);
  } catch (error) {
    return error as Error & { id?: string; properties?: Props; code?: string };
  }
  throw new Error("expected up to fail");
}

/** Counts of the emulator's requests between two snapshots. */
export function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

/** True when the op log never shows two CVMs restarting at the same time. */
export function maxConcurrentRestarts(ops: Array<{ cvm: string; event: string }>): number {
  const down = new Set<string>();
  let max = 0;
  for (const op of ops) {
    if (op.event === "restart-start") down.add(op.cvm);
    if (op.event === "restart-end" || op.event === "boot-failed") down.delete(op.cvm);
    max = Math.max(max, down.size);
  }
  return max;
}
