#!/usr/bin/env node
/**
 * The demo (`npm run demo`): starts the local Phala Cloud emulator, seeds a CVM, runs `pulumi up`
 * on examples/quickstart, prints what the CVM decrypted (names and value lengths, never values),
 * runs `pulumi up` again to show that nothing happens, and stops everything it started.
 * Run it with `npm run demo` (scripts/demo.sh sets up Node 24 and the Pulumi CLI first).
 */
const { spawn } = require("node:child_process");
const { randomBytes } = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { startEmulator } = require("../dist/emulator/index.js");

const ROOT = path.resolve(__dirname, "..");
const COMPOSE = [
  "services:",
  "  api:",
  "    image: ghcr.io/acme/api:1.4.2",
  "    environment:",
  "      - DATABASE_URL=${DATABASE_URL}",
  "      - STRIPE_KEY=${STRIPE_KEY}",
  "",
].join("\n");

const step = (n, text) => console.log(`\n\x1b[1m[${n}/5] ${text}\x1b[0m`);

function pulumi(args, env, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const relay = (chunk) => {
      const text = chunk.toString();
      out += text;
      process.stdout.write(text.replace(/^/gm, "    "));
    };
    child.stdout.on("data", relay);
    child.stderr.on("data", relay);
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`pulumi ${args[0]} exited ${code}`)),
    );
  });
}

async function main() {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cvm-secrets-demo-"));
  const program = path.join(scratch, "quickstart");
  fs.cpSync(path.join(ROOT, "examples", "quickstart"), program, { recursive: true });
  fs.cpSync(path.join(ROOT, "examples", "tsconfig.json"), path.join(program, "tsconfig.json"));
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(program, "node_modules"), "dir");
  fs.mkdirSync(path.join(scratch, "home"));
  fs.mkdirSync(path.join(scratch, "state"));
  const env = {
    ...process.env,
    PULUMI_HOME: path.join(scratch, "home"),
    PULUMI_BACKEND_URL: `file://${path.join(scratch, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: randomBytes(16).toString("hex"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  const emulator = await startEmulator({ restartMs: 800 });
  try {
    step(1, "Local Phala Cloud emulator");
    const cvm = await emulator.admin.createCvm({ name: "demo-api", docker_compose_file: COMPOSE });
    console.log(`    listening on ${emulator.url}`);
    console.log(`    seeded CVM ${cvm.id} (app ${cvm.app_id})`);

    step(
      2,
      "Stack config: the CVM, two app secrets and a GHCR token (random demo values), the emulator as API",
    );
    const q = ["--non-interactive"];
    await pulumi(["stack", "init", "demo", ...q], env, program);
    await pulumi(["config", "set", "cvmId", cvm.id], env, program);
    await pulumi(["config", "set", "cvm-secrets:apiUrl", emulator.url], env, program);
    await pulumi(["config", "set", "--secret", "cvm-secrets:apiKey", emulator.apiKey], env, program);
    await pulumi(
      [
        "config",
        "set",
        "--secret",
        "databaseUrl",
        `postgres://app:${randomBytes(12).toString("hex")}@db/prod`,
      ],
      env,
      program,
    );
    await pulumi(
      ["config", "set", "--secret", "stripeKey", `sk_demo_${randomBytes(16).toString("hex")}`],
      env,
      program,
    );
    await pulumi(
      ["config", "set", "--secret", "ghcrToken", `ghp_demo${randomBytes(16).toString("hex")}`],
      env,
      program,
    );
    console.log("    (values set with `pulumi config set --secret`; not printed)");

    step(3, "pulumi up: encrypt on this machine, push, restart, wait until running");
    await pulumi(["up", "--yes", "--color", "always", ...q], env, program);

    step(4, "What the CVM decrypted at boot (names and lengths only)");
    const guest = await emulator.admin.guest(cvm.id);
    console.log(
      `    status: ${guest.status}, boots: ${guest.boots}, allowed_envs: ${guest.allowed_envs.join(", ")}`,
    );
    for (const [key, value] of Object.entries(guest.env ?? {}))
      console.log(`    ${key} = <${value.length} chars>`);

    step(5, "pulumi up again: nothing changed, so no API write and no restart");
    const before = await emulator.admin.counts();
    await pulumi(["up", "--yes", "--color", "always", ...q], env, program);
    const after = await emulator.admin.counts();
    console.log(`    API writes during the second up: ${after.writes - before.writes}`);
    console.log(
      `    restarts of ${cvm.id} during the second up: ${(after.restarts[cvm.id] ?? 0) - (before.restarts[cvm.id] ?? 0)}`,
    );
    if (after.writes !== before.writes) throw new Error("the second up wrote to the API");
    console.log("\nDemo finished: the emulator is stopped and the scratch stack removed.");
  } finally {
    await emulator.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`\ndemo failed: ${error.message}`);
  process.exit(1);
});
