/** Command-line parsing of cvm-secrets-emulator. */
import { main, parseArgs } from "../../emulator/cli";
import { waitFor } from "./helpers";

describe("parseArgs", () => {
  it("defaults to loopback and takes the API key from the environment", () => {
    expect(parseArgs([], { CVM_SECRETS_EMULATOR_API_KEY: "phak_env" })).toEqual({
      port: 8787,
      host: "127.0.0.1",
      apiKey: "phak_env",
      seedCvms: [],
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
      help: false,
    });
  });

  it("rejects unknown flags and bad numbers", () => {
    expect(() => parseArgs(["--nope"], {})).toThrow(/unknown option --nope/);
    expect(() => parseArgs(["--port", "-1"], {})).toThrow(/non-negative integer/);
    expect(() => parseArgs(["--port"], {})).toThrow(/needs a value/);
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
});
