/**
 * The order jest starts test files in on a fresh clone (CI: no jest cache), with the sequencer
 * jest.config.js names (jest's own when it names none). Jest starts the next file on whichever of
 * its 2 workers frees first, so the run is modelled as exactly that, each file lasting what
 * test/durations.json says it lasted in a full run. The longest files must start first: a long
 * file started last keeps one worker busy while the other idles. Then the sequencer's own rules:
 * jest's cache wins over the committed durations, a failed file goes first, an e2e file not yet
 * measured is not left for last.
 */
import fs from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const WORKERS = 2;
const TIERS = ["unit", "emulator", "registry", "chain", "e2e"];

interface FakeTest {
  path: string;
  duration?: number;
  context: {
    config: { rootDir: string; cache: boolean; cacheDirectory: string; id: string; haste: object };
    hasteFS: { getSize(file: string): number | null };
  };
}
interface Sequencer {
  sort(tests: FakeTest[]): FakeTest[] | Promise<FakeTest[]>;
  cacheResults?(tests: FakeTest[], results: unknown): void;
  _getCachePath?(context: FakeTest["context"]): string;
}

/** The sequencer class jest.config.js configures. */
function configuredSequencer(): new (options: unknown) => Sequencer {
  const config = require(path.join(ROOT, "jest.config.js")) as { testSequencer?: string };
  const modulePath = config.testSequencer
    ? config.testSequencer.replace("<rootDir>", ROOT)
    : require.resolve("@jest/test-sequencer");
  const loaded = require(modulePath) as { default?: unknown };
  return (loaded.default ?? loaded) as new (
    options: unknown,
  ) => Sequencer;
}

function context(cacheDirectory: string, cache: boolean): FakeTest["context"] {
  return {
    config: { rootDir: ROOT, cache, cacheDirectory, id: "test-order", haste: {} },
    hasteFS: { getSize: (file) => fs.statSync(file).size },
  };
}

const durations = JSON.parse(fs.readFileSync(path.join(ROOT, "test", "durations.json"), "utf8")) as Record<
  string,
  number
>;
/** The committed durations of the files that exist, longest first. */
const measured = Object.entries(durations)
  .filter(([file]) => fs.existsSync(path.join(ROOT, file)))
  .sort(([, a], [, b]) => b - a);

/** Every test file of the repository, as jest would collect them. */
function allTestFiles(): string[] {
  const files: string[] = [];
  for (const tier of TIERS) {
    const dir = path.join(ROOT, "test", tier);
    for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
      if (name.endsWith(".test.ts")) files.push(path.join(dir, name));
    }
  }
  return files;
}

/** When the last of `seconds` (in start order) ends on WORKERS workers, each taking the next file when free. */
function makespan(seconds: number[]): number {
  const free = new Array<number>(WORKERS).fill(0);
  for (const s of seconds) {
    const next = free.indexOf(Math.min(...free));
    free[next] = (free[next] ?? 0) + s;
  }
  return Math.max(...free);
}

const relative = (file: string): string => path.relative(ROOT, file).split(path.sep).join("/");

describe("the order of test files on a fresh clone", () => {
  let scratch: string;
  beforeAll(() => {
    scratch = fs.mkdtempSync(path.join(tmpdir(), "cvms-order-"));
  });
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  test("no file lasted more than about 4 minutes in the measured run (a longer one is split)", () => {
    const long = Object.entries(durations).filter(([, seconds]) => seconds > 240);
    expect(long).toEqual([]);
  });

  test("two workers finish within half a minute of the best any order can do", async () => {
    const Sequencer = configuredSequencer();
    const ctx = context(scratch, false);
    const tests = allTestFiles().map((file): FakeTest => ({ path: file, context: ctx }));
    const order = await new Sequencer({}).sort(tests);
    const seconds = order.map((t) => durations[relative(t.path)] ?? 0);
    const total = seconds.reduce((a, b) => a + b, 0);
    const best = Math.max(total / WORKERS, ...seconds);
    expect(total).toBeGreaterThan(1000); // the committed durations are a full run's
    expect(makespan(seconds) - best).toBeLessThanOrEqual(30);
  });

  test("jest's cache wins over the committed durations; a failed file goes first", async () => {
    const Sequencer = configuredSequencer();
    const cacheDir = path.join(scratch, "cache");
    fs.mkdirSync(cacheDir);
    const ctx = context(cacheDir, true);
    const sequencer = new Sequencer({});
    const [longest] = measured[0] ?? [];
    const quick = "test/unit/errors.test.ts";
    const failing = "test/unit/settle.test.ts";
    const tests = [longest as string, quick, failing].map(
      (f): FakeTest => ({ path: path.join(ROOT, f), context: ctx }),
    );
    // jest's cache (path → [0 failed | 1 passed, ms]): the committed-longest file ran 1 s last time.
    const cachePath = sequencer._getCachePath?.(ctx) as string;
    fs.writeFileSync(
      cachePath,
      JSON.stringify({
        [tests[0]!.path]: [1, 1_000],
        [tests[1]!.path]: [1, 2_000],
        [tests[2]!.path]: [0, 10],
      }),
    );
    const order = (await sequencer.sort(tests)).map((t) => relative(t.path));
    expect(order).toEqual([failing, quick, longest]);
  });

  test("an e2e file not yet measured starts before the short measured files, after the long ones", async () => {
    const Sequencer = configuredSequencer();
    const ctx = context(scratch, false);
    const byDuration = measured.filter(([f]) => f.startsWith("test/e2e/"));
    const long = byDuration[0]![0];
    const short = byDuration.find(([, s]) => s < 30)![0];
    const unmeasured = path.join(ROOT, "test", "e2e", "not-yet-measured.test.ts");
    const tests: FakeTest[] = [short, long].map((f) => ({ path: path.join(ROOT, f), context: ctx }));
    tests.push({ path: unmeasured, context: { ...ctx, hasteFS: { getSize: () => 100 } } });
    const order = (await new Sequencer({}).sort(tests)).map((t) => relative(t.path));
    expect(order).toEqual([long, relative(unmeasured), short]);
  });
});
