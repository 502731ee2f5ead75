/**
 * scripts/lock-wait.sh, the waits of scripts/toolchain.sh (another run's build lock) and
 * scripts/install-debian-packages.sh (apt's and dpkg's locks): with a lock held by a process this
 * test starts (flock(1) on a temp file), a wait names the lock and its holder, prints progress,
 * gets the lock once it is released, and gives up after its bound with a message saying so.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const SCRIPT = path.resolve(__dirname, "../../scripts/lock-wait.sh");
let dir: string;
let lock: string;
let holder: ChildProcess | undefined;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "cvms-lock-"));
  lock = path.join(dir, "build.lock");
  writeFileSync(lock, "");
});

afterEach(() => {
  if (holder?.pid !== undefined && holder.exitCode === null) holder.kill("SIGKILL");
  holder = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Runs bash with lock-wait.sh sourced; progress every second. */
function bash(script: string, ...args: string[]) {
  return new Promise<{ status: number | null; lines: string[] }>((resolve) => {
    const child = spawn("bash", ["-c", `source "${SCRIPT}"; ${script}`, "bash", ...args], {
      env: { ...process.env, LOCK_PROGRESS_SECONDS: "1" },
    });
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("close", (status) => resolve({ status, lines: err.trimEnd().split("\n") }));
  });
}

/** Starts `flock LOCK sleep SECONDS` and waits until /proc/locks shows it holding the lock. */
async function hold(seconds: number): Promise<string> {
  holder = spawn("flock", [lock, "sleep", String(seconds)], { stdio: "ignore" });
  for (let i = 0; i < 200; i++) {
    const r = spawnSync("bash", ["-c", `source "${SCRIPT}"; lock_holder "$1"`, "bash", lock], {
      encoding: "utf8",
    });
    if (r.stdout !== "") return r.stdout;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("the holder never took the lock");
}

/** A holder for `holdSeconds`, and wait_for_flock bounded by `timeout`: checks its first line and exit status. */
async function flockWait(holdSeconds: number, timeout: number, status: number) {
  const who = await hold(holdSeconds);
  const r = await bash(
    `exec 9>"$1"; wait_for_flock 9 "$1" "another run is building a test tool" ${timeout}`,
    lock,
  );
  expect(r.status).toBe(status);
  expect(r.lines[0]).toBe(
    `[toolchain] waiting for the lock ${lock} (${who}): another run is building a test tool; up to ${timeout} s`,
  );
  return r;
}

test("lock_holder names the holding process; nothing when the lock is free", async () => {
  const free = spawnSync("bash", ["-c", `source "${SCRIPT}"; lock_holder "$1"`, "bash", lock], {
    encoding: "utf8",
  });
  expect(free.stdout).toBe("");
  expect(await hold(30)).toBe(`pid ${holder!.pid} (flock ${lock} sleep 30)`);
});

test("wait_for_flock: says what it waits for and who holds it, then gets the lock when it is released", async () => {
  const r = await flockWait(2, 30, 0);
  expect(r.lines.at(-1)).toMatch(new RegExp(`^\\[toolchain\\] got the lock ${lock} after \\d+ s$`));
  for (const line of r.lines.slice(1, -1)) {
    expect(line).toMatch(
      new RegExp(`^\\[toolchain\\] still waiting for the lock ${lock} \\(.*\\), \\d+ s so far$`),
    );
  }
});

test("wait_for_flock gives up after its bound, saying so", async () => {
  const r = await flockWait(60, 2, 1);
  const who = `pid ${holder!.pid} (flock ${lock} sleep 60)`;
  const progress = r.lines.slice(1, -1);
  expect(progress.length).toBeGreaterThan(0);
  for (const line of progress)
    expect(line.replace(/\d+ s so far$/, "N s so far")).toBe(
      `[toolchain] still waiting for the lock ${lock} (${who}), N s so far`,
    );
  expect(r.lines.at(-1)).toBe(
    `[toolchain] gave up after 2 s waiting for the lock ${lock} (another run is building a test tool)`,
  );
});

test("wait_for_unlocked (apt's and dpkg's fcntl locks): waits until the holder is gone, with its own prefix", async () => {
  const who = await hold(2);
  const r = await bash(
    'LOCK_LOG_PREFIX="install-debian-packages:"; wait_for_unlocked "$1" "another apt-get or dpkg is running" 30',
    lock,
  );
  expect(r.status).toBe(0);
  expect(r.lines[0]).toBe(
    `install-debian-packages: waiting for the lock ${lock} (${who}): another apt-get or dpkg is running; up to 30 s`,
  );
  expect(r.lines.at(-1)).toMatch(
    new RegExp(`^install-debian-packages: the lock ${lock} is free after \\d+ s$`),
  );
});

test("a free lock is taken at once, without a word", async () => {
  const other = path.join(dir, "lists.lock");
  writeFileSync(other, "");
  const r = await bash(
    'exec 9>"$1"; wait_for_flock 9 "$1" "x" 5 && wait_for_unlocked "$2" "y" 5',
    lock,
    other,
  );
  expect(r).toEqual({ status: 0, lines: [""] });
});
