/**
 * The provider plugin as the repository builds it: `bin/pulumi-resource-cvm-secrets` (it runs
 * dist/, so `npm run build` first; `npm test` does). Programs that use the plugin's resources
 * (Pulumi YAML, or the plugin-bound TypeScript classes) find it on PATH, the way a developer's
 * checkout does; the install story from a packed tarball is tested on its own.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./pulumi";

export const PLUGIN_BIN_DIR = path.join(REPO_ROOT, "bin");

/** Environment for pulumiWorkspace / e2eStack: the plugin first on PATH, then the toolchain. */
export function pluginOnPath(): NodeJS.ProcessEnv {
  if (!existsSync(path.join(REPO_ROOT, "dist", "provider", "plugin", "main.js"))) {
    throw new Error("dist/ is not built: run `npm run build` (npm test does it first)");
  }
  const toolchain = path.join(REPO_ROOT, ".toolchain", "bin");
  const nodeBin = path.join(REPO_ROOT, "node_modules", ".bin");
  return {
    PATH: [PLUGIN_BIN_DIR, toolchain, nodeBin, process.env.PATH ?? ""].join(path.delimiter),
  };
}
