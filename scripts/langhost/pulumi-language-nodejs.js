#!/usr/bin/env node
// A Node.js language host for the Pulumi CLI, used ONLY by this repository's toolchain when
// the official Go `pulumi-language-nodejs` cannot be built on the machine (the Go module proxy
// reachable from our CI refuses the module github.com/pulumi/pulumi/sdk/nodejs/cmd/
// pulumi-language-nodejs/v3 at every version). Users install Pulumi normally and never run this.
//
// It does what the official host's Run does: spawn `node @pulumi/pulumi/cmd/run` (the SDK's
// own program runner, resolved from the program directory) with the engine's RunRequest turned
// into flags and environment, exactly as repo pulumi/pulumi,
// sdk/nodejs/cmd/pulumi-language-nodejs/main.go (constructArguments, constructEnv) does:
//   flags: --monitor --engine --organization --project --root-directory --stack --pwd
//          --dry-run --parallel --tracing <program> [args...]     (cmd/run/index.ts, usage())
//   env:   PULUMI_CONFIG (JSON map), PULUMI_CONFIG_SECRET_KEYS (JSON list),
//          PULUMI_NODEJS_TYPESCRIPT, PULUMI_NODEJS_TSCONFIG_PATH  (cmd/run/run.ts)
// Everything else in the program run (TypeScript via ts-node, config, the resource monitor,
// closure serialization, dynamic providers) is the real SDK and the real engine.

const { spawn } = require("node:child_process");
const path = require("node:path");
const grpc = require("@grpc/grpc-js");
const languageGrpc = require("@pulumi/pulumi/proto/language_grpc_pb");
const language = require("@pulumi/pulumi/proto/language_pb");
const plugin = require("@pulumi/pulumi/proto/plugin_pb");
const sdkVersion = require("@pulumi/pulumi/package.json").version;

// The SDK runtime exits with this code after it has already reported the error to the engine
// (cmd/run/index.ts, nodeJSProcessExitedAfterLoggingUserActionableMessage).
const EXIT_ALREADY_REPORTED = 32;

// The engine passes its own address as the last positional argument; flags come before it.
const engineAddress = process.argv
  .slice(2)
  .filter((a) => !a.startsWith("-"))
  .pop();
const tracing = flagValue("tracing");

function flagValue(name) {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i].replace(/^--?/, "");
    if (a === name) return args[i + 1];
    if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
  }
  return undefined;
}

function structToObject(struct) {
  return struct ? struct.toJavaScript() : {};
}

function runtimeOptions(info) {
  const options = info ? structToObject(info.getOptions()) : {};
  return {
    typescript: options.typescript !== false,
    tsconfig: typeof options.tsconfig === "string" ? options.tsconfig : undefined,
    nodeargs: typeof options.nodeargs === "string" ? options.nodeargs.split(/\s+/).filter(Boolean) : [],
  };
}

function run(call, callback) {
  const req = call.request;
  const info = req.hasInfo() ? req.getInfo() : undefined;
  const programDirectory = info?.getProgramDirectory() || req.getPwd() || process.cwd();
  const rootDirectory = info?.getRootDirectory() || programDirectory;
  const entryPoint = info?.getEntryPoint() || req.getProgram() || ".";
  const options = runtimeOptions(info);

  let runPath;
  try {
    runPath = require.resolve("@pulumi/pulumi/cmd/run", { paths: [programDirectory] });
  } catch {
    const response = new language.RunResponse();
    response.setError(
      "It looks like the Pulumi SDK has not been installed. Have you run npm install or yarn install?",
    );
    callback(null, response);
    return;
  }

  const args = [...options.nodeargs, runPath];
  const flag = (name, value) => {
    if (value !== undefined && value !== "") args.push(`--${name}`, String(value));
  };
  flag("monitor", req.getMonitorAddress());
  flag("engine", engineAddress);
  flag("organization", req.getOrganization());
  flag("project", req.getProject());
  flag("root-directory", rootDirectory);
  flag("stack", req.getStack());
  flag("pwd", req.getPwd() || programDirectory);
  if (req.getDryrun()) args.push("--dry-run");
  if (req.getQuerymode()) args.push("--query-mode");
  flag("parallel", req.getParallel());
  flag("tracing", tracing);
  args.push(entryPoint, ...req.getArgsList());

  const config = {};
  for (const [key, value] of req.getConfigMap().entries()) config[key] = value;
  const env = {
    ...process.env,
    PULUMI_CONFIG: JSON.stringify(config),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(req.getConfigsecretkeysList()),
    PULUMI_NODEJS_TYPESCRIPT: String(options.typescript),
  };
  if (options.tsconfig) env.PULUMI_NODEJS_TSCONFIG_PATH = path.resolve(programDirectory, options.tsconfig);

  const child = spawn(process.execPath, args, {
    cwd: programDirectory,
    env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  activeChildren.add(child);
  child.on("error", (err) => {
    activeChildren.delete(child);
    const response = new language.RunResponse();
    response.setError(`Problem executing program (could not run language executor): ${err.message}`);
    callback(null, response);
  });
  child.on("exit", (code, signal) => {
    activeChildren.delete(child);
    const response = new language.RunResponse();
    if (code === EXIT_ALREADY_REPORTED) {
      response.setBail(true);
    } else if (code !== 0) {
      response.setError(
        signal ? `Program exited unexpectedly: ${signal}` : `Program exited with non-zero exit code: ${code}`,
      );
    }
    callback(null, response);
  });
}

const activeChildren = new Set();

const service = {
  handshake: (_call, callback) => callback(null, new language.LanguageHandshakeResponse()),
  getPluginInfo: (_call, callback) => callback(null, new plugin.PluginInfo().setVersion(sdkVersion)),
  // Programs of this repository use only dynamic providers, served by the bundled
  // pulumi-resource-pulumi-nodejs plugin, so no resource plugin is required.
  getRequiredPlugins: (_call, callback) => callback(null, new language.GetRequiredPluginsResponse()),
  getRequiredPackages: (_call, callback) => callback(null, new language.GetRequiredPackagesResponse()),
  getProgramDependencies: (_call, callback) => callback(null, new language.GetProgramDependenciesResponse()),
  runtimeOptionsPrompts: (_call, callback) => callback(null, new language.RuntimeOptionsResponse()),
  // Dependencies are installed by `npm ci` before any Pulumi command runs.
  installDependencies: (call) => call.end(),
  about: (_call, callback) =>
    callback(null, new language.AboutResponse().setExecutable(process.execPath).setVersion(process.version)),
  run,
  cancel: (_call, callback) => {
    for (const child of activeChildren) child.kill("SIGTERM");
    callback(null, new (require("google-protobuf/google/protobuf/empty_pb").Empty)());
  },
};

const unimplemented = (_call, callback) =>
  callback({ code: grpc.status.UNIMPLEMENTED, details: "not supported" });
const implementation = {};
for (const name of Object.keys(languageGrpc.LanguageRuntimeService)) {
  implementation[name] = service[name] || unimplemented;
}

const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
server.addService(languageGrpc.LanguageRuntimeService, implementation);
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    console.error(`could not start the language host: ${err.message}`);
    process.exit(1);
  }
  process.stdout.write(`${port}\n`);
});
