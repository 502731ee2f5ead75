/**
 * Step 4 of an apply: every CVM about to receive the env is checked against its live compose
 * before any write — a `${KEY}` the compose needs but the env lacks is an error (or a warning with
 * `composeCheck: "warn"`), unreferenced keys and quoted list-form entries are warnings, and images
 * the registry credential would not be used for are named.
 */
import type { CvmInfo, PhalaClient } from "../../api/phala";
import type { PlanWrite } from "../../core/plan";
import { CvmSecretsError, ErrorCodes } from "../../errors";
import { lazy } from "../../runtime/lazy";
import type { CvmSecretsInputs } from "../state";
import { stackDefaultRegistry } from "./registry-env";

export async function checkComposeBeforeWrite(
  client: PhalaClient,
  writes: readonly PlanWrite[],
  infos: ReadonlyMap<string, CvmInfo>,
  inputs: CvmSecretsInputs,
  envKeys: readonly string[],
  warn: (message: string) => void,
): Promise<void> {
  const mode = inputs.composeCheck ?? "error";
  if (mode === "off") return;
  const host = inputs.registryHost ?? (inputs.registryEnv ? undefined : stackDefaultRegistry()?.registry);
  const errors: string[] = [];
  for (const w of writes) {
    const info = infos.get(w.cvm);
    if (!info || w.action !== "push-env") continue;
    const compose = info.composeFile ?? (await client.getComposeFile(w.cvm));
    const findings = lazy.compose().checkCompose(compose, [...envKeys]);
    if (host) {
      for (const m of lazy.registry().imagesNotOnRegistry(composeImages(compose), host)) {
        warn(
          `${w.cvm}: image ${m.image} is on ${m.registry}, not on ${host}: the registry credential will not be used to pull it`,
        );
      }
    }
    for (const f of findings.warnings) warn(`${w.cvm}: ${f.message}`);
    for (const f of findings.errors) {
      if (mode === "error") errors.push(`${w.cvm}: ${f.message}`);
      else warn(`${w.cvm}: ${f.message}`);
    }
  }
  if (errors.length > 0) {
    throw new CvmSecretsError(
      ErrorCodes.INVALID_INPUT,
      `the env does not fit the CVM's compose (nothing was changed):\n  ${errors.join("\n  ")}\n` +
        'Add the missing keys to env, or set composeCheck: "warn" to push anyway.',
    );
  }
}

/** Image references of every service in an app-compose (for the registry host warning). */
function composeImages(appCompose: unknown): string[] {
  const yaml = (appCompose as { docker_compose_file?: unknown } | undefined)?.docker_compose_file;
  if (typeof yaml !== "string") return [];
  try {
    const doc = lazy.yaml().parse(yaml) as { services?: Record<string, { image?: unknown }> } | null;
    return Object.values(doc?.services ?? {})
      .map((service) => service?.image)
      .filter((image): image is string => typeof image === "string" && !image.includes("$"));
  } catch {
    return [];
  }
}
