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
});
