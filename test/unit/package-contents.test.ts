/**
 * What `npm pack` ships: the LICENSE package.json names, a changelog, where the project lives,
 * the docs README.md links to (relative links must work on the registry's page too), every
 * repository file README.md and docs/ point to, and docs that cite only what ships (no design
 * notes, research files or tests the package does not contain).
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { packedFiles } from "../support/package";

const ROOT = path.resolve(__dirname, "../..");
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as Record<string, unknown>;
const packed = packedFiles();
/** README.md and every page of docs/: what users read, on the repository and in the package. */
const USER_DOCS = ["README.md", ...readdirSync(path.join(ROOT, "docs")).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith(".md"),
);
const read = (file: string): string => readFileSync(path.join(ROOT, file), "utf8");

/** A citation of something the package does not ship. */
const UNSHIPPED_CITATION =
  /DESIGN\.md|research\/|\b(?:phala|registry|pulumi|phala-fidelity)\.md\b|§(?!9\.2\.6|10\.2\.3)/;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

test("LICENSE is the Apache-2.0 text package.json names; CHANGELOG, repository and homepage exist", () => {
  expect(pkg["license"]).toBe("Apache-2.0");
  expect(packed).toEqual(expect.arrayContaining(["LICENSE", "CHANGELOG.md", "README.md", "package.json"]));
  const license = readFileSync(path.join(ROOT, "LICENSE"), "utf8");
  expect(license).toContain("Apache License");
  expect(license).toContain("Version 2.0, January 2004");
  expect(license).toContain("END OF TERMS AND CONDITIONS");
  expect(readFileSync(path.join(ROOT, "CHANGELOG.md"), "utf8")).toMatch(/^## \[0\.1\.0\]/m);
  const repository = pkg["repository"] as { type: string; url: string };
  expect(repository.url).toMatch(/^git\+https:\/\/github\.com\/[\w-]+\/[\w-]+\.git$/);
  expect(pkg["homepage"]).toMatch(/^https:\/\/github\.com\/[\w-]+\/[\w-]+#readme$/);
});

test("every repository path README.md and docs/ name in inline code ships in the package", () => {
  const tracked = execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" }).split("\n");
  const topDirs = new Set(tracked.filter((f) => f.includes("/")).map((f) => f.split("/")[0]!));
  const named = USER_DOCS.flatMap((doc) =>
    [...read(doc).matchAll(/`([^`\n]+)`/g)]
      .flatMap((m) => m[1]!.split(/\s+/))
      .filter((token) => /^[a-z][\w.-]*\/[\w./-]*$/.test(token) && topDirs.has(token.split("/")[0]!))
      .map((p) => ({ doc, p })),
  );
  expect(named.length).toBeGreaterThan(3);
  const missing = named.filter(
    ({ p }) => !packed.some((f) => f === p || f.startsWith(p.endsWith("/") ? p : `${p}/`)),
  );
  expect(missing).toEqual([]);
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

test("every relative link of README.md and docs/ names a file the package ships, and a heading there", () => {
  const broken: string[] = [];
  let links = 0;
  for (const doc of USER_DOCS) {
    for (const [, target] of read(doc).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      links++;
      const [file, fragment] = target!.split("#");
      const resolved = file ? path.posix.normalize(path.posix.join(path.posix.dirname(doc), file)) : doc;
      if (!packed.includes(resolved)) broken.push(`${doc}: ${target} (${resolved} does not ship)`);
      else if (fragment) {
        const headings = [...read(resolved).matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1]!));
        if (!headings.includes(fragment)) broken.push(`${doc}: ${target} (no such heading)`);
      }
    }
  }
  expect(links).toBeGreaterThan(10);
  expect(broken).toEqual([]);
});

test("nothing shipped cites DESIGN.md, research/ or their sections", () => {
  // dist/ is compiled from provider/ and emulator/ with comments and TSDoc kept: check the sources.
  const sources = [...walk(path.join(ROOT, "provider")), ...walk(path.join(ROOT, "emulator"))].map((f) =>
    path.relative(ROOT, f),
  );
  const files = [...new Set([...packed.filter((f) => !f.startsWith("dist/")), ...sources])];
  expect(files).toEqual(expect.arrayContaining(["README.md", "emulator/COVERAGE.md", "provider/index.ts"]));
  const offending: string[] = [];
  for (const file of files) {
    readFileSync(path.join(ROOT, file), "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (UNSHIPPED_CITATION.test(line)) offending.push(`${file}:${i + 1}: ${line.trim()}`);
      });
  }
  expect(offending).toEqual([]);
});
