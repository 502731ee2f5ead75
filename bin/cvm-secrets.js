#!/usr/bin/env node

// Before anything else loads: an old Node.js gets one sentence, not a dependency's stack trace.
try {
  require("../dist/provider/node-version.js");
} catch (error) {
  process.stderr.write(`cvm-secrets: ${error.message}
`);
  process.exit(1);
}
require("../dist/provider/cli/main.js")
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
