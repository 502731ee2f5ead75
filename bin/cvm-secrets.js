#!/usr/bin/env node

require("../dist/provider/cli/main.js")
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
