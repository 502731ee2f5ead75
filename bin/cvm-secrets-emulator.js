#!/usr/bin/env node

// Before anything else loads: an old Node.js gets one sentence, not a dependency's stack trace.
try {
  require("../dist/provider/node-version.js");
} catch (error) {
  process.stderr.write(`cvm-secrets-emulator: ${error.message}
`);
  process.exit(1);
}
require("../dist/emulator/cli.js")
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(
        `cvm-secrets-emulator: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
