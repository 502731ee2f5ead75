/**
 * Leak scan (issue 12): canaries fed every way a user can feed a secret — config secret,
 * `pulumi.secret(literal)`, a plain literal, another resource's output (unknown at the first
 * preview) — through the success paths and a batch of check failures, over every CLI mode:
 * preview, up, --diff, --json, --debug, -v=5 log files (the CLI this repository builds has no
 * `--event-log` flag; `--json` carries the same engine events). Each canary is searched
 * raw, JSON-escaped, hex, base64 (three alignments) and URL-encoded.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type E2eStack, e2eStack, QUIET } from "../support/e2e";

jest.setTimeout(600_000);

const C = {
  config: "canary-config-Qx7/+a1",
  config2: "canary-config-rotated-Zk4/+b2",
  literalSecret: "canary-litsecret-Wm9/+c3",
  plain: "canary-plain-Hv2/+d4",
  generated: "canary-generated-Jp5/+e5",
  regToken: "canary-regtoken-Ty8/+f6",
};

/** Every form a canary may take in a text. */
function forms(value: string): string[] {
  const out = [value, JSON.stringify(value).slice(1, -1), Buffer.from(value).toString("hex")];
  out.push(encodeURIComponent(value));
  for (let k = 0; k < 3; k++) {
    const b64 = Buffer.from(`${"x".repeat(k)}${value}`).toString("base64");
    out.push(b64.slice(Math.ceil((k * 4) / 3) + 1, -4));
  }
  return out;
}

/**
 * At debug level (--debug, -v>=5) the Pulumi Node.js SDK logs the engine's answer to each
 * RegisterResource (`RegisterResource RPC finished: …; resp: …`), secret values in clear; during
 * a preview (and the preview phase of `up`) that answer for a resource being created or updated
 * is its planned state, i.e. its inputs. That is Pulumi's output, documented in README ("Debug
 * output: what is and is not protected"); the debug modes are scanned and reported, and every
 * other mode must be clean.
 */
const isDebug = (label: string): boolean => /debug|-v=/.test(label);

function scan(label: string, text: string, canaries: readonly string[]): string[] {
  const hits: string[] = [];
  const lines = text.split("\n");
  for (const canary of canaries) {
    for (const form of forms(canary)) {
      for (const line of lines) {
        if (!line.includes(form)) continue;
        // The generated canary is an output of gen itself: its own answer is not ours.
        if (canary === C.generated && /RegisterResource RPC finished: resource:gen\[/.test(line)) continue;
        const at = line.indexOf(form);
        hits.push(
          `${label}: ${canary} as ${JSON.stringify(form)} near ${JSON.stringify(line.slice(Math.max(0, at - 100), at))}`,
        );
      }
    }
  }
  return hits;
}

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets, RegistryCredential } from "pulumi-cvm-secrets";
const cfg = new pulumi.Config();
// Another resource's output: a generated secret, unknown at the first preview.
class Gen extends pulumi.dynamic.Resource {
  declare readonly value: pulumi.Output<string>;
  constructor(name: string) {
    // Built at run time: the serialized provider (in state) must not hold the value itself.
    const provider = { async create() { return { id: "gen", outs: { value: ${JSON.stringify([...C.generated].reverse().join(""))}.split("").reverse().join("") } }; } };
    super(provider, name, { value: undefined }, { additionalSecretOutputs: ["value"] });
  }
}
const gen = new Gen("gen");
const bad = cfg.get("bad") ?? "";
const reg = new RegistryCredential("reg", {
  type: "ghcr",
  username: bad === "username" ? "bot:" + ${JSON.stringify(C.plain)} : "bot",
  token: bad === "token" ? ${JSON.stringify(C.regToken)} + "\\n" : ${JSON.stringify(C.regToken)},
});
new CvmSecrets("api", {
  cvms: [cfg.require("cvm")],
  env: {
    FROM_CONFIG: cfg.requireSecret("value"),
    FROM_LITERAL_SECRET: pulumi.secret(${JSON.stringify(C.literalSecret)}),
    FROM_PLAIN: ${JSON.stringify(C.plain)},
    FROM_OUTPUT: gen.value,
    ...(bad === "env" ? { "BAD-KEY": ${JSON.stringify(C.plain)}, DSTACK_APP_ID: pulumi.secret(${JSON.stringify(C.literalSecret)}) } : {}),
  },
  registry: reg,
  composeCheck: "off",
});
if (bad === "gcr") {
  new RegistryCredential("gcr", { type: "gcr", serviceAccountKey: JSON.stringify({ type: "service_account", private_key: ${JSON.stringify(C.literalSecret)} }) });
}
if (bad === "url") {
  new RegistryCredential("url", { type: "custom", registry: "https://u:" + ${JSON.stringify(C.plain)} + "@reg.example.com", username: "u", password: ${JSON.stringify(C.regToken)} });
}
if (bad === "manual") {
  new CvmSecrets("manual", {
    cvms: [cfg.require("cvm2")],
    env: { DSTACK_DOCKER_REGISTRY: "ghcr.io", DSTACK_DOCKER_PASSWORD: cfg.requireSecret("value") },
  });
}
`;

/** Logs which canaries the debug modes carried (README documents them as not protected). */
function report(all: ReadonlyArray<{ label: string; text: string }>): void {
  const seen = new Set<string>();
  for (const t of all.filter((x) => isDebug(x.label))) {
    for (const hit of scan(t.label, t.text, Object.values(C))) seen.add(hit.split(" as ")[0] ?? hit);
  }
  console.log(`[leak-scan] debug modes (not protected, see README):\n${[...seen].join("\n")}`);
}

let s: E2eStack;
let scratch: string;
const texts: Array<{ label: string; text: string }> = [];

/** Runs the CLI with TMPDIR in a scratch folder (where -v log files land) and records everything. */
async function run(label: string, args: string[], allowFail = false): Promise<number> {
  const tmp = mkdtempSync(path.join(scratch, "tmp-"));
  const result = await s.cli([...args, ...QUIET], { allowFail, env: { TMPDIR: tmp } });
  texts.push(
    { label: `${label} stdout`, text: result.stdout },
    { label: `${label} stderr`, text: result.stderr },
  );
  for (const file of readdirSync(tmp, { recursive: true }) as string[]) {
    try {
      texts.push({ label: `${label} ${file}`, text: readFileSync(path.join(tmp, file), "utf8") });
    } catch {
      // a folder
    }
  }
  return result.code;
}

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), "cvms-leak-"));
  s = await e2eStack("quickstart");
  writeFileSync(path.join(s.dir, "index.ts"), PROGRAM);
  const cvm = (await s.emu.admin.createCvm({ name: "leak-api" })).id;
  const cvm2 = (await s.emu.admin.createCvm({ name: "leak-manual" })).id;
  await s.cli(["config", "set", "cvm", cvm]);
  await s.cli(["config", "set", "cvm2", cvm2]);
  await s.cli(["config", "set", "--secret", "value", C.config]);
}, 120_000);

afterAll(async () => {
  await s?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

test("success paths: create (values unknown at preview), no-op, rotation, refresh — every mode", async () => {
  await run("preview", ["preview"]);
  await run("preview --debug", ["preview", "--debug"]);
  await run("up --json", ["up", "--yes", "--json"]);
  const guest = await s.emu.admin.guest((await s.cli(["config", "get", "cvm"])).stdout.trim());
  expect(guest.env).toMatchObject({
    FROM_CONFIG: C.config,
    FROM_LITERAL_SECRET: C.literalSecret,
    FROM_PLAIN: C.plain,
    FROM_OUTPUT: C.generated,
    DSTACK_DOCKER_PASSWORD: C.regToken,
  });
  await run("preview -v=5", ["preview", "-v=5", "--logtostderr=false"]);
  await run("up --debug (no-op)", ["up", "--yes", "--debug"]);
  await s.cli(["config", "set", "--secret", "value", C.config2]);
  await run("preview --diff", ["preview", "--diff"]);
  await run("preview --json", ["preview", "--json"]);
  await run("up -v=5", ["up", "--yes", "-v=5", "--logtostderr=false"]);
  await run("refresh --debug", ["refresh", "--yes", "--debug"]);
  // Refresh kept the inputs (the plaintext env is in no output): nothing to do afterwards.
  await run("preview after refresh", ["preview", "--expect-no-changes"]);
  const state = (await s.cli(["stack", "export"])).stdout;
  texts.push({ label: "stack export", text: state });
  const emulatorLog = s.transcript.filter((l) => l.startsWith("[emulator]")).join("\n");
  const hits = texts.filter((t) => !isDebug(t.label)).flatMap((t) => scan(t.label, t.text, Object.values(C)));
  hits.push(...scan("emulator log", emulatorLog, Object.values(C)));
  expect(hits).toEqual([]);
  report(texts);
});

// The engine stops at the first resource whose check fails: one case per run.
const FAILURES: Array<[string, string[]]> = [
  ["env", ["env.BAD-KEY: key names must match", "env.DSTACK_APP_ID: is set by the pre-launch script"]],
  ["token", ["token: must not start or end with whitespace"]],
  ["username", ["username: must not contain ':'"]],
  ["gcr", ["serviceAccountKey"]],
  ["url", ["registry"]],
  ["manual", ["env: DSTACK_DOCKER_USERNAME and DSTACK_DOCKER_PASSWORD must be set together"]],
];

test.each(FAILURES)("check failure %s: input and rule shown, no value in any mode", async (bad, rules) => {
  await s.cli(["config", "set", "bad", bad]);
  const start = texts.length;
  expect(await run(`bad-${bad} preview`, ["preview"], true)).not.toBe(0);
  expect(await run(`bad-${bad} preview --json`, ["preview", "--json"], true)).not.toBe(0);
  if (bad === "env") {
    expect(await run(`bad-${bad} preview --debug`, ["preview", "--debug"], true)).not.toBe(0);
    expect(await run(`bad-${bad} up -v=5`, ["up", "--yes", "-v=5", "--logtostderr=false"], true)).not.toBe(0);
  }
  const mine = texts.slice(start);
  const shown = mine.map((t) => t.text).join("\n");
  for (const rule of rules) expect(shown).toContain(rule);
  // The engine's own rendering of a named property's value never appears.
  expect(shown).not.toMatch(/property \S+ value \{/);
  const hits = mine.filter((t) => !isDebug(t.label)).flatMap((t) => scan(t.label, t.text, Object.values(C)));
  expect(hits).toEqual([]);
  report(mine);
});

test("measured: what Pulumi itself prints at -v=9 (documented in README)", async () => {
  await s.cli(["config", "set", "bad", "none"]);
  const start = texts.length;
  await run("preview -v=9", ["preview", "-v=9", "--logtostderr"]);
  const hits = texts.slice(start).flatMap((t) => scan(t.label, t.text, Object.values(C)));
  console.log(`[leak-scan] -v=9: ${hits.length} hit(s)\n${hits.slice(0, 20).join("\n")}`);
  // Measured and documented, not asserted: what the engine's verbose log holds depends on what
  // the run does (a preview with changes marshals the inputs; one without may not). The run must
  // have produced the verbose log, or nothing was measured.
  const out = texts
    .slice(start)
    .map((t) => t.text)
    .join("\n");
  expect(out.length).toBeGreaterThan(10_000);
});
