// Links this package into its own node_modules, so the examples and tests in this repository
// resolve `pulumi-cvm-secrets` (and the provider stubs' run-time `require`s) exactly as a
// user's program resolves the installed package. Run by scripts/toolchain.sh (`npm run toolchain`,
// which `npm test` runs): no install script of the published package runs it.

const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const link = path.join(root, "node_modules", "pulumi-cvm-secrets");
if (!fs.existsSync(path.join(root, "node_modules"))) process.exit(0);
try {
  if (fs.lstatSync(link).isSymbolicLink() && fs.readlinkSync(link) === "..") process.exit(0);
  fs.rmSync(link, { recursive: true, force: true });
} catch {
  // no link yet
}
fs.symlinkSync("..", link, "dir");
