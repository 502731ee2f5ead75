/**
 * The provider plugin's pure parts: secrets and unknowns on the wire (wire.ts), the diff
 * translation (diff-translation.ts), the provider configuration (provider-config.ts), the
 * resources' input translation (resources.ts), deadlines (customTimeouts), and schema.json
 * against its sources (scripts/gen-schema.ts).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { translateDiff } from "../../provider/plugin/diff-translation";
import { PROGRAM_RENDERS } from "../../provider/plugin/protocol";
import { checkConfig, configRequest, diffConfig } from "../../provider/plugin/provider-config";
import { CVM_SECRETS, kindOf, REGISTRY_CREDENTIAL, typeOfUrn } from "../../provider/plugin/resources";
import { deadlineOf } from "../../provider/plugin/server";
import { concealKeys, nameOfUrn, reveal, revealProps, secret } from "../../provider/plugin/wire";
import { beforeDeadline, readyWithin, waitWithin } from "../../provider/runtime/call";
import {
  isSecretWire,
  SECRET_SIG,
  SECRET_SIG_KEY,
  UNKNOWN,
  withoutUndefined,
} from "../../provider/runtime/wire";
import { buildSchema } from "../../scripts/gen-schema";

const S = (value: unknown) => ({ [SECRET_SIG_KEY]: SECRET_SIG, value });

describe("wire", () => {
  test("reveal takes secrets out at any depth and says which top-level keys held one", () => {
    const { plain, secretKeys } = revealProps({
      env: { A: S("a"), B: S("b") },
      cvms: ["cvm_1"],
      registry: { registry: "ghcr.io", cvmEnv: S({ DSTACK_DOCKER_PASSWORD: "p" }) },
      whole: S({ x: [S(1)] }),
    });
    expect(plain).toEqual({
      env: { A: "a", B: "b" },
      cvms: ["cvm_1"],
      registry: { registry: "ghcr.io", cvmEnv: { DSTACK_DOCKER_PASSWORD: "p" } },
      whole: { x: [1] },
    });
    expect([...secretKeys].sort()).toEqual(["env", "registry", "whole"]);
    expect(reveal([S("x"), "y"])).toEqual({ plain: ["x", "y"], secret: true });
  });

  test("conceal wraps present keys once; unknowns and absent keys stay as they are", () => {
    const out = concealKeys({ env: { A: "a" }, token: S("t"), cvms: UNKNOWN }, ["env", "token", "missing"]);
    expect(out).toEqual({ env: S({ A: "a" }), token: S("t"), cvms: UNKNOWN });
    expect(isSecretWire(secret(secret("v")))).toBe(true);
    expect((secret(secret("v")) as { value: unknown }).value).toBe("v");
  });

  test("toWire drops undefined (a Struct cannot carry it), keeps null, secrets and unknowns", () => {
    expect(withoutUndefined({ a: undefined, b: null, c: { d: undefined, e: S("x") }, f: [UNKNOWN] })).toEqual(
      {
        b: null,
        c: { e: S("x") },
        f: [UNKNOWN],
      },
    );
  });

  test("URNs: name and type, also under a parent", () => {
    const urn = "urn:pulumi:dev::proj::cvm-secrets:index:CvmSecrets::api";
    expect(nameOfUrn(urn)).toBe("api");
    expect(typeOfUrn(urn)).toBe(CVM_SECRETS);
    expect(typeOfUrn("urn:pulumi:dev::proj::my:Component$cvm-secrets:index:RegistryCredential::r")).toBe(
      REGISTRY_CREDENTIAL,
    );
    expect(kindOf("cvm-secrets:index:Nope")).toBeUndefined();
  });
});

describe("diff translation", () => {
  const view = kindOf(CVM_SECRETS)!.diffView;
  const old = {
    cvms: ["cvm_1"],
    env: { A: "1", B: "2" },
    fingerprints: { A: "fp-a1", B: "fp-b1", C: "fp-c1" },
    resourceName: "api",
    cvmIds: { cvm_1: "cvm_1" },
  };

  test("no change: none, and nothing else", () => {
    expect(translateDiff({ changes: false }, old, old, view)).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
      diffs: [],
      detailedDiff: {},
    });
  });

  test("per env key through its fingerprint; plaintext and bookkeeping never listed", () => {
    const news = {
      ...old,
      env: { A: "9", D: "4" },
      fingerprints: { A: "fp-a2", B: "fp-b1", D: "fp-d1" },
      cvms: ["cvm_1", "cvm_2"],
      cvmIds: { cvm_1: "cvm_1", cvm_2: "cvm_2" },
    };
    const d = translateDiff({ changes: true }, old, news, view);
    expect(d.changes).toBe("some");
    expect(d.diffs.sort()).toEqual(["cvms", "fingerprints"]);
    expect(d.detailedDiff).toEqual({
      cvms: "update",
      "fingerprints.A": "update",
      "fingerprints.C": "delete",
      "fingerprints.D": "add",
    });
  });

  test("replaces mark their keys as replacing; unknown news are an update", () => {
    const d = translateDiff(
      { changes: true, replaces: ["type"], deleteBeforeReplace: true },
      { type: "ghcr" },
      { type: "quay", registry: UNKNOWN },
      { hidden: [], perKey: [] },
    );
    expect(d.detailedDiff).toEqual({ type: "update-replace", registry: "add" });
    expect(d.replaces).toEqual(["type"]);
    expect(d.deleteBeforeReplace).toBe(true);
    const u = translateDiff({ changes: true }, { a: "x" }, { a: UNKNOWN }, { hidden: [], perKey: [] });
    expect(u.detailedDiff).toEqual({ a: "update" });
  });

  test("a change only state knows of (a CVM to repair): some, with no property listed", () => {
    const d = translateDiff({ changes: true }, old, { ...old }, view);
    expect(d).toMatchObject({ changes: "some", diffs: [], detailedDiff: {} });
  });

  test("key order does not count as a change", () => {
    const d = translateDiff(
      { changes: true },
      { kms: { a: 1, b: 2 } },
      { kms: { b: 2, a: 1 } },
      { hidden: [], perKey: [] },
    );
    expect(d.detailedDiff).toEqual({});
  });
});

describe("provider configuration", () => {
  test("check: secret keys come back secret, a bad URL and a partial default registry are named", () => {
    const ok = checkConfig({
      apiKey: "k",
      apiUrl: "http://127.0.0.1:1/api",
      defaultRegistry: "ghcr.io",
      defaultRegistryUsername: "bot",
      defaultRegistryPassword: S("p"),
    });
    expect(ok.failures).toEqual([]);
    expect(ok.inputs).toEqual({
      apiKey: S("k"),
      apiUrl: "http://127.0.0.1:1/api",
      defaultRegistry: "ghcr.io",
      defaultRegistryUsername: "bot",
      defaultRegistryPassword: S("p"),
    });
    const bad = checkConfig({ apiUrl: "ftp:/x", defaultRegistry: "ghcr.io" });
    expect(bad.failures.map((f) => f.property)).toEqual(["", ""]);
    expect(bad.failures[0]!.reason).toMatch(/^apiUrl: must be an http\(s\) URL/);
    expect(bad.failures[1]!.reason).toContain("defaultRegistryUsername, defaultRegistryPassword missing");
    expect(JSON.stringify(bad.failures)).not.toContain("ftp:/x");
    expect(checkConfig({ apiUrl: UNKNOWN }).failures).toEqual([]);
  });

  test("diff: the keys that changed, secret or not; unknown is a change", () => {
    expect(diffConfig({ apiKey: S("a"), apiUrl: "u" }, { apiKey: S("b"), apiUrl: "u" })).toEqual({
      changed: ["apiKey"],
      detailedDiff: { apiKey: "update" },
    });
    expect(diffConfig({ apiUrl: "u" }, { apiUrl: "u" }).changed).toEqual([]);
    expect(diffConfig({}, { apiUrl: UNKNOWN }).detailedDiff).toEqual({ apiUrl: "add" });
  });

  test("configure reads the arguments, else the variables, by the stack-config key names", () => {
    const req = configRequest(
      { apiKey: S("from-args") },
      new Map([["cvm-secrets:config:apiUrl", "http://x"]]),
    );
    expect(req.config.get("cvm-secrets:apiKey")).toBe("from-args");
    expect(req.config.get("cvm-secrets:apiUrl")).toBe("http://x");
    expect(req.config.get("cvm-secrets:defaultRegistry")).toBeUndefined();
  });
});

describe("resource inputs", () => {
  test("CvmSecrets: registry becomes registryHost/registryEnv, the name comes from the URN", () => {
    const k = kindOf(CVM_SECRETS)!;
    expect(
      k.toMethodInputs({ cvms: ["c"], registry: { registry: "ghcr.io", cvmEnv: { X: "y" } } }, "api"),
    ).toEqual({
      cvms: ["c"],
      resourceName: "api",
      registryHost: "ghcr.io",
      registryEnv: { X: "y" },
    });
    expect(k.toMethodInputs({ registry: UNKNOWN }, "api")).toMatchObject({
      registryHost: UNKNOWN,
      registryEnv: UNKNOWN,
    });
  });

  test("CvmSecrets: a kms holding an rpcUrl is a secret input whatever the program marked", () => {
    const k = kindOf(CVM_SECRETS)!;
    const token = "rpc-key-plugin-unit";
    expect(k.secretByContent?.({ kms: { rpcUrl: `https://rpc.example/${token}` } })).toEqual(["kms"]);
    expect(k.secretByContent?.({ kms: { trustedSigner: "02ab" } })).toEqual([]);
    expect(k.secretByContent?.({ cvms: ["c"] })).toEqual([]);
    expect(kindOf(REGISTRY_CREDENTIAL)!.secretByContent).toBeUndefined();
  });

  test("CvmSecrets: the URN becomes the owner tag, and secret CVM ids on the wire become secretCvms", () => {
    const k = kindOf(CVM_SECRETS)!;
    const urn = "urn:pulumi:dev::proj::cvm-secrets:index:CvmSecrets::api";
    const hidden = secret("cvm_b");
    const one = k.toMethodInputs({ cvms: ["cvm_a", "cvm_b"] }, "api", { cvms: ["cvm_a", hidden] }, urn);
    expect(one).toMatchObject({ ownerUrn: urn, secretCvms: [1] });
    const all = k.toMethodInputs({ cvms: ["cvm_a"] }, "api", { cvms: secret(["cvm_a"]) }, urn);
    expect(all.secretCvms).toBe(true);
    const none = k.toMethodInputs({ cvms: ["cvm_a"] }, "api", { cvms: ["cvm_a"] }, urn);
    expect(none.secretCvms).toBeUndefined();
  });

  test("RegistryCredential: renderings are secret outputs; a preview knows none of them", async () => {
    const k = kindOf(REGISTRY_CREDENTIAL)!;
    const inputs = { type: "ghcr", username: "bot", token: "ghp_x", resourceName: "r" };
    const outs = k.toOutputs({ registry: "ghcr.io", credentialVersion: "fp-1", ecrToken: null }, inputs);
    expect(isSecretWire(outs.cvmEnv)).toBe(true);
    expect((outs.cvmEnv as { value: unknown }).value).toEqual({
      DSTACK_DOCKER_REGISTRY: "ghcr.io",
      DSTACK_DOCKER_USERNAME: "bot",
      DSTACK_DOCKER_PASSWORD: "ghp_x",
    });
    expect(isSecretWire(outs.dockerConfigJson)).toBe(true);
    // The TypeScript class renders in the program: then no rendering is among the outputs.
    const bare = k.toOutputs({ registry: "ghcr.io", ecrToken: null }, { ...inputs, [PROGRAM_RENDERS]: true });
    expect(bare).toEqual({ registry: "ghcr.io", ecrToken: null });
    const preview = await k.previewCreate({ ...inputs, registry: "ghcr.io", credentialVersion: "fp-1" });
    expect(preview).toMatchObject({ registry: "ghcr.io", cvmEnv: UNKNOWN, dockerConfigJson: UNKNOWN });
    expect(JSON.stringify(preview)).not.toContain("ghp_x");
  });

  test("CvmSecrets preview: outputs without any env value, learned outputs unknown", async () => {
    const k = kindOf(CVM_SECRETS)!;
    const outs = await k.previewCreate({
      resourceName: "api",
      cvms: ["cvm_1"],
      cvmIds: { cvm_1: "cvm_1" },
      env: { A: "plain-value-1" },
      registryEnv: { DSTACK_DOCKER_PASSWORD: "plain-value-2" },
      defaultRegistryEnv: { X: "plain-value-3" },
      fingerprints: { A: "fp-a", DSTACK_DOCKER_PASSWORD: "fp-b" },
    });
    expect(JSON.stringify(outs)).not.toMatch(/plain-value/);
    expect(outs).toMatchObject({
      envKeys: ["A", "DSTACK_DOCKER_PASSWORD"],
      appIds: UNKNOWN,
      lastRollout: UNKNOWN,
    });
  });

  test("CvmSecrets preview with secret CVM ids: the create's line names them by position, outputs naming them are secret", async () => {
    const k = kindOf(CVM_SECRETS)!;
    const ids = ["cvm_secretPreviewA1", "cvm_secretPreviewB2"];
    const inputs = {
      resourceName: "api",
      cvms: ids,
      cvmIds: Object.fromEntries(ids.map((id) => [id, id])),
      secretCvms: true,
      env: { A: "v" },
      fingerprints: { A: "fp-a" },
    };
    const lines: string[] = [];
    const stderr = jest.spyOn(console, "error").mockImplementation((line: string) => {
      lines.push(line);
    });
    try {
      const created = await k.previewCreate(inputs);
      expect(lines.join("\n")).toContain(
        "CvmSecrets api: 2 CVMs restart, 1 at a time: first deploy (cvms[0], cvms[1])",
      );
      expect(isSecretWire(created.cvms)).toBe(true);
      expect(isSecretWire(created.cvmIds)).toBe(true);
      const updated = await k.previewUpdate(
        { ...inputs, applied: { [ids[0]!]: "d1", [ids[1]!]: "d1" }, appIds: { [ids[0]!]: "app" } },
        { ...inputs, fingerprints: { A: "fp-b" } },
      );
      for (const key of ["cvms", "cvmIds", "applied", "appIds"])
        expect([key, isSecretWire(updated[key])]).toEqual([key, true]);
      for (const text of [...lines, JSON.stringify(created), JSON.stringify(updated)]) {
        for (const id of ids)
          expect(
            text.replace(
              /"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270","value":("[^"]*"|\{[^}]*\}|\[[^\]]*\])/g,
              "",
            ),
          ).not.toContain(id);
      }
    } finally {
      stderr.mockRestore();
    }
  });
});

describe("customTimeouts", () => {
  test("the deadline of a request's timeout; none for 0", () => {
    expect(deadlineOf(0, 1000)).toBeUndefined();
    expect(deadlineOf(3, 1000)).toBe(4000);
  });

  test("a CVM waits its ready timeout or what is left of the deadline, at least 1 ms", () => {
    expect(waitWithin(600_000, undefined, 0)).toBe(600_000);
    expect(waitWithin(600_000, 5_000, 1_000)).toBe(4_000);
    expect(waitWithin(2_000, 5_000, 1_000)).toBe(2_000);
    expect(waitWithin(2_000, 5_000, 9_000)).toBe(1);
  });

  test("no push starts after the deadline", () => {
    expect(() => beforeDeadline("cvm_1", 10, 11)).toThrow(/customTimeouts ran out before its turn/);
    expect(() => beforeDeadline("cvm_1", 10, 9)).not.toThrow();
    expect(() => beforeDeadline("cvm_1", undefined, 9)).not.toThrow();
  });

  test("a wait the deadline cut short names customTimeouts; other failures pass unchanged", async () => {
    const timeout = () =>
      Promise.reject(new Error("not running again within 1 s (rollout.readyTimeoutSeconds)"));
    await expect(readyWithin("cvm_1", timeout, 600_000, Date.now() - 1)).rejects.toThrow(
      "CVM cvm_1 was not running again when the resource's customTimeouts ran out",
    );
    await expect(readyWithin("cvm_1", timeout, 600_000, undefined)).rejects.toThrow(
      "rollout.readyTimeoutSeconds",
    );
    await expect(readyWithin("cvm_1", async (ms) => ms, 5_000, undefined)).resolves.toBe(5_000);
  });
});

describe("schema", () => {
  const file = JSON.parse(readFileSync(path.join(__dirname, "../../schema.json"), "utf8"));

  test("schema.json is what the resources' declarations and TSDoc say (node scripts/gen-schema.ts)", () => {
    expect(file).toEqual(buildSchema());
  });

  test("the contract: package, types, provider config, and exactly the secret properties", () => {
    expect(file.name).toBe("cvm-secrets");
    expect(Object.keys(file.resources).sort()).toEqual([
      "cvm-secrets:index:CvmSecrets",
      "cvm-secrets:index:OwnerKey",
      "cvm-secrets:index:RegistryCredential",
    ]);
    expect(Object.keys(file.config.variables)).toEqual([
      "apiKey",
      "apiUrl",
      "defaultRegistry",
      "defaultRegistryUsername",
      "defaultRegistryPassword",
      "rpcUrls",
      "kmsContracts",
    ]);
    expect(file.provider.inputProperties).toEqual(file.config.variables);
    const secrets: string[] = [];
    const walk = (where: string, props: Record<string, { secret?: boolean }> = {}) => {
      for (const [k, p] of Object.entries(props)) if (p.secret) secrets.push(`${where}.${k}`);
    };
    walk("config", file.config.variables);
    for (const [t, r] of Object.entries(file.resources) as Array<[string, Record<string, never>]>) {
      walk(`${t} in`, r.inputProperties);
      walk(`${t} out`, r.properties);
    }
    for (const [t, r] of Object.entries(file.types) as Array<[string, Record<string, never>]>)
      walk(t, r.properties);
    expect(secrets.sort()).toEqual(
      [
        "config.apiKey",
        "config.defaultRegistryPassword",
        "config.rpcUrls",
        "cvm-secrets:index:Kms.rpcUrl",
        "cvm-secrets:index:CvmSecrets in.env",
        "cvm-secrets:index:CvmSecrets in.ownerKey",
        "cvm-secrets:index:OwnerKey out.key",
        "cvm-secrets:index:RegistryCredential in.password",
        "cvm-secrets:index:RegistryCredential in.token",
        "cvm-secrets:index:RegistryCredential in.serviceAccountKey",
        "cvm-secrets:index:RegistryCredential in.ecr",
        "cvm-secrets:index:RegistryCredential out.cvmEnv",
        "cvm-secrets:index:RegistryCredential out.dockerConfigJson",
        "cvm-secrets:index:RegistryCredential out.akashCredentials",
        "cvm-secrets:index:RegistryRef.cvmEnv",
        "cvm-secrets:index:Ecr.secretAccessKey",
        "cvm-secrets:index:Ecr.sessionToken",
        "cvm-secrets:index:AkashCredentials.password",
      ].sort(),
    );
    // Every property has a description (from TSDoc).
    const described = JSON.stringify(file).match(/"description": ?""/g);
    expect(described).toBeNull();
  });

  test("every $ref names a type the schema defines", () => {
    const refs = [...JSON.stringify(file).matchAll(/"\$ref":"#\/types\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(Object.keys(file.types)).toContain(ref);
  });

  test("the other languages: type names without suffixes, integers, the Go import path from package.json", () => {
    expect(Object.keys(file.types).filter((t) => /(Args|Output)$/.test(t))).toEqual([]);
    const integers: string[] = [];
    for (const [t, r] of Object.entries(file.types) as Array<
      [string, { properties: Record<string, { type?: string }> }]
    >)
      for (const [k, p] of Object.entries(r.properties)) if (p.type === "integer") integers.push(`${t}.${k}`);
    expect(integers.sort()).toEqual([
      "cvm-secrets:index:KeyAnchor.block",
      "cvm-secrets:index:KeyAnchor.chainId",
      "cvm-secrets:index:RegistryVerify.timeoutSeconds",
      "cvm-secrets:index:Rollout.maxUnavailable",
      "cvm-secrets:index:Rollout.readyTimeoutSeconds",
    ]);
    const pkg = JSON.parse(readFileSync(path.join(__dirname, "../../package.json"), "utf8"));
    expect(pkg.repository.url).toBe("git+https://github.com/pulumi-cvm-secrets/pulumi-cvm-secrets.git");
    expect(file.repository).toBe("https://github.com/pulumi-cvm-secrets/pulumi-cvm-secrets");
    expect(file.meta).toEqual({ supportPack: true });
    expect(file.language).toEqual({
      nodejs: { packageName: "pulumi-cvm-secrets" },
      go: { importBasePath: "github.com/pulumi-cvm-secrets/pulumi-cvm-secrets/sdk/go/cvmsecrets" },
      python: { packageName: "pulumi_cvm_secrets", pyproject: { enabled: true } },
      csharp: { rootNamespace: "Pulumi" },
    });
  });
});
