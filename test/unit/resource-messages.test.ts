/**
 * Issue 21: who a provider message names, and when a create is announced, per flavour. Through
 * the plugin a message carries the resource's URN (`withResource`), and the CLI shows it under
 * the resource's row and Diagnostics heading, which name the resource already; the dynamic
 * provider's messages carry none and name it themselves (`CvmSecrets api: …`). The create line
 * is said once per preview and once per update: by check for the dynamic provider, by the create
 * (its preview, then the real one) through the plugin — the CLI prints the row again when the
 * step begins, so a line check logged before it was shown twice (create-notice.ts).
 */
import { check, previewCreate } from "../../provider/cvm-secrets/index";
import { about, logTo, resetWarnOnce, withResource } from "../../provider/runtime/engine-log";

const URN = "urn:pulumi:dev::proj::cvm-secrets:index:CvmSecrets::api";
const CREATE =
  "will push the env to cvm_1 and restart it; a CVM that carries an env pushed by anything but this resource " +
  "(or the one it replaces) is refused (adopt is not set); deleting this resource later clears its env " +
  "(retainOnRemove is not set)";

/** Runs `fn` with stderr captured (the provider log's sender outside the engine); returns the lines. */
async function stderrOf(fn: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const spy = jest.spyOn(console, "error").mockImplementation((line) => {
    lines.push(String(line));
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  // Run-wide warnings (no API key in a unit test) are not about the resource.
  return lines.filter((line) => !line.startsWith("warning: no Phala Cloud API key"));
}

describe("the resource a message is about", () => {
  test("on the resource's URN the text alone; without a URN prefixed with the kind and name", async () => {
    const sent: Array<[string, string | undefined]> = [];
    const log = logTo(async (_severity, message, urn) => {
      sent.push([message, urn]);
    });
    log.info(about("CvmSecrets", "api", "wave 1/2: cvm_1 (restarting)"));
    await withResource(URN, async () => {
      log.info(about("CvmSecrets", "api", "wave 1/2: cvm_1 (restarting)"));
      log.warn(about("RegistryCredential", "ghcr", "credential changed"));
    });
    await log.flush();
    expect(sent).toEqual([
      ["CvmSecrets api: wave 1/2: cvm_1 (restarting)", undefined],
      ["wave 1/2: cvm_1 (restarting)", URN],
      ["credential changed", URN],
    ]);
  });
});

describe("the create line, once per preview and once per update", () => {
  const news = { resourceName: "api", cvms: ["cvm_1"], cvmIds: { cvm_1: "cvm_1" }, env: { A: "v" } };

  beforeEach(() => resetWarnOnce());

  test("dynamic provider: check says it, naming the resource; a create's preview does not", async () => {
    const lines = await stderrOf(async () => {
      const checked = await check({}, news);
      await previewCreate(checked.inputs as Record<string, unknown>);
    });
    expect(lines.filter((line) => line.includes("will push the env"))).toEqual([`CvmSecrets api: ${CREATE}`]);
  });

  test("plugin: check says nothing, the create's preview says it once, without the resource's name", async () => {
    const lines = await stderrOf(() =>
      withResource(URN, async () => {
        const checked = await check({}, news);
        await previewCreate(checked.inputs as Record<string, unknown>);
      }),
    );
    expect(lines.filter((line) => line.includes("will push the env"))).toEqual([CREATE]);
    // The preview's plan line after it, also without the name.
    expect(lines).toEqual([CREATE, "1 CVM restarts: first deploy (cvm_1)"]);
  });

  test("a check with previous inputs (an update) announces no create in either flavour", async () => {
    const olds = { ...news, fingerprints: {} };
    const lines = await stderrOf(async () => {
      await check(olds, news);
      await withResource(URN, () => check(olds, news));
    });
    expect(lines.filter((line) => line.includes("will push the env"))).toEqual([]);
  });
});
