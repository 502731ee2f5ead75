import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Io, main } from "../../provider/cli/main";
import { guestDecrypt, x25519Public } from "../support/node-envelope";

const SECRET = "sk_live_cli_value_42";

function io(stdin = ""): Io & { out: string; err: string } {
  const box = {
    out: "",
    err: "",
    stdout: (t: string) => {
      box.out += t;
    },
    stderr: (t: string) => {
      box.err += t;
    },
    readStdin: () => stdin,
    env: {},
  };
  return box;
}

const secretKey = Buffer.alloc(32, 7);
const publicKey = x25519Public(secretKey).toString("hex");

describe("cvm-secrets encrypt", () => {
  test("-e pairs and an env file encrypt to a blob the guest decrypts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cvms-cli-"));
    const file = join(dir, "prod.env");
    writeFileSync(file, `# comment\nDATABASE_URL="postgres://db/x"\nexport LOG=info\n`);
    const t = io();
    expect(
      await main(["encrypt", "--public-key", publicKey, "--env-file", file, "-e", `STRIPE_KEY=${SECRET}`], t),
    ).toBe(0);
    expect(t.out).toMatch(/^[0-9a-f]+\n$/);
    expect(guestDecrypt(t.out.trim(), secretKey).env).toEqual([
      { key: "DATABASE_URL", value: "postgres://db/x" },
      { key: "LOG", value: "info" },
      { key: "STRIPE_KEY", value: SECRET },
    ]);
  });

  test("exactly one key source; errors never echo values", async () => {
    const t = io();
    expect(await main(["encrypt", "-e", `A=${SECRET}`], t)).toBe(1);
    expect(t.err).toContain("give exactly one of --public-key HEX or --cvm ID");
    const bad = io();
    expect(await main(["encrypt", "--public-key", "00".repeat(31), "-e", `A=${SECRET}`], bad)).toBe(1);
    expect(bad.err).toMatch(/32 bytes/);
    expect(`${t.err}${bad.err}`).not.toContain(SECRET);
  });

  test("--cvm needs an API key", async () => {
    const t = io();
    expect(await main(["encrypt", "--cvm", "cvm_x", "-e", "A=1"], t)).toBe(1);
    expect(t.err).toContain("PHALA_CLOUD_API_KEY");
  });

  test("unknown command prints usage with exit 2", async () => {
    const t = io();
    expect(await main(["nope"], t)).toBe(2);
    expect(t.err).toContain("usage:");
  });

  test("--env-file - reads the env from standard input; values never reach the command line", async () => {
    const t = io(`DATABASE_URL=postgres://db/x\nSTRIPE_KEY='${SECRET}'\n`);
    expect(await main(["encrypt", "--public-key", publicKey, "--env-file", "-"], t)).toBe(0);
    expect(guestDecrypt(t.out.trim(), secretKey).env).toEqual([
      { key: "DATABASE_URL", value: "postgres://db/x" },
      { key: "STRIPE_KEY", value: SECRET },
    ]);
    const twice = io("A=1\n");
    expect(await main(["encrypt", "-k", publicKey, "--env-file", "-", "-e", "-"], twice)).toBe(2);
    expect(twice.err).toContain("read once only");
  });

  test("a forgotten -e: the stray argument is refused by position, never echoed", async () => {
    const t = io();
    expect(await main(["encrypt", "--public-key", publicKey, `A=${SECRET}`], t)).toBe(2);
    expect(t.err).toContain("unexpected argument 3 (not shown: it may hold a value)");
    expect(t.err).toContain("--env-file -");
    expect(`${t.out}${t.err}`).not.toContain(SECRET);
  });

  test("unknown flags and missing values say what is expected, without echoing an =value", async () => {
    const t = io();
    expect(await main(["encrypt", `--secret=${SECRET}`], t)).toBe(2);
    expect(t.err).toContain(
      "unknown option --secret; expected one of --public-key/-k, --cvm, --rpc-url, --kms-contract, --trusted-signer, --env-file, -e/--env",
    );
    const missing = io();
    expect(await main(["encrypt", "--public-key"], missing)).toBe(2);
    expect(missing.err).toContain("--public-key needs the app's public key (64 hex digits)");
    expect(`${t.err}${missing.err}`).not.toContain(SECRET);
  });

  test("key names are checked like the resource's (env rules), before encrypting, naming no value", async () => {
    const bad = io();
    const url = `postgres://app:${SECRET}@db/x?sslmode=require`; // a -e without KEY=: the text before = is no key
    expect(
      await main(["encrypt", "-k", publicKey, "-e", `1BAD=${SECRET}`, "-e", url, "-e", "my-key.v2=1"], bad),
    ).toBe(1);
    expect(bad.err).toBe(
      "cvm-secrets: 3 key names do not match ^[A-Za-z_][A-Za-z0-9_]*$ (letters, digits and _, not starting with a digit); the CVM refuses such keys:\n" +
        "  1BAD: did you mean _1BAD?\n" +
        "  my-key.v2: did you mean my_key_v2?\n" +
        "  1 more not shown: it has characters no key name has, so it may be a value (a -e without KEY=)\n",
    );
    const reserved = io();
    expect(await main(["encrypt", "-k", publicKey, "-e", `DSTACK_APP_ID=${SECRET}`], reserved)).toBe(1);
    expect(reserved.err).toContain("env.DSTACK_APP_ID: is set by the pre-launch script at boot");
    expect(`${bad.out}${bad.err}${reserved.out}${reserved.err}`).not.toContain(SECRET);
  });

  test("a key in an env file that the CVM refuses is named, with the closest valid name", async () => {
    const t = io(`app.port=8080\nmy-flag=${SECRET}\n`);
    expect(await main(["encrypt", "-k", publicKey, "--env-file", "-"], t)).toBe(1);
    expect(t.err).toBe(
      "cvm-secrets: 2 key names do not match ^[A-Za-z_][A-Za-z0-9_]*$ (letters, digits and _, not starting with a digit); the CVM refuses such keys:\n" +
        "  app.port: did you mean app_port?\n" +
        "  my-flag: did you mean my_flag?\n",
    );
  });

  test.each([
    [
      `=${SECRET}`,
      "-e =…: the key part before the = is empty; expected -e KEY=VALUE (e.g. -e LOG_LEVEL=debug)",
    ],
    [
      SECRET,
      "-e got an argument with no = that is not an existing file (not shown: it may be a value); expected -e KEY=VALUE (e.g. -e LOG_LEVEL=debug) or -e FILE (the path of an env file)",
    ],
  ])("a malformed -e says what it found and the form expected, never the text (%#)", async (arg, message) => {
    const t = io();
    expect(await main(["encrypt", "-k", publicKey, "-e", arg], t)).toBe(1);
    expect(t.err).toBe(`cvm-secrets: ${message}\n`);
    expect(t.out).toBe("");
  });

  test("no variables: a warning on stderr, then the empty env's hex on stdout", async () => {
    const t = io("# only a comment\n");
    expect(await main(["encrypt", "-k", publicKey, "--env-file", "-"], t)).toBe(0);
    expect(t.err).toBe(
      "cvm-secrets encrypt: warning: no variables given (--env-file FILE, --env-file - or -e KEY=VALUE); " +
        "printing an encrypted empty env (sent to a CVM, it replaces all of its variables with none)\n",
    );
    expect(guestDecrypt(t.out.trim(), secretKey).env).toEqual([]);
    const some = io();
    expect(await main(["encrypt", "-k", publicKey, "-e", "A=1"], some)).toBe(0);
    expect(some.err).toBe("");
  });

  test("a value over the limit: the message gives the limit and the size found", async () => {
    const t = io();
    expect(await main(["encrypt", "-k", publicKey, "-e", `BIG=${"x".repeat(128 * 1024 + 5)}`], t)).toBe(1);
    expect(t.err).toBe(
      "cvm-secrets: the env cannot be encrypted for a CVM:\n  env.BIG: values are limited to 128 KiB (131072 bytes); this one is 131077 bytes\n",
    );
  });
});

describe("cvm-secrets trust and the trust flags", () => {
  test("malformed trust flags are usage errors naming the flag, never the value; no API is called", async () => {
    const cases: Array<[string[], string]> = [
      [["--rpc-url", `ftp://u:${SECRET}@node`], "--rpc-url must be an http(s) URL (the value is not shown)"],
      [
        ["--kms-contract", `0x${SECRET}`],
        "--kms-contract must be a 20-byte address (0x + 40 hex digits) (the value is not shown)",
      ],
      [["--trusted-signer", SECRET], "--trusted-signer must be a secp256k1 public key in hex"],
      [["--rpc-url", "http://a", "--rpc-url", "http://b"], "--rpc-url given twice"],
    ];
    for (const [flags, message] of cases) {
      for (const command of [
        ["trust", "--cvm", "cvm_x"],
        ["encrypt", "--cvm", "cvm_x", "-e", "A=1"],
      ]) {
        const t = io();
        expect(await main([...command, ...flags], t)).toBe(2);
        expect(t.err).toContain(message);
        expect(t.err).not.toContain(SECRET);
        expect(t.out).toBe("");
      }
    }
  });

  test("trust needs exactly one --cvm and the API key; --json takes no value; encrypt's trust flags need --cvm", async () => {
    const expectations: Array<[string[], number, string]> = [
      [["trust"], 2, "--cvm ID is required"],
      [["trust", "--cvm", "a", "extra"], 2, "unexpected argument 3 (not shown: it may hold a value)"],
      [["trust", "--cvm", "a", "--cvm", "b"], 2, "--cvm given twice"],
      [["trust", "--cvm", "a", "--json=yes"], 2, "--json takes no value"],
      [["trust", "--cvm", "a"], 1, "trust needs PHALA_CLOUD_API_KEY"],
      [
        ["encrypt", "--public-key", publicKey, "--rpc-url", "http://node", "-e", "A=1"],
        2,
        "--rpc-url, --kms-contract and --trusted-signer go with --cvm",
      ],
    ];
    for (const [argv, code, message] of expectations) {
      const t = io();
      expect(await main(argv, t)).toBe(code);
      expect(t.err).toContain(message);
    }
  });
});

describe("cvm-secrets help and version", () => {
  test("--help, --version and per-command --help", async () => {
    const help = io();
    expect(await main(["--help"], help)).toBe(0);
    expect(help.out).toMatch(/commands:\n {2}pr-summary[\s\S]*encrypt/);
    const version = io();
    expect(await main(["--version"], version)).toBe(0);
    expect(version.out).toBe(`${require("../../package.json").version}\n`);
    for (const command of ["encrypt", "pr-summary"]) {
      const t = io();
      expect(await main([command, "--help"], t)).toBe(0);
      expect(t.out).toContain(`usage: cvm-secrets ${command}`);
    }
    const none = io();
    expect(await main([], none)).toBe(2);
    expect(none.err).toContain("usage: cvm-secrets <command>");
  });
});

describe("cvm-secrets pr-summary", () => {
  test("reads preview JSON from stdin and writes Markdown without values", async () => {
    const TYPE = "pulumi-nodejs:dynamic/cvm-secrets:CvmSecrets";
    const inputs = (fp: string) => ({
      cvms: ["cvm_a"],
      env: { STRIPE_KEY: "[secret]" },
      fingerprints: { STRIPE_KEY: fp },
      __provider: `exports.handler = "${SECRET}"`,
    });
    const doc = {
      steps: [
        {
          op: "update",
          urn: `urn:pulumi:prod::app::${TYPE}::api`,
          oldState: { type: TYPE, inputs: inputs("fp-1"), outputs: { applied: { cvm_a: "d" } } },
          newState: { type: TYPE, inputs: inputs("fp-2") },
        },
      ],
    };
    const t = io(JSON.stringify(doc));
    expect(await main(["pr-summary", "-", "--title", "prod"], t)).toBe(0);
    expect(t.out).toContain("STRIPE_KEY");
    expect(t.out).toContain("cvm_a");
    expect(t.out).not.toContain(SECRET);
    expect(t.out).not.toContain("__provider");
  });

  test("non-JSON input is a clear error", async () => {
    const t = io("not json");
    expect(await main(["pr-summary"], t)).toBe(1);
    expect(t.err).toContain("pulumi preview --json");
  });

  test("a failed, empty or step-less preview fails loudly instead of reporting no restarts", async () => {
    // The shape `pulumi preview --json` prints when the program throws (3.276.0): steps so far,
    // and an error diagnostic whose message may quote inputs.
    const failed = {
      steps: [{ op: "create", urn: "urn:pulumi:dev::app::pulumi:pulumi:Stack::app-dev" }],
      diagnostics: [
        {
          urn: "urn:pulumi:dev::app::pulumi:pulumi:Stack::app-dev",
          message: `error: ${SECRET}`,
          severity: "error",
        },
      ],
      changeSummary: { create: 1 },
    };
    for (const [input, expected] of [
      [JSON.stringify(failed), "the preview failed (1 error at app-dev)"],
      ["", "standard input is empty"],
      ["  \n", "standard input is empty"],
      ["{}", 'has no "steps" list'],
    ] as const) {
      const t = io(input);
      expect(await main(["pr-summary", "-"], t)).toBe(1);
      expect(t.err).toContain(expected);
      expect(t.out).toBe("");
      expect(t.err).not.toContain(SECRET);
    }
    const warned = io(JSON.stringify({ ...failed, diagnostics: [{ message: "w", severity: "warning" }] }));
    expect(await main(["pr-summary"], warned)).toBe(0);
    expect(warned.out).toContain("No CVM restarts");
  });
});
