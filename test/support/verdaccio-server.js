// A local npm registry for the publish rehearsal (test/support/npm-registry.ts): verdaccio,
// installed by scripts/verdaccio.sh, run through its documented programmatic API (`runServer`,
// verdaccio.org/docs/verdaccio-programmatically) so it can listen on 127.0.0.1, port 0, and say
// which port it got. Plain Node, outside jest's module system.
//
//   node verdaccio-server.js <verdaccio package dir> <storage dir> <uplink url> <local package>
//
// <local package> is served only from this registry (published to it, never proxied); every
// other package is proxied from <uplink url>. Prints {"port": N} once listening.
const path = require("node:path");

const [pkg, storage, uplink, local] = process.argv.slice(2);
const { runServer } = require(pkg);

const configuration = {
  self_path: path.join(storage, "config.yaml"),
  storage: path.join(storage, "packages"),
  auth: { htpasswd: { file: path.join(storage, "htpasswd"), max_users: 1 } },
  uplinks: { upstream: { url: uplink, timeout: "60s", max_fails: 5 } },
  packages: {
    [local]: { access: "$all", publish: "$authenticated" },
    "**": { access: "$all", publish: "$authenticated", proxy: "upstream" },
  },
  log: { type: "stdout", format: "json", level: "error" },
};

runServer(configuration)
  .then((server) => {
    server.listen(0, "127.0.0.1", () => {
      process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
    });
    process.on("SIGTERM", () => server.close(() => process.exit(0)));
  })
  .catch((err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(1);
  });
