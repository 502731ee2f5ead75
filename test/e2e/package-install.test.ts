/**
 * The packed package installed from its tarball into fresh projects outside the repository:
 * `pulumi-cvm-secrets` and `pulumi-cvm-secrets/emulator` type-check under the tsconfig
 * `pulumi new typescript` writes (`moduleResolution: node`), under `nodenext` (CommonJS and
 * ESM), and the ESM program runs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  type InstalledProject,
  installedProject,
  PULUMI_NEW_TSCONFIG,
  packPackage,
} from "../support/package";

const PROGRAM = `import { CvmSecrets, encryptEnv, RegistryCredential } from "pulumi-cvm-secrets";
import { startEmulator, type Emulator } from "pulumi-cvm-secrets/emulator";

export async function smoke(): Promise<string> {
  const emu: Emulator = await startEmulator({ restartMs: 10 });
  const app = await emu.admin.createApp();
  const hex: string = encryptEnv({ A: "1" }, app.encrypted_env_pubkey);
  await emu.close();
  return [typeof CvmSecrets, typeof RegistryCredential, hex.length > 0].join(" ");
}
`;

const tsconfig = (module: string, resolution: string, files: string[], outDir: string) => ({
  compilerOptions: { strict: true, target: "es2022", module, moduleResolution: resolution, outDir },
  files,
});

let work: string;
let p: InstalledProject;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), "cvms-pkg-"));
  p = installedProject(packPackage(work), {
    "package.json": JSON.stringify({ name: "types-check", main: "index.ts", private: true }),
    "tsconfig.json": JSON.stringify(PULUMI_NEW_TSCONFIG),
    "tsconfig.cjs.json": JSON.stringify(tsconfig("nodenext", "nodenext", ["index.ts"], "out-cjs")),
    "tsconfig.esm.json": JSON.stringify(tsconfig("nodenext", "nodenext", ["esm.mts"], "out-esm")),
    "index.ts": PROGRAM,
    // .mts is an ES module under nodenext whatever package.json says.
    "esm.mts": `${PROGRAM}\nconsole.log(await smoke());\n`,
  });
}, 300_000);

afterAll(() => {
  p?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

const tsc = (config: string) => p.exec(path.join(p.dir, "node_modules", ".bin", "tsc"), ["-p", config]);

test("the tsconfig of `pulumi new typescript` (module commonjs, moduleResolution node)", () => {
  expect(tsc("tsconfig.json")).toBe("");
});

test("nodenext, CommonJS", () => {
  expect(tsc("tsconfig.cjs.json")).toBe("");
});

test("nodenext, ESM: compiles and runs", () => {
  expect(tsc("tsconfig.esm.json")).toBe("");
  expect(p.exec(process.execPath, [path.join(p.dir, "out-esm", "esm.mjs")]).trim()).toBe(
    "function function true",
  );
});
