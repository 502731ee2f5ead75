/**
 * Bad-input gauntlet (issue 7): a table of bad inputs across CvmSecrets and RegistryCredential.
 * Each must fail during `check` (what preview runs) or, for what only the API can tell (unknown
 * CVM, wrong API key, wrong KMS signer, compose, adoption), in `create` before the first write.
 * Every failure names the input and the rule, no write reaches the emulator, and no value
 * appears in the message.
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { type Emulator, startEmulator } from "../../emulator/index";
import * as registry from "../../provider/registry-credential/index";
import { resetSettings } from "../../provider/runtime/settings";
import { up, useEmulator } from "../support/provider-harness";

/** Every value in the table carries this marker; no message may contain it. */
const SECRET = "s3cr3t-GAUNTLET-9f2";
const V = (n = 1): string => `${SECRET}-v${n}`;
const COMPOSE =
  "services:\n  app:\n    image: ghcr.io/acme/api:1\n    environment:\n      - API_KEY=${API_KEY}\n";

type Props = Record<string, unknown>;

interface World {
  emu: Emulator;
  /** A CVM on a Phala-KMS app, with a compose reading API_KEY. */
  cvm: string;
  /** A CVM on an on-chain (ethereum) KMS app. */
  onchain: string;
  /** A CVM whose env was set outside the stack (allowed_envs non-empty). */
  foreign: string;
}

interface Case {
  name: string;
  resource: "CvmSecrets" | "RegistryCredential";
  args: (w: World) => Props;
  /** The input the message must name. */
  input: RegExp;
  /** The rule the message must state. */
  rule: RegExp;
  /** Where it must fail: `check` (preview) or `apply` (create, before any write). */
  stage: "check" | "apply";
  /** Runs before the apply (e.g. a wrong API key). */
  before?: (w: World) => void;
}

const env = (extra: Props = {}): Props => ({ API_KEY: V(), ...extra });
const secrets = (w: World, extra: Props): Props => ({ cvms: [w.cvm], env: env(), ...extra });
const cs = (
  name: string,
  args: (w: World) => Props,
  input: RegExp,
  rule: RegExp,
  stage: Case["stage"] = "check",
): Case => ({
  name,
  resource: "CvmSecrets",
  args,
  input,
  rule,
  stage,
});
const rc = (name: string, args: Props, input: RegExp, rule: RegExp): Case => ({
  name,
  resource: "RegistryCredential",
  args: () => args,
  input,
  rule,
  stage: "check",
});

const DOCKER_REGISTRY_ENV = {
  DSTACK_DOCKER_REGISTRY: "ghcr.io",
  DSTACK_DOCKER_USERNAME: "acme-bot",
  DSTACK_DOCKER_PASSWORD: V(9),
};
const SA_KEY = JSON.stringify({ type: "service_account", client_email: "a@b.iam", private_key: V(8) });
const otherSigner = Buffer.from(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true)).toString(
  "hex",
);

const CASES: Case[] = [
  // --- CvmSecrets: key names
  cs("key starting with a digit", (w) => secrets(w, { env: env({ "1KEY": V(2) }) }), /env\.1KEY/, /A-Za-z_/),
  cs("key with a dash", (w) => secrets(w, { env: env({ "MY-KEY": V(2) }) }), /env\.MY-KEY/, /must match/),
  cs("key with a space", (w) => secrets(w, { env: env({ "MY KEY": V(2) }) }), /env\.MY KEY/, /must match/),
  cs("key with a dot", (w) => secrets(w, { env: env({ "a.b": V(2) }) }), /env\.a\.b/, /must match/),
  cs("empty key", (w) => secrets(w, { env: env({ "": V(2) }) }), /env\./, /must match/),
  cs("non-ASCII key", (w) => secrets(w, { env: env({ KÉY: V(2) }) }), /env\.K/, /must match/),
  cs(
    "key over 255 bytes",
    (w) => secrets(w, { env: env({ [`K${"X".repeat(255)}`]: V(2) }) }),
    /env\.KX+/,
    /255 bytes/,
  ),
  // --- reserved and conflicting keys
  cs(
    "reserved DSTACK_APP_ID",
    (w) => secrets(w, { env: env({ DSTACK_APP_ID: V(2) }) }),
    /DSTACK_APP_ID/,
    /pre-launch script/,
  ),
  cs(
    "reserved DSTACK_GATEWAY_DOMAIN",
    (w) => secrets(w, { env: env({ DSTACK_GATEWAY_DOMAIN: V(2) }) }),
    /DSTACK_GATEWAY_DOMAIN/,
    /pre-launch script/,
  ),
  cs(
    "reserved DSTACK_APP_DOMAIN",
    (w) => secrets(w, { env: env({ DSTACK_APP_DOMAIN: V(2) }) }),
    /DSTACK_APP_DOMAIN/,
    /pre-launch script/,
  ),
  cs(
    "DSTACK_DOCKER_* by hand alongside registry",
    (w) => secrets(w, { env: env({ DSTACK_DOCKER_USERNAME: "x" }), registryEnv: DOCKER_REGISTRY_ENV }),
    /DSTACK_DOCKER_USERNAME/,
    /registry/,
  ),
  cs(
    "DSTACK_AWS_* by hand alongside registry",
    (w) => secrets(w, { env: env({ DSTACK_AWS_ACCESS_KEY_ID: "AKIA" }), registryEnv: DOCKER_REGISTRY_ENV }),
    /DSTACK_AWS_ACCESS_KEY_ID/,
    /registry/,
  ),
  cs(
    "two private registries (DSTACK_DOCKER_* and DSTACK_AWS_*)",
    (w) =>
      secrets(w, {
        env: env({
          DSTACK_DOCKER_USERNAME: "u",
          DSTACK_DOCKER_PASSWORD: V(3),
          DSTACK_AWS_ACCESS_KEY_ID: "AKIAABCDEFGHIJKLMNOP",
          DSTACK_AWS_SECRET_ACCESS_KEY: V(4),
          DSTACK_AWS_REGION: "us-east-1",
          DSTACK_AWS_ECR_REGISTRY: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
        }),
      }),
    /env|DSTACK_DOCKER|DSTACK_AWS/,
    /one private registry only/,
  ),
  cs(
    "DSTACK_DOCKER_USERNAME without a password",
    (w) => secrets(w, { env: env({ DSTACK_DOCKER_USERNAME: "u" }) }),
    /DSTACK_DOCKER_PASSWORD/,
    /set together/,
  ),
  cs(
    "incomplete ECR variables by hand",
    (w) => secrets(w, { env: env({ DSTACK_AWS_ACCESS_KEY_ID: "AKIAABCDEFGHIJKLMNOP" }) }),
    /DSTACK_AWS_/,
    /ECR login needs all of/,
  ),
  // --- sizes and counts
  cs(
    "1025 keys",
    (w) => secrets(w, { env: Object.fromEntries(Array.from({ length: 1025 }, (_, i) => [`K_${i}`, V(i)])) }),
    /env/,
    /at most 1024 entries/,
  ),
  cs(
    "value over 128 KiB",
    (w) => secrets(w, { env: env({ BIG: V().padEnd(128 * 1024 + 1, "x") }) }),
    /env\.BIG/,
    /128 KiB/,
  ),
  cs(
    "encrypted env over 256 KiB",
    (w) =>
      secrets(w, {
        env: env({ A: "a".repeat(100_000), B: "b".repeat(100_000), C: `${V()}${"c".repeat(100_000)}` }),
      }),
    /env/,
    /256 KiB/,
  ),
  cs(
    "keys and values over 1 MiB",
    (w) =>
      secrets(w, {
        env: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`K${i}`, V(i).padEnd(120_000, "z")])),
      }),
    /env/,
    /exceed 1 MiB/,
  ),
  // --- CVMs
  cs("the same CVM twice", (w) => secrets(w, { cvms: [w.cvm, w.cvm] }), /cvms\[1\]/, /listed twice/),
  cs("no CVM", (w) => secrets(w, { cvms: [] }), /cvms/, /at least one CVM/),
  cs("cvms not a list", (w) => secrets(w, { cvms: w.cvm }), /cvms/, /must be a list/),
  cs("an empty CVM id", (w) => secrets(w, { cvms: [w.cvm, "  "] }), /cvms\[1\]/, /non-empty CVM id/),
  cs("a CVM id that is a number", (w) => secrets(w, { cvms: [42] }), /cvms\[0\]/, /non-empty CVM id/),
  cs(
    "unknown CVM",
    (w) => secrets(w, { cvms: [w.cvm, "cvm_doesNotExist"] }),
    /cvm_doesNotExist/,
    /404|not found/i,
    "apply",
  ),
  cs(
    "a CVM whose env was set outside the stack (no adopt)",
    (w) => secrets(w, { cvms: [w.foreign] }),
    /adopt/,
    /already carries an env/,
    "apply",
  ),
  // --- non-string values
  cs("a number value", (w) => secrets(w, { env: env({ PORT: 8080 }) }), /env\.PORT/, /must be strings/),
  cs("a boolean value", (w) => secrets(w, { env: env({ DEBUG: true }) }), /env\.DEBUG/, /must be strings/),
  cs("a null value", (w) => secrets(w, { env: env({ NOTHING: null }) }), /env\.NOTHING/, /must be strings/),
  cs(
    "an object value",
    (w) => secrets(w, { env: env({ OBJ: { nested: V(5) } }) }),
    /env\.OBJ/,
    /must be strings/,
  ),
  cs("env is a list", (w) => secrets(w, { env: [V()] }), /env/, /must be a map/),
  cs("env missing", (w) => ({ cvms: [w.cvm] }), /env/, /must be a map/),
  // --- rollout, composeCheck, kms, transactionHash
  cs(
    "maxUnavailable 0",
    (w) => secrets(w, { rollout: { maxUnavailable: 0 } }),
    /rollout\.maxUnavailable/,
    /at least 1/,
  ),
  cs(
    "maxUnavailable 1.5",
    (w) => secrets(w, { rollout: { maxUnavailable: 1.5 } }),
    /rollout\.maxUnavailable/,
    /whole number/,
  ),
  cs(
    "maxUnavailable as a string",
    (w) => secrets(w, { rollout: { maxUnavailable: "2" } }),
    /rollout\.maxUnavailable/,
    /whole number/,
  ),
  cs(
    "readyTimeoutSeconds 5",
    (w) => secrets(w, { rollout: { readyTimeoutSeconds: 5 } }),
    /rollout\.readyTimeoutSeconds/,
    /between 10 and 3600/,
  ),
  cs(
    "readyTimeoutSeconds 1 day",
    (w) => secrets(w, { rollout: { readyTimeoutSeconds: 86_400 } }),
    /rollout\.readyTimeoutSeconds/,
    /between 10 and 3600/,
  ),
  cs("rollout not an object", (w) => secrets(w, { rollout: 3 }), /rollout/, /must be an object/),
  cs(
    "composeCheck unknown mode",
    (w) => secrets(w, { composeCheck: "strict" }),
    /composeCheck/,
    /"error", "warn" or "off"/,
  ),
  cs("kms not an object", (w) => secrets(w, { kms: "pinned" }), /kms/, /must be an object/),
  cs(
    "trustedSigner not hex",
    (w) => secrets(w, { kms: { trustedSigner: "not-a-key" } }),
    /kms\.trustedSigner/,
    /secp256k1 public key/,
  ),
  cs(
    "trustedSigner too short",
    (w) => secrets(w, { kms: { trustedSigner: "02abcd" } }),
    /kms\.trustedSigner/,
    /33-byte compressed/,
  ),
  cs(
    "trustedSigner with a bad prefix",
    (w) => secrets(w, { kms: { trustedSigner: `05${"11".repeat(32)}` } }),
    /kms\.trustedSigner/,
    /secp256k1 public key/,
  ),
  cs(
    "trustedSigner off the curve",
    (w) => secrets(w, { kms: { trustedSigner: `04${"00".repeat(64)}` } }),
    /kms\.trustedSigner/,
    /secp256k1 public key/,
  ),
  cs(
    "wrong KMS signer (on-chain app)",
    (w) => ({ cvms: [w.onchain], env: env(), kms: { trustedSigner: otherSigner } }),
    /kms|signer/i,
    /not signed by the trusted KMS signer/,
    "apply",
  ),
  cs(
    "wrong KMS signer (Phala app, signer given)",
    (w) => secrets(w, { kms: { trustedSigner: otherSigner } }),
    /kms|signer/i,
    /not signed by the trusted KMS signer/,
    "apply",
  ),
  cs(
    "transactionHash without 0x",
    (w) => secrets(w, { transactionHash: "ab".repeat(32) }),
    /transactionHash/,
    /0x \+ 64 hex/,
  ),
  cs(
    "transactionHash too short",
    (w) => secrets(w, { transactionHash: "0x1234" }),
    /transactionHash/,
    /0x \+ 64 hex/,
  ),
  cs(
    "transactionHash a number",
    (w) => secrets(w, { transactionHash: 7 }),
    /transactionHash/,
    /0x \+ 64 hex/,
  ),
  // --- API-side facts, before the first write
  {
    ...cs(
      "wrong API key",
      (w) => secrets(w, {}),
      /API key|apiKey|X-API-Key/i,
      /401|Invalid API key|Not authenticated/i,
      "apply",
    ),
    before: () => {
      resetSettings();
      process.env.PHALA_CLOUD_API_KEY = `phak_wrong_${SECRET}`;
    },
  },
  cs(
    "compose needs a key env lacks",
    (w) => ({ cvms: [w.cvm], env: { OTHER: V() } }),
    /API_KEY/,
    /compose|missing/i,
    "apply",
  ),
  // --- RegistryCredential: every type's missing or malformed fields
  rc("unknown registry type", { type: "dockerhubb", username: "u", password: V() }, /type/, /must be one of/),
  rc("dockerhub without a password", { type: "dockerhub", username: "acme" }, /password/, /is required/),
  rc(
    "dockerhub with an e-mail as username",
    { type: "dockerhub", username: "a@b.c", password: V() },
    /username/,
    /Docker ID/,
  ),
  rc(
    "dockerhub with token and password",
    { type: "dockerhub", username: "acme", password: V(), token: V(2) },
    /token/,
    /not both/,
  ),
  rc(
    "dockerhub on another registry",
    { type: "dockerhub", registry: "ghcr.io", username: "acme", password: V() },
    /registry/,
    /docker\.io/,
  ),
  rc("ghcr without a token", { type: "ghcr", username: "acme" }, /token/, /is required/),
  rc(
    "ghcr username with ':'",
    { type: "ghcr", username: "acme:bot", token: V() },
    /username/,
    /must not contain ':'/,
  ),
  rc(
    "ghcr with an empty username",
    { type: "ghcr", username: "", token: V() },
    /username/,
    /must not be empty/,
  ),
  rc(
    "ghcr token with a newline",
    { type: "ghcr", username: "acme", token: `${V()}\n` },
    /token/,
    /whitespace|control/,
  ),
  rc(
    "ghcr on docker.io",
    { type: "ghcr", registry: "docker.io", username: "acme", token: V() },
    /registry/,
    /must be ghcr\.io/,
  ),
  rc(
    "ghcr with an unknown field",
    { type: "ghcr", username: "acme", token: V(), user: "x" },
    /user/,
    /not an input/,
  ),
  rc(
    "ecr with a bad access key id",
    {
      type: "ecr",
      ecr: {
        accessKeyId: "bad",
        secretAccessKey: V(),
        registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
      },
    },
    /ecr\.accessKeyId/,
    /AWS access key id/,
  ),
  rc(
    "ecr without registry or account",
    { type: "ecr", ecr: { accessKeyId: "AKIAABCDEFGHIJKLMNOP", secretAccessKey: V() } },
    /ecr\.registry/,
    /is required/,
  ),
  rc(
    "ecr region differs from the registry",
    {
      type: "ecr",
      ecr: {
        accessKeyId: "AKIAABCDEFGHIJKLMNOP",
        secretAccessKey: V(),
        registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
        region: "eu-west-1",
      },
    },
    /ecr\.region/,
    /must equal the region/,
  ),
  rc(
    "ecr temporary key without session token",
    {
      type: "ecr",
      ecr: {
        accessKeyId: "ASIAABCDEFGHIJKLMNOP",
        secretAccessKey: V(),
        registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
      },
    },
    /ecr\.sessionToken/,
    /temporary/,
  ),
  rc(
    "ecr registry not an ECR host",
    { type: "ecr", ecr: { accessKeyId: "AKIAABCDEFGHIJKLMNOP", secretAccessKey: V(), registry: "ghcr.io" } },
    /ecr\.registry/,
    /private ECR host/,
  ),
  rc(
    "ecr endpoint with a path",
    {
      type: "ecr",
      ecr: {
        accessKeyId: "AKIAABCDEFGHIJKLMNOP",
        secretAccessKey: V(),
        registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
        endpoint: "https://x.example/path",
      },
    },
    /ecr\.endpoint/,
    /no path/,
  ),
  rc(
    "acr on a non-Azure host",
    { type: "acr", registry: "acme.example.com", username: "sp", password: V() },
    /registry/,
    /NAME\.azurecr\.io/,
  ),
  rc(
    "acr without a registry",
    { type: "acr", username: "sp", password: V() },
    /registry/,
    /expected string|required/,
  ),
  rc("gcr without a key", { type: "gcr" }, /serviceAccountKey/, /is required/),
  rc(
    "gcr with a key that is not a service account",
    { type: "gcr", username: "_json_key", password: JSON.stringify({ secret: V() }) },
    /password/,
    /service_account/,
  ),
  rc(
    "gcr with a bad host",
    { type: "gcr", registry: "gcr.example.com", serviceAccountKey: SA_KEY },
    /registry/,
    /must be one of/,
  ),
  rc(
    "gcr oauth2accesstoken with a key",
    { type: "gcr", username: "oauth2accesstoken", serviceAccountKey: SA_KEY },
    /username/,
    /_json_key/,
  ),
  rc(
    "gar without registry or region",
    { type: "gar", serviceAccountKey: SA_KEY },
    /registry/,
    /LOCATION-docker\.pkg\.dev/,
  ),
  rc(
    "gar region differs from the registry",
    { type: "gar", registry: "us-central1-docker.pkg.dev", region: "europe", serviceAccountKey: SA_KEY },
    /region/,
    /must equal the location/,
  ),
  rc(
    "quay with a non-robot username",
    { type: "quay", username: "alice", token: V() },
    /username/,
    /robot account/,
  ),
  rc("gitlab without a token", { type: "gitlab", username: "deploy" }, /token/, /is required/),
  rc(
    "custom without a registry",
    { type: "custom", username: "u", password: V() },
    /registry/,
    /expected string|required/,
  ),
  rc(
    "custom with a bad host",
    { type: "custom", registry: "not a host!", username: "u", password: V() },
    /registry/,
    /DNS labels/,
  ),
  rc(
    "public with a password",
    { type: "public", password: V() },
    /password/,
    /not an input of a public credential/,
  ),
  // --- malformed image references (verify.image)
  rc(
    "image with an uppercase repository",
    { type: "ghcr", username: "acme", token: V(), verify: { image: "ghcr.io/Acme/API:1" } },
    /verify\.image/,
    /lowercase/,
  ),
  rc(
    "image with an empty tag",
    { type: "ghcr", username: "acme", token: V(), verify: { image: "ghcr.io/acme/api:" } },
    /verify\.image/,
    /tag/,
  ),
  rc(
    "image on another registry",
    { type: "ghcr", username: "acme", token: V(), verify: { image: "docker.io/library/nginx" } },
    /verify\.image/,
    /would not be used/,
  ),
  rc(
    "image with a bad digest",
    { type: "ghcr", username: "acme", token: V(), verify: { image: "ghcr.io/acme/api@sha256:xyz" } },
    /verify\.image/,
    /digest/,
  ),
  rc(
    "image not a string",
    { type: "ghcr", username: "acme", token: V(), verify: { image: 42 } },
    /verify\.image/,
    /image reference string/,
  ),
  rc(
    "verify with an unknown field",
    { type: "ghcr", username: "acme", token: V(), verify: { imag: "ghcr.io/acme/api:1" } },
    /verify\.imag/,
    /not an input of verify/,
  ),
  rc(
    "verify timeout out of range",
    { type: "ghcr", username: "acme", token: V(), verify: { timeoutSeconds: 0 } },
    /verify\.timeoutSeconds/,
    /1 to 300/,
  ),
];

/**
 * A check result as the CLI shows it. Every failure has an empty `property` (the engine would
 * print the input's value next to a named property) and the input's path in the reason.
 */
function failureText(failures: Array<{ property: string; reason: string }> | undefined): string {
  for (const f of failures ?? []) expect(f.property).toBe("");
  return (failures ?? []).map((f) => f.reason).join("; ");
}

let world: World;

beforeAll(async () => {
  const emu = await startEmulator({ restartMs: 20 });
  const cvm = (await emu.admin.createCvm({ name: "gauntlet-input", docker_compose_file: COMPOSE })).id;
  const onchain = (
    await emu.admin.createCvm({ name: "gauntlet-onchain", kms: "ethereum", docker_compose_file: COMPOSE })
  ).id;
  const foreign = (
    await emu.admin.createCvm({
      name: "gauntlet-foreign",
      docker_compose_file: COMPOSE,
      allowed_envs: ["API_KEY"],
      // An env is there (an allow-list alone, with no env behind it, is nobody's to protect).
      encrypted_env: "00".repeat(100),
    })
  ).id;
  world = { emu, cvm, onchain, foreign };
});
afterAll(async () => {
  await world.emu.close();
});
beforeEach(() => useEmulator(world.emu));

const seen: Array<{ name: string; stage: string; text: string }> = [];
afterAll(() => {
  console.log(
    `[gauntlet-input] ${seen.length} cases:\n${seen.map((s) => `  ${s.stage.padEnd(5)} ${s.name}: ${s.text.slice(0, 160)}`).join("\n")}`,
  );
});

test("the table has at least 40 cases, across both resources", () => {
  expect(CASES.length).toBeGreaterThanOrEqual(40);
  expect(CASES.filter((c) => c.resource === "RegistryCredential").length).toBeGreaterThanOrEqual(15);
  expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
});

describe("bad input fails before any write, naming the input and the rule, never a value", () => {
  test.each(CASES.map((c) => [`${c.resource}: ${c.name}`, c] as const))("%s", async (_name, c) => {
    const writes = (await world.emu.admin.counts()).writes;
    c.before?.(world);
    let stage: string;
    let text: string;
    const original = console.error;
    console.error = () => {}; // the provider's info lines (warnings, diff summaries)
    try {
      if (c.resource === "RegistryCredential") {
        const r = (await registry.check({}, c.args(world))) as {
          failures?: Array<{ property: string; reason: string }>;
        };
        stage = r.failures && r.failures.length > 0 ? "check" : "none";
        text = failureText(r.failures);
      } else {
        try {
          const r = await up(undefined, c.args(world));
          stage = r.failures ? "check" : "none";
          text = failureText(r.failures);
        } catch (error) {
          stage = "apply";
          text = (error as Error).message;
        }
      }
    } finally {
      console.error = original;
    }
    seen.push({ name: c.name, stage, text });
    expect({ stage, text }).toEqual({ stage: c.stage, text: expect.stringMatching(c.input) });
    expect(text).toMatch(c.rule);
    expect(text).not.toContain(SECRET);
    expect((await world.emu.admin.counts()).writes).toBe(writes);
  });
});

// Message quality: a missing required `registry` (acr, custom) surfaces zod's generic
// "Invalid input: expected string, received undefined" instead of the project's "is required"
// wording every other missing field uses (provider/core/registry/schemas.ts: `registry` of
// acrSchema and customSchema is `registryField()` with no custom required message).
test("a missing required registry says what is required, like every other missing field", async () => {
  for (const type of ["acr", "custom"]) {
    const r = (await registry.check({}, { type, username: "u", password: V() })) as {
      failures?: Array<{ property: string; reason: string }>;
    };
    expect(failureText(r.failures)).toMatch(/^registry: is required/);
  }
});
