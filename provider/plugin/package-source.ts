/**
 * Where the engine gets this package's provider plugin: the package version (the plugin's
 * `GetPluginInfo`, the schema's `version`, the `version` resource option of the plugin classes)
 * and the schema's `pluginDownloadURL`, both from the package's own package.json.
 *
 * The download URL is a `github://` source: Pulumi reads the release tagged `v<version>` of the
 * repository through GitHub's API and downloads its asset
 * `pulumi-resource-cvm-secrets-v<version>-<os>-<arch>.tar.gz` (Pulumi,
 * sdk/go/common/workspace/plugins.go: `githubSource.Download`, `standardAssetName`). A mirror is
 * configured the way Pulumi supports: `PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES` matches this URL.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

/** What the resources of the plugin classes pass as resource options, and the schema declares. */
export interface PackageSource {
  /** The package version, e.g. `0.2.0`. */
  version: string;
  /** `github://api.github.com/<owner>/<repo>`: the repository whose releases carry the plugin. */
  pluginDownloadURL: string;
}

/**
 * The `github://api.github.com/<owner>/<repo>` source of a package.json `repository.url`
 * (`git+https://github.com/<owner>/<repo>.git`). Throws for a repository not on github.com,
 * whose releases Pulumi's `github://` source cannot read.
 */
export function pluginDownloadUrl(repositoryUrl: string): string {
  const match = /^(?:git\+)?https:\/\/github\.com\/([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(repositoryUrl);
  if (!match) throw new Error(`package.json repository ${repositoryUrl} is not a github.com repository`);
  return `github://api.github.com/${match[1]}/${match[2]}`;
}

/** The package root (package.json, schema.json), from dist/provider/plugin (built) or provider/plugin (tests). */
export function packageRoot(): string {
  const up = path.resolve(__dirname, "../..");
  return path.basename(up) === "dist" ? path.dirname(up) : up;
}

let cached: PackageSource | undefined;

/** The running package's version and plugin download URL (package.json, read once). */
export function packageSource(): PackageSource {
  if (!cached) {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as {
      version: string;
      repository: { url: string };
    };
    cached = { version: pkg.version, pluginDownloadURL: pluginDownloadUrl(pkg.repository.url) };
  }
  return cached;
}

/** The running package's version. */
export function packageVersion(): string {
  return packageSource().version;
}

/**
 * `opts` with this package's `version` and `pluginDownloadURL` where it sets neither, as the
 * SDKs Pulumi generates from a schema do (`resourceOptsDefaults`): the engine then loads, or
 * downloads, the plugin of the package the program installed.
 */
export function withPackageSource<T extends { version?: string; pluginDownloadURL?: string }>(
  opts: T | undefined,
): T {
  const { version, pluginDownloadURL } = packageSource();
  return {
    ...opts,
    version: opts?.version ?? version,
    pluginDownloadURL: opts?.pluginDownloadURL ?? pluginDownloadURL,
  } as T;
}
