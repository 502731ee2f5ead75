/**
 * `RegistryCredentialArgs.type` is a union of the accepted spellings (issue 21): the compiler
 * completes them and refuses `"ghrc"`. Compiles test/unit/types/registry-type.ts with the
 * project's compiler options: an accepted spelling that stopped compiling is an error there, and
 * a `@ts-expect-error` whose line compiles (the union widened back to `string`) is one too.
 */
import path from "node:path";
import ts from "typescript";

test("the registry types compile, a misspelt one does not", () => {
  const root = path.resolve(__dirname, "../..");
  const config = ts.readConfigFile(path.join(root, "tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const file = path.join(__dirname, "types", "registry-type.ts");
  const program = ts.createProgram([file], { ...options, noEmit: true });
  const diagnostics = ts
    .getPreEmitDiagnostics(program, program.getSourceFile(file))
    .map((d) => `${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
  expect(diagnostics).toEqual([]);
}, 120_000);
