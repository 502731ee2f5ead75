/** Command-line parsing of cvm-secrets-emulator. */
import { parseArgs } from "../../emulator/cli";

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
