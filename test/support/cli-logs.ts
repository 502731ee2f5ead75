/**
 * Everything a Pulumi run leaves besides its stdout and stderr, for the leak scans: the `-v` log
 * files (written to TMPDIR), the `--event-log` file, and the automatic logs every CLI command
 * writes under `$PULUMI_HOME/logs/` — gzip before the stack is loaded, encrypted with the stack's
 * secrets manager after (`pkg/logging/encrypted.go` of the CLI). Each is read as it is on disk
 * and as `pulumi logs decrypt <file>` prints it (no redaction). Decrypted, the engine's own
 * records of each resource's inputs (`ResourceMonitor.RegisterResource received: … obj=`,
 * `Planner decided to create … (inputs=`) carry them as Pulumi's encoded property values
 * (`sdk/go/common/util/logging/log_value.go`: "pulumiPv" + a protobuf Value), secrets in
 * clear under the stack's encryption, as `stack export --show-secrets` would show them: those
 * values are left out of the decrypted text and counted; every other line is scanned.
 *
 * A resource provider plugin's stderr reaches only the debug stream (`pulumi --debug`, `-v` ≥ 3
 * and the automatic log): the engine hides a non-dynamic plugin's output otherwise. The gRPC
 * trace of `@grpc/grpc-js` (GRPC_NODE_TRACE, on the plugin's and the dynamic-provider host's
 * stderr) makes that stream provably present in what is scanned: {@link PROVIDER_TRACE}.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { constants, gunzipSync } from "node:zlib";
import type { PulumiWorkspace } from "./pulumi";

export interface Captured {
  label: string;
  text: string;
}

/** Environment that makes the provider process trace each gRPC call it serves on its stderr. */
export const PROVIDER_TRACE_ENV: NodeJS.ProcessEnv = {
  GRPC_NODE_TRACE: "server_call",
  GRPC_NODE_VERBOSITY: "DEBUG",
};

/** A line the provider process printed on its stderr under {@link PROVIDER_TRACE_ENV}. */
export const PROVIDER_TRACE = /server_call \| Received call to method \/pulumirpc\.ResourceProvider\/Check/;

/** The automatic log files of a Pulumi home, by name. */
export function homeLogFiles(pulumi: PulumiWorkspace): string[] {
  try {
    return readdirSync(path.join(pulumi.env.PULUMI_HOME!, "logs")).filter((f) => f.endsWith(".log"));
  } catch {
    return [];
  }
}

/** Pulumi's encoded property value in a log line: base64 of "pulumiPv" and a protobuf Value. */
export const ENCODED_PROPERTY_VALUE = /cHVsdW1pUHY[A-Za-z0-9+/]*={0,2}/g;

/**
 * The automatic logs named in `files`: as on disk (gzip decompressed) and decrypted, with
 * Pulumi's encoded property values left out of the latter (their number in the label).
 */
export async function readHomeLogs(pulumi: PulumiWorkspace, files: readonly string[]): Promise<Captured[]> {
  const out: Captured[] = [];
  for (const file of files) {
    const full = path.join(pulumi.env.PULUMI_HOME!, "logs", file);
    const raw = readFileSync(full);
    const gzip = raw[0] === 0x1f && raw[1] === 0x8b;
    out.push({
      label: `home log ${file} (on disk, ${gzip ? "gzip" : "encrypted"})`,
      // A log cut short (the CLI killed) is read as far as it goes.
      text: (gzip ? gunzipSync(raw, { finishFlush: constants.Z_SYNC_FLUSH }) : raw).toString("latin1"),
    });
    const r = await pulumi.run(["logs", "decrypt", full, "--non-interactive"]);
    if (r.code !== 0) throw new Error(`pulumi logs decrypt ${file} exited ${r.code}: ${r.stderr}`);
    let encoded = 0;
    const text = r.stdout.replace(ENCODED_PROPERTY_VALUE, () => {
      encoded++;
      return "[a Pulumi encoded property value]";
    });
    out.push({ label: `home log ${file} (decrypted, ${encoded} encoded property values left out)`, text });
  }
  return out;
}

/**
 * Runs the CLI with TMPDIR in a scratch folder (where `-v` log files land; `{events}` in `args`
 * is a file there for `--event-log`) and returns what it printed, wrote there, and added to the
 * Pulumi home's logs.
 */
export async function runCaptured(
  pulumi: PulumiWorkspace,
  label: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; captured: Captured[] }> {
  const before = new Set(homeLogFiles(pulumi));
  const tmp = mkdtempSync(path.join(tmpdir(), "cvms-logs-"));
  try {
    const argv = args.map((a) => (a === "{events}" ? path.join(tmp, "events.jsonl") : a));
    const result = await pulumi.run(argv, {
      env: { ...options.env, TMPDIR: tmp, PULUMI_DEBUG_COMMANDS: "true" },
      timeoutMs: 240_000,
    });
    const captured: Captured[] = [
      { label: `${label} stdout`, text: result.stdout },
      { label: `${label} stderr`, text: result.stderr },
    ];
    for (const file of readdirSync(tmp, { recursive: true }) as string[]) {
      try {
        captured.push({ label: `${label} ${file}`, text: readFileSync(path.join(tmp, file), "utf8") });
      } catch {
        // a folder
      }
    }
    if (args.includes("{events}") && !readdirSync(tmp).includes("events.jsonl"))
      throw new Error(`${label}: --event-log wrote no file`);
    const fresh = homeLogFiles(pulumi).filter((f) => !before.has(f));
    for (const log of await readHomeLogs(pulumi, fresh))
      captured.push({ ...log, label: `${label} ${log.label}` });
    return { code: result.code, captured };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Asserts that no value appears in any captured text; a hit names the text it is in. */
export function expectNoLeakIn(captured: readonly Captured[], values: readonly string[]): void {
  for (const c of captured) {
    for (const value of values) {
      const at = c.text.indexOf(value);
      if (at >= 0)
        throw new Error(
          `a value leaked in ${c.label}, near ${JSON.stringify(c.text.slice(Math.max(0, at - 120), at))}`,
        );
    }
  }
}
