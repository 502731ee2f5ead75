/** Runs a command to completion and returns its stdout; throws with both outputs on a non-zero exit. */
import { execFileSync } from "node:child_process";

export function execOrThrow(
  cmd: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): string {
  try {
    return execFileSync(cmd, args, {
      cwd: options.cwd,
      env: options.env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMs,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; status?: number };
    throw new Error(`${cmd} ${args.join(" ")} exited ${e.status}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}
