/**
 * The order jest starts test files in (jest.config.js `testSequencer`). Jest schedules files, not
 * tests, and starts the next file on whichever worker frees first, so a long file started last
 * keeps one worker busy while the other idles: the run lasts about as long as that file's tail.
 *
 * Jest's own sequencer starts the files it measured longest first, but it keeps those durations
 * in a cache outside the clone; on a fresh clone (CI) it has none and falls back to file size,
 * which puts a four-line file that runs a long shared suite (test/e2e/suites/) last. This one
 * asks jest's cache first and, where it has nothing, the durations committed in
 * test/durations.json (seconds per file, measured by a full run; scripts/test-durations.js
 * rewrites them from a jest `--json` report). A file in neither: an e2e file counts as
 * UNMEASURED_E2E_MS, anything else as instant. Then, as jest does: failed last time first, longer
 * first, bigger file first.
 */
const { readFileSync } = require("node:fs");
const path = require("node:path");
const Sequencer = require("@jest/test-sequencer").default;

/** What an e2e file not yet in test/durations.json is taken to last: about a typical one. */
const UNMEASURED_E2E_MS = 60_000;

/** The committed durations: repository-relative path → seconds. */
function loadDurations(file) {
  return JSON.parse(readFileSync(file, "utf8"));
}

class MeasuredFirstSequencer extends Sequencer {
  /** @param {ConstructorParameters<typeof Sequencer>[0]} options */
  constructor(options) {
    super(options);
    this.durationsFile = path.join(__dirname, "..", "durations.json");
    /** @type {Record<string, number> | undefined} */
    this.durations = undefined;
  }

  /** The committed duration of `test` in ms, or undefined when the file is not listed. */
  committed(test) {
    this.durations ??= loadDurations(this.durationsFile);
    const relative = path.relative(test.context.config.rootDir, test.path).split(path.sep).join("/");
    const seconds = this.durations[relative];
    return typeof seconds === "number" ? seconds * 1000 : undefined;
  }

  /** What `test` is expected to last, in ms: jest's cache, else the committed duration, else a default. */
  expected(test) {
    const cached = this.time(test);
    if (cached != null) return cached;
    const committed = this.committed(test);
    if (committed != null) return committed;
    return /(^|\/)test\/e2e\//.test(test.path.split(path.sep).join("/")) ? UNMEASURED_E2E_MS : 0;
  }

  sort(tests) {
    const size = (test) => test.context.hasteFS.getSize(test.path) ?? 0;
    const keyed = tests.map((test) => ({
      test,
      failed: this.hasFailed(test),
      ms: this.expected(test),
      bytes: size(test),
    }));
    keyed.sort((a, b) => {
      if (a.failed !== b.failed) return a.failed ? -1 : 1;
      if (a.ms !== b.ms) return b.ms - a.ms;
      return b.bytes - a.bytes;
    });
    return keyed.map((k) => {
      // jest reads `duration` back to decide how to report slow files
      k.test.duration = this.time(k.test);
      return k.test;
    });
  }
}

module.exports = MeasuredFirstSequencer;
module.exports.UNMEASURED_E2E_MS = UNMEASURED_E2E_MS;
