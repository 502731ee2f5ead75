// Rewrites test/durations.json (what test/support/test-sequencer.js orders a fresh clone's run by)
// from a jest `--json` report: `node scripts/test-durations.js report.json`. Best from a full run
// as CI runs it (`jest --ci --maxWorkers=2 --json --outputFile=report.json`): files run side by
// side take longer than alone. Files the report does not name keep their entry while they exist.

const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const target = path.join(root, "test", "durations.json");
const reportFile = process.argv[2];
if (!reportFile) {
  console.error("usage: node scripts/test-durations.js <jest --json report>");
  process.exit(2);
}
const report = JSON.parse(fs.readFileSync(reportFile, "utf8"));
const old = fs.existsSync(target) ? JSON.parse(fs.readFileSync(target, "utf8")) : {};
const next = {};
for (const [file, seconds] of Object.entries(old))
  if (fs.existsSync(path.join(root, file))) next[file] = seconds;
for (const result of report.testResults) {
  const file = path.relative(root, result.name).split(path.sep).join("/");
  const ms = result.perfStats?.runtime ?? result.endTime - result.startTime;
  if (file.startsWith("..") || !Number.isFinite(ms)) continue;
  next[file] = Math.round(ms / 1000);
}
const sorted = Object.fromEntries(Object.entries(next).sort(([a], [b]) => a.localeCompare(b)));
fs.writeFileSync(target, `${JSON.stringify(sorted, null, 2)}\n`);
console.log(`${path.relative(root, target)}: ${Object.keys(sorted).length} files`);
