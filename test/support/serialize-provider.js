// Serializes a provider stub the way pulumi.dynamic.Resource does (pulumi/pulumi,
// sdk/nodejs/dynamic/index.ts: serializeFunction(() => provider, { allowSecrets: true })) and
// prints {bytes, containsSecrets, text} as JSON. Runs in plain Node, outside jest's module
// system, on the compiled package (`dist/`), resolved as an installed dependency.

const pulumi = require("@pulumi/pulumi");
const [moduleName, exportName] = process.argv.slice(2);
const provider = require(moduleName)[exportName];
pulumi.runtime
  .serializeFunction(() => provider, { allowSecrets: true })
  .then((result) => {
    process.stdout.write(
      JSON.stringify({
        bytes: Buffer.byteLength(result.text),
        containsSecrets: result.containsSecrets,
        text: result.text,
      }),
    );
  })
  .catch((err) => {
    process.stderr.write(String(err?.stack ?? err));
    process.exit(1);
  });
