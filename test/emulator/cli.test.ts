/** Command-line parsing of cvm-secrets-emulator. */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main, parseArgs, SEED_DOCKER_COMPOSE } from "../../emulator/cli";
import { waitFor } from "./helpers";

describe("parseArgs", () => {
  it("defaults to loopback and takes the API key from the environment", () => {
    expect(parseArgs([], { CVM_SECRETS_EMULATOR_API_KEY: "phak_env" })).toEqual({
      port: 8787,
      host: "127.0.0.1",
      apiKey: "phak_env",
      seedCvms: [],
      seedReplicas: 1,
      quiet: false,
      help: false,
    });
    expect(parseArgs([], {}).apiKey).toBeUndefined();
  });

  it("reads every flag, repeatable --seed-cvm, and --flag=value", () => {
    const args = parseArgs(
      [
        "--port",
        "0",
        "--host=0.0.0.0",
        "--api-key",
        "phak_flag",
        "--restart-ms",
        "200",
        "--state-file",
        "/tmp/s.json",
        "--seed-cvm",
        "app-one",
        "--seed-cvm=app-two",
        "--seed-replicas",
        "3",
        "--seed-compose",
        "/tmp/compose.yaml",
        "--chain-rpc",
        "http://127.0.0.1:8545",
        "--quiet",
        "--log-file",
        "/tmp/emu.log",
      ],
      { CVM_SECRETS_EMULATOR_API_KEY: "phak_env" },
    );
    expect(args).toEqual({
      port: 0,
      host: "0.0.0.0",
      apiKey: "phak_flag",
      restartMs: 200,
      stateFile: "/tmp/s.json",
      seedCvms: ["app-one", "app-two"],
      seedReplicas: 3,
      seedCompose: "/tmp/compose.yaml",
      chainRpc: "http://127.0.0.1:8545",
      quiet: true,
      logFile: "/tmp/emu.log",
      help: false,
    });
  });

  it("rejects unknown flags and bad numbers", () => {
    expect(() => parseArgs(["--nope"], {})).toThrow(/unknown option --nope/);
    expect(() => parseArgs(["--port", "-1"], {})).toThrow(/non-negative integer/);
    expect(() => parseArgs(["--port"], {})).toThrow(/needs a value/);
    expect(() => parseArgs(["--seed-replicas", "0"], {})).toThrow(/at least 1/);
    expect(() => parseArgs(["--quiet=yes"], {})).toThrow(/--quiet takes no value/);
    expect(() => parseArgs(["--log-file"], {})).toThrow(/--log-file needs a value/);
  });
});

describe("main", () => {
  it("prints the URL, the API key and seeded CVM ids, serves until stopped", async () => {
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    let output = "";
    const running = main(["--port", "0", "--seed-cvm", "demo-app", "--restart-ms", "50"], {
      stop: stopped,
      out: (text) => {
        output += text;
      },
      env: { CVM_SECRETS_EMULATOR_API_KEY: "phak_cli_test" },
    });
    await waitFor(async () => output.includes("Seeded CVM demo-app"));
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+\/api\/v1)/.exec(output)?.[1];
    expect(url).toBeDefined();
    expect(output).toContain("API key: phak_cli_test");
    const id = /Seeded CVM demo-app: (cvm_\w+)/.exec(output)?.[1];
    const res = await fetch(`${url}/cvms/${id}`, { headers: { "X-API-Key": "phak_cli_test" } });
    expect(res.status).toBe(200);
    stop();
    expect(await running).toBe(0);
    expect(output).toContain("Phala Cloud emulator stopped");
  });

  it("exits 2 with usage on a bad flag, 1 when a seed name is invalid", async () => {
    let err = "";
    const hooks = {
      out: () => {},
      err: (text: string) => {
        err += text;
      },
      env: {},
      stop: Promise.resolve(),
    };
    expect(await main(["--bogus"], hooks)).toBe(2);
    expect(err).toContain("Usage:");
    expect(await main(["--port", "0", "--seed-cvm", "x"], hooks)).toBe(1);
    expect(err).toContain("could not seed a CVM");
  });

  /** Runs main until `stop()`; returns its output so far and the exit code promise. */
  function run(argv: string[]) {
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const io = { output: "" };
    const code = main(argv, {
      stop: stopped,
      out: (text) => {
        io.output += text;
      },
      err: (text) => {
        io.output += text;
      },
      env: { CVM_SECRETS_EMULATOR_API_KEY: "phak_cli_test" },
    });
    return { io, code, stop };
  }

  async function cvmInfo(output: string, id: string): Promise<Record<string, unknown>> {
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+\/api\/v1)/.exec(output)?.[1];
    const res = await fetch(`${url}/cvms/${id}`, { headers: { "X-API-Key": "phak_cli_test" } });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  }

  it("a seeded CVM fits the quickstart: no env yet, a compose reading its keys", async () => {
    const r = run(["--port", "0", "--seed-cvm", "demo-api", "--restart-ms", "50"]);
    await waitFor(async () => r.io.output.includes("Seeded CVM demo-api"));
    const info = await cvmInfo(r.io.output, "demo-api");
    expect(JSON.stringify(info)).toContain("DATABASE_URL");
    expect(SEED_DOCKER_COMPOSE).toMatch(/\$\{DATABASE_URL\}[\s\S]*\$\{STRIPE_KEY\}/);
    r.stop();
    expect(await r.code).toBe(0);
  });

  it("--seed-replicas seeds NAME-1 … NAME-N of one app", async () => {
    const r = run(["--port", "0", "--seed-cvm", "web-app", "--seed-replicas", "3", "--restart-ms", "50"]);
    await waitFor(async () => r.io.output.includes("Seeded CVM web-app-3"));
    const apps = [...r.io.output.matchAll(/Seeded CVM web-app-\d: cvm_\w+ \(app_id (\w+)\)/g)].map(
      (m) => m[1],
    );
    expect(apps).toHaveLength(3);
    expect(new Set(apps).size).toBe(1);
    r.stop();
    expect(await r.code).toBe(0);
  });

  it("a restart with the same --state-file and --seed-cvm keeps the CVM instead of failing with 409", async () => {
    const dir = mkdtempSync(join(tmpdir(), "emu-cli-"));
    try {
      const argv = ["--port", "0", "--state-file", join(dir, "state.json"), "--seed-cvm", "demo-api"];
      const first = run(argv);
      await waitFor(async () => first.io.output.includes("Seeded CVM demo-api"));
      const id = /Seeded CVM demo-api: (cvm_\w+)/.exec(first.io.output)?.[1];
      first.stop();
      expect(await first.code).toBe(0);
      const second = run(argv);
      await waitFor(async () => second.io.output.includes("Kept CVM demo-api"));
      expect(second.io.output).toContain(`Kept CVM demo-api from the state file: ${id}`);
      // By line and field, not a regex over the output: the output carries random ids.
      const lines = second.io.output.split("\n");
      expect(lines.filter((l) => l.startsWith("cvm-secrets-emulator: could not seed"))).toEqual([]);
      expect(lines.filter((l) => / -> 409 \(\d+ ms\)$/.test(l))).toEqual([]);
      second.stop();
      expect(await second.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** Runs the CLI with `argv` until the seeded demo-api answered one GET; stops it whatever happened. */
  async function oneRequest(argv: string[]) {
    const r = run(["--port", "0", "--seed-cvm", "demo-api", ...argv]);
    try {
      await waitFor(async () => r.io.output.includes("Seeded CVM demo-api"));
      await cvmInfo(r.io.output, "demo-api");
    } finally {
      r.stop();
    }
    expect(await r.code).toBe(0);
    return r.io.output;
  }

  /** The output with its random parts (ids, port) replaced by placeholders. */
  const placeholders = (output: string) =>
    output
      .trimEnd()
      .split("\n")
      .map((l) =>
        l
          .replace(/cvm_\w+/g, "<cvm>")
          .replace(/app_id \w+/g, "app_id <app>")
          .replace(/:\d+\/api/, ":<port>/api")
          .replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z (.*) \(\d+ ms\)$/, "<time> $1"),
      );

  it("the startup line says how to stop it; requests are logged to stdout by default", async () => {
    const lines = placeholders(await oneRequest([]));
    expect(lines[0]).toBe(
      "Phala Cloud emulator listening on http://127.0.0.1:<port>/api/v1 (Ctrl-C to stop)",
    );
    expect(lines.filter((l) => l === "<time> GET /cvms/{id} -> 200")).toHaveLength(1);
  });

  it("--quiet prints the startup lines and no request log", async () => {
    expect(placeholders(await oneRequest(["--quiet"]))).toEqual([
      "Phala Cloud emulator listening on http://127.0.0.1:<port>/api/v1 (Ctrl-C to stop)",
      "API key: phak_cli_test",
      "Seeded CVM demo-api: <cvm> (app_id <app>)",
      "Phala Cloud emulator stopped",
    ]);
  });

  it("--log-file FILE appends the request log to FILE (mode 0600), not to stdout", async () => {
    const dir = mkdtempSync(join(tmpdir(), "emu-cli-log-"));
    try {
      const file = join(dir, "requests.log");
      const output = await oneRequest(["--log-file", file]);
      expect(placeholders(output)).toEqual([
        "Phala Cloud emulator listening on http://127.0.0.1:<port>/api/v1 (Ctrl-C to stop)",
        "API key: phak_cli_test",
        `Request log: ${file}`,
        "Seeded CVM demo-api: <cvm> (app_id <app>)",
        "Phala Cloud emulator stopped",
      ]);
      const logged = () =>
        placeholders(readFileSync(file, "utf8")).filter((l) => l === "<time> GET /cvms/{id} -> 200");
      expect(logged()).toHaveLength(1);
      await oneRequest(["--log-file", file]); // a second run appends
      expect(logged()).toHaveLength(2);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an unwritable --log-file exits 2 before listening", async () => {
    let err = "";
    const code = await main(["--port", "0", "--log-file", "/nonexistent-dir/x.log"], {
      out: () => {},
      err: (t) => {
        err += t;
      },
      env: {},
      stop: Promise.resolve(),
    });
    expect(code).toBe(2);
    expect(err.split(":").slice(0, 3).join(":")).toBe(
      "cvm-secrets-emulator: --log-file: cannot open /nonexistent-dir/x.log",
    );
  });
});
