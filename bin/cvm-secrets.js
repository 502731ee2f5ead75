#!/bin/sh
//usr/bin/env true; exec node -- "$0" "$@"

// The line above runs under sh and re-executes this file as `node -- <this file> <args>`: Node
// reads `--env-file` and `--env-file-if-exists` from ALL of its arguments, even those after the
// script's name, unless a `--` comes first (nodejs/node#54232, fixed for `--` only by #54237).
// Without it `cvm-secrets encrypt --env-file - < prod.env` dies with "node: -: not found" before
// this file runs, and `--env-file prod.env` makes Node read the file itself (its NODE_OPTIONS
// applied). For JavaScript that line is a comment.

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
