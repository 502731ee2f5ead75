/**
 * The Pulumi package schema the plugin serves (`GetSchema`): schema.json at the package root,
 * generated from the resources' TypeScript declarations and TSDoc (in the repository, not
 * shipped), with the running package's version.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { packageRoot } from "./package-source";

export function schemaJson(version: string): string {
  const schema = JSON.parse(readFileSync(path.join(packageRoot(), "schema.json"), "utf8")) as Record<
    string,
    unknown
  >;
  return JSON.stringify({ ...schema, version });
}
