/**
 * Bad input fails during `pulumi preview`, before any write, with the input and the rule — and
 * the engine's own rendering of check failures must not print a value either. The engine prints
 * a failure that names a property as `property X value {…} has a problem`, the value in clear
 * unless it is a secret, so every failure goes out with the input's path in the reason
 * (provider/runtime/failures.ts) and the engine prints `<type> resource '<name>' has a problem:
 * <path>: <rule>` — for a dynamic resource and for the plugin's (a `CheckFailure` over gRPC,
 * and for the plugin's own configuration `CheckConfig`) alike.
 *
 * Every mode is scanned: text, --json, --debug, -v=5 on stderr and in its log files, --event-log
 * and the Pulumi home's automatic logs (support/cli-logs.ts), with the provider process tracing every gRPC call on its stderr:
 * a plugin's stderr reaches only the debug stream, so the trace proves that stream was scanned.
 *
 * Run for the dynamic classes (check-failures.dynamic.test.ts) and through the provider plugin
 * (check-failures.plugin.test.ts).
 */
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { NO_KEY_NOTE } from "../../../provider/cvm-secrets/check";
import {
  type Captured,
  expectNoLeakIn,
  PROVIDER_TRACE,
  PROVIDER_TRACE_ENV,
  runCaptured,
} from "../../support/cli-logs";
import {
  type E2eStack,
  e2eStack,
  expectNoLeak,
  forFlavour,
  QUIET,
  stackConfigFile,
  type TypeScriptFlavour,
  typeToken,
} from "../../support/e2e";
import { messagesAbout, said } from "./messages";

const SECRET = "sk_live_check_failure_value_777";
const PW = "short-pw-check-failure-888";
const PLAIN = "plain-check-failure-value-999";
const DEFAULT_PW = "default-registry-pw-check-failure-444";

const PROGRAM = (cvm: string) => `import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets, RegistryCredential } from "pulumi-cvm-secrets";
const cfg = new pulumi.Config();
if (cfg.get("mode") === "default") {
  // No registry of its own: the stack-wide default credential (cvm-secrets:defaultRegistry*) applies.
  new CvmSecrets("api", { cvms: [${JSON.stringify(cvm)}], env: { API_KEY: cfg.requireSecret("v") } });
} else {
  const reg = new RegistryCredential("reg", { type: "ghcr", username: "bot", token: cfg.requireSecret("tok") });
  new CvmSecrets("api", {
    cvms: [${JSON.stringify(cvm)}],
    env: {
      "BAD-KEY": cfg.requireSecret("v"),
      "ALSO-BAD": ${JSON.stringify(PLAIN)},
      DSTACK_APP_ID: cfg.requireSecret("v"),
      DSTACK_DOCKER_PASSWORD: cfg.requireSecret("v"),
    },
    registry: reg,
  });
  if (cfg.getBoolean("hub")) new RegistryCredential("hub", { type: "dockerhub", username: "someone@example.com", password: cfg.requireSecret("pw") });
}
`;

/** Two resources (a message about the run must come once, not once per resource). */
const LOOKUP_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { CvmSecrets } from "pulumi-cvm-secrets";
const cfg = new pulumi.Config();
new CvmSecrets("api", { cvms: [cfg.require("cvm")], env: { API_KEY: cfg.requireSecret("v") } });
const worker = cfg.get("worker");
if (worker) new CvmSecrets("worker", { cvms: [worker], env: { API_KEY: cfg.requireSecret("v") } });
`;

/** The warning diagnostics of `preview --json` that contain `part`. */
function warningsOf(json: string, part: string): Diagnostic[] {
  const parsed = JSON.parse(json) as { diagnostics?: Diagnostic[] };
  return (parsed.diagnostics ?? []).filter((d) => d.severity === "warning" && d.message.includes(part));
}

/** Each secret as written and base64-encoded (a log may carry a value in either form). */
function canaries(values: readonly string[]): string[] {
  return values.flatMap((v) => [v, Buffer.from(v).toString("base64")]);
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The engine's line for a failure of one resource: its type, its name, the path and the rule. */
function rendered(type: string, name: string | RegExp, reason: string): RegExp {
  const who = typeof name === "string" ? literal(name) : name.source;
  return new RegExp(`${literal(type)} resource '${who}' has a problem: ${literal(reason)}`);
}

/** The engine's rendering of a failure naming a property, which would print the value. */
const PROPERTY_RENDERING = /property \S+ value .* has a problem/;

interface Diagnostic {
  urn?: string;
  message: string;
  severity: string;
}

/** The error diagnostics of `preview --json`. */
function errorsOf(json: string): Diagnostic[] {
  const parsed = JSON.parse(json) as { diagnostics?: Diagnostic[] };
  return (parsed.diagnostics ?? []).filter((d) => d.severity === "error");
}

export function checkFailuresSuite(flavour: TypeScriptFlavour): void {
  jest.setTimeout(300_000);
  let s: E2eStack;
  const cvmSecrets = typeToken(flavour, "CvmSecrets");
  const registryCredential = typeToken(flavour, "RegistryCredential");
  const values = () => canaries([SECRET, PW, PLAIN, DEFAULT_PW, s.emu.apiKey]);

  beforeAll(async () => {
    s = await e2eStack("quickstart", "dev", 150, flavour);
    const cvm = (await s.emu.admin.createCvm({ name: "check-api" })).id;
    writeFileSync(path.join(s.dir, "index.ts"), forFlavour(PROGRAM(cvm), flavour));
    await s.cli(["config", "set", "--secret", "v", SECRET]);
    await s.cli(["config", "set", "--secret", "tok", SECRET]);
    await s.cli(["config", "set", "--secret", "pw", PW]);
  }, 120_000);

  afterAll(async () => {
    await s?.dispose();
  });

  test("bad env key, reserved key and a bad registry password fail preview before any write, naming the input and the rule, without a value (text and --json)", async () => {
    const before = (await s.emu.admin.counts()).writes;
    const preview = await s.cli(["preview", ...QUIET], { allowFail: true });
    expect(preview.code).not.toBe(0);
    const text = `${preview.stdout}${preview.stderr}`;
    // One engine line per failure, each with the resource, the input's path and the rule.
    expect(text).toMatch(
      rendered(cvmSecrets, "api", "env.BAD-KEY: key names must match ^[A-Za-z_][A-Za-z0-9_]*$"),
    );
    expect(text).toMatch(rendered(cvmSecrets, "api", "env.ALSO-BAD: key names must match"));
    expect(text).toMatch(rendered(cvmSecrets, "api", "env.DSTACK_APP_ID: "));
    expect(text).toMatch(rendered(cvmSecrets, "api", "env.DSTACK_DOCKER_PASSWORD: "));
    expect(text).not.toMatch(PROPERTY_RENDERING);
    expect((await s.emu.admin.counts()).writes).toBe(before);

    await s.cli(["config", "set", "hub", "true"]);
    const hub = await s.cli(["preview", ...QUIET], { allowFail: true });
    expect(hub.code).not.toBe(0);
    const hubText = `${hub.stdout}${hub.stderr}`;
    expect(hubText).toMatch(
      rendered(registryCredential, "hub", "username: must be the Docker ID, not the e-mail address"),
    );
    expect(hubText).not.toMatch(PROPERTY_RENDERING);

    const json = await s.cli(["preview", "--json", ...QUIET], { allowFail: true });
    expect(json.code).not.toBe(0);
    // --json carries the same lines as diagnostics, each attached to its resource.
    const errors = errorsOf(json.stdout);
    const hubError = errors.find((d) => d.urn?.endsWith(`${registryCredential}::hub`));
    expect(hubError?.message).toContain("username: must be the Docker ID, not the e-mail address");
    for (const d of errors) expect(d.message).not.toMatch(PROPERTY_RENDERING);
    expect((await s.emu.admin.counts()).writes).toBe(before);
    expectNoLeak([...s.transcript, json.stdout], values());
  });

  test("every debug mode, the provider's own stderr, -v log files, --event-log and the Pulumi home's logs: the rules, never a value", async () => {
    const runs: Array<[string, string[]]> = [
      ["preview --debug", ["preview", "--debug"]],
      ["preview -v=5 --logtostderr", ["preview", "-v=5", "--logtostderr"]],
      ["preview -v=5 --event-log", ["preview", "-v=5", "--logtostderr=false", "--event-log", "{events}"]],
      ["preview --json --debug", ["preview", "--json", "--debug"]],
    ];
    const all: Captured[] = [];
    for (const [label, args] of runs) {
      const { code, captured } = await runCaptured(s.pulumi, label, [...args, ...QUIET], {
        env: PROVIDER_TRACE_ENV,
      });
      expect(code).not.toBe(0);
      const text = captured.map((c) => c.text).join("\n");
      expect(text).toContain("username: must be the Docker ID, not the e-mail address");
      // The provider process's stderr is in what was scanned: its trace of the Check it served.
      expect(text).toMatch(PROVIDER_TRACE);
      all.push(...captured);
    }
    // The Pulumi home's logs were written and read, the provider's stderr among them.
    const home = all.filter((c) => c.label.includes(" home log "));
    expect(home.length).toBeGreaterThan(0);
    expect(home.map((c) => c.text).join("\n")).toMatch(PROVIDER_TRACE);
    expect(all.map((c) => c.text).join("\n")).not.toMatch(PROPERTY_RENDERING);
    expectNoLeakIn(all, values());
  });

  test("a bad stack-wide default registry credential fails preview naming the config key, without its password", async () => {
    await s.cli(["config", "set", "mode", "default"]);
    await s.cli(["config", "set", "cvm-secrets:defaultRegistry", "not a host!"]);
    await s.cli(["config", "set", "cvm-secrets:defaultRegistryUsername", "acme"]);
    await s.cli(["config", "set", "--secret", "cvm-secrets:defaultRegistryPassword", DEFAULT_PW]);
    const before = (await s.emu.admin.counts()).writes;
    const preview = await s.cli(["preview", ...QUIET], { allowFail: true });
    expect(preview.code).not.toBe(0);
    const text = `${preview.stdout}${preview.stderr}`;
    expect(text).toMatch(rendered(cvmSecrets, "api", "cvm-secrets:defaultRegistry: "));
    expect(text).not.toMatch(PROPERTY_RENDERING);
    expect((await s.emu.admin.counts()).writes).toBe(before);
    expectNoLeak(s.transcript, values());
  });

  if (flavour === "plugin") {
    test("the plugin's own configuration (CheckConfig of the default provider): a partial default registry is named, its password never", async () => {
      await s.cli(["config", "rm", "cvm-secrets:defaultRegistryUsername"]);
      const before = (await s.emu.admin.counts()).writes;
      const { code, captured } = await runCaptured(s.pulumi, "partial default", ["preview", ...QUIET], {
        env: PROVIDER_TRACE_ENV,
      });
      expect(code).not.toBe(0);
      const text = captured.map((c) => c.text).join("\n");
      expect(text).toMatch(
        rendered(
          "pulumi:providers:cvm-secrets",
          // The engine names the default provider by version and download URL:
          // default_0_2_0_github_/api.github.com/<owner>/<repo>.
          /default(_[^']+)?/,
          "defaultRegistryUsername missing: the default registry needs defaultRegistry, defaultRegistryUsername, defaultRegistryPassword together",
        ),
      );
      expect(text).not.toMatch(PROPERTY_RENDERING);
      expect((await s.emu.admin.counts()).writes).toBe(before);
      expectNoLeakIn(captured, values());
    });
  }

  describe("what a preview looks up (issue 21)", () => {
    let cvm: string;
    beforeAll(async () => {
      // What the tests above set (the plugin's own test removed the username already).
      const set = [
        "mode",
        "hub",
        ...["", "Username", "Password"].map((k) => `cvm-secrets:defaultRegistry${k}`),
      ];
      for (const key of set) await s.cli(["config", "rm", key], { allowFail: true });
      cvm = (await s.emu.admin.createCvm({ name: "lookup-api" })).id;
      writeFileSync(path.join(s.dir, "index.ts"), forFlavour(LOOKUP_PROGRAM, flavour));
      await s.cli(["config", "set", "cvm", cvm]);
      await s.cli(["config", "set", "worker", cvm]);
    }, 120_000);

    /** A preview that must fail, its output, and that nothing was written. */
    async function failedPreview(): Promise<string> {
      const before = (await s.emu.admin.counts()).writes;
      const preview = await s.cli(["preview", ...QUIET], { allowFail: true });
      expect(preview.code).not.toBe(0);
      expect((await s.emu.admin.counts()).writes).toBe(before);
      return `${preview.stdout}${preview.stderr}`;
    }

    test("a refused API key, a CVM that does not exist and an API that does not answer fail preview with up's words", async () => {
      await s.cli(["config", "set", "--secret", "cvm-secrets:apiKey", "not-the-key"]);
      const refused = await failedPreview();
      expect(refused).toMatch(/GET \/cvms\/\{id\} for CVM cvm_\S+ failed: HTTP 401: Invalid API key/);
      expect(refused).toContain("Check the API key (cvm-secrets:apiKey or PHALA_CLOUD_API_KEY).");
      expect(messagesAbout(refused, flavour).filter((m) => m.startsWith("will push the env"))).toEqual([]);

      await s.cli(["config", "set", "--secret", "cvm-secrets:apiKey", s.emu.apiKey]);
      await s.cli(["config", "set", "cvm", "demo-apii"]);
      const missing = await failedPreview();
      expect(missing).toMatch(/GET \/cvms\/\{id\} for CVM demo-apii failed: HTTP 404 ERR-03-001/);
      expect(missing).toContain("Check the CVM id in `cvms`");
      expect(messagesAbout(missing, flavour).filter((m) => m.startsWith("will push the env"))).toEqual([]);

      // A port that was listening and is closed now: the connection is refused.
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as { port: number };
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await s.cli(["config", "set", "cvm", cvm]);
      await s.cli(["config", "set", "cvm-secrets:apiUrl", `http://127.0.0.1:${port}/api/v1`]);
      const unreachable = await failedPreview();
      expect(unreachable).toMatch(/GET \/cvms\/\{id\} for CVM cvm_\S+ failed: connection error ECONNREFUSED/);
      expect(unreachable).toMatch(
        new RegExp(
          `at http://127\\.0\\.0\\.1:${port}/api/v1 \\(after \\d+ attempts\\)\\. Check cvm-secrets:apiUrl and that the API is reachable\\.`,
        ),
      );
      await s.cli(["config", "set", "cvm-secrets:apiUrl", s.emu.url]);
      expectNoLeak(s.transcript, values());
    });

    test("without an API key (a pull request's job) preview stays green and says once what it did not check", async () => {
      await s.cli(["config", "rm", "cvm-secrets:apiKey"]);
      const before = (await s.emu.admin.counts()).requests;
      const preview = await s.cli(["preview", "--json", ...QUIET], { env: { PHALA_CLOUD_API_KEY: "" } });
      expect(warningsOf(preview.stdout, NO_KEY_NOTE)).toHaveLength(1);
      expect((await s.emu.admin.counts()).requests).toEqual(before);
    });

    test("cvm-secrets:apiKey set without --secret: one warning saying to store it with --secret, never the value", async () => {
      await s.cli(["config", "set", "cvm-secrets:apiKey", s.emu.apiKey]);
      expect(stackConfigFile(s, "dev")).toContain(s.emu.apiKey); // in clear: what the warning is about
      const preview = await s.cli(["preview", "--json", ...QUIET]);
      // The document's own `config` lists a plain value as it is (what the warning is about):
      // the provider's diagnostics must not.
      const diagnostics = JSON.stringify(
        (JSON.parse(preview.stdout) as { diagnostics?: unknown }).diagnostics,
      );
      const warnings = warningsOf(preview.stdout, "cvm-secrets:apiKey is not a secret");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toContain("`pulumi config set --secret cvm-secrets:apiKey <value>`");
      expect(diagnostics).not.toContain(s.emu.apiKey);
      expect(diagnostics).not.toContain(NO_KEY_NOTE);
      expect(preview.stderr).not.toContain(s.emu.apiKey);
      await s.cli(["config", "set", "--secret", "cvm-secrets:apiKey", s.emu.apiKey]);
      const secret = await s.cli(["preview", ...QUIET]);
      expect(`${secret.stdout}${secret.stderr}`).not.toContain("is not a secret");
    });

    test("refresh of a resource whose CVM was recreated under its name says why it drops it; the next up pushes to the new CVM", async () => {
      // What this test's runs print (the previous test printed the plain key on purpose).
      const from = s.transcript.length;
      // One resource, named by the CVM's name (two on one CVM would refuse each other's push).
      await s.cli(["config", "rm", "worker"]);
      await s.cli(["config", "set", "cvm", "lookup-api"]);
      await s.cli(["up", "--yes", "--skip-preview", ...QUIET]);
      const gone = await fetch(`${s.emu.url}/cvms/${cvm}`, {
        method: "DELETE",
        headers: { "x-api-key": s.emu.apiKey },
      });
      expect(gone.ok).toBe(true);
      const fresh = (await s.emu.admin.createCvm({ name: "lookup-api" })).id;
      const refresh = await s.cli(["refresh", "--yes", ...QUIET]);
      const text = `${refresh.stdout}${refresh.stderr}`;
      expect(text).toContain(
        said(flavour, `${cvm} is gone (the API answers 404 for every CVM this resource manages)`),
      );
      expect(text).toContain(`lookup-api now resolves to ${fresh}. The next \`pulumi up\` creates it again`);
      await s.cli(["up", "--yes", "--skip-preview", ...QUIET]);
      expect((await s.emu.admin.guest(fresh)).env).toEqual({ API_KEY: SECRET });
      expectNoLeak(s.transcript.slice(from), values());
    });
  });
}
