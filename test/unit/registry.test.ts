import fc from "fast-check";
import {
  akashCredentials,
  type Credential,
  cvmEnv,
  dockerConfigJson,
  normaliseRegistryType,
  REGISTRY_TYPES,
  validateCredential,
} from "../../provider/core/registry/index";
import { CvmSecretsError } from "../../provider/errors";

const SECRET = "s3cr3t-VALUE-never-shown";
const SA = {
  type: "service_account",
  client_email: "ci@proj.iam.gserviceaccount.com",
  private_key: `-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----\n`,
};
const SA_JSON = JSON.stringify(SA);
const SA_B64 = Buffer.from(SA_JSON).toString("base64");
const AKID = "AKIAIOSFODNN7EXAMPLE";

function ok(input: unknown): Credential {
  const r = validateCredential(input);
  if (!r.ok) throw new Error(`unexpected failures: ${JSON.stringify(r.failures)}`);
  return r.credential;
}

function fails(input: unknown): { property: string; reason: string }[] {
  const r = validateCredential(input);
  if (r.ok) throw new Error("expected failures");
  // No failure may echo any value we passed in.
  const text = JSON.stringify(r.failures);
  for (const s of [SECRET, SA_B64, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "alice@example.com"])
    expect(text).not.toContain(s);
  return r.failures;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("normaliseRegistryType", () => {
  it.each([
    ["dockerhub", "dockerhub"],
    ["Docker", "dockerhub"],
    ["docker.io", "dockerhub"],
    ["Docker Hub", "dockerhub"],
    ["GHCR", "ghcr"],
    ["ECR", "ecr"],
    ["ACR", "acr"],
    ["GCR", "gcr"],
    ["GAR", "gar"],
    ["Quay", "quay"],
    ["GitLab", "gitlab"],
    ["Custom", "custom"],
    ["Public", "public"],
  ])("%s → %s", (input, type) => expect(normaliseRegistryType(input)).toBe(type));
  it("rejects unknown names and non-strings", () => {
    expect(normaliseRegistryType("harbour")).toBeUndefined();
    expect(normaliseRegistryType(3)).toBeUndefined();
  });
  it("is case-insensitive for every canonical type", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...REGISTRY_TYPES),
        fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
        (t, up) => {
          const mixed = [...t].map((c, i) => (up[i % 10] ? c.toUpperCase() : c)).join("");
          expect(normaliseRegistryType(mixed)).toBe(t);
        },
      ),
    );
  });
});

// Golden outputs per type: [input, cvmEnv, dockerconfig key, username, password].
const golden: [string, Record<string, unknown>, Record<string, string>, string, string, string][] = [
  [
    "dockerhub",
    { type: "Docker", username: "alice", password: SECRET },
    { DSTACK_DOCKER_REGISTRY: "docker.io", DSTACK_DOCKER_USERNAME: "alice", DSTACK_DOCKER_PASSWORD: SECRET },
    "https://index.docker.io/v1/",
    "alice",
    SECRET,
  ],
  [
    "dockerhub via https://index.docker.io/v1/",
    { type: "dockerhub", registry: "https://index.docker.io/v1/", username: "alice", token: SECRET },
    { DSTACK_DOCKER_REGISTRY: "docker.io", DSTACK_DOCKER_USERNAME: "alice", DSTACK_DOCKER_PASSWORD: SECRET },
    "https://index.docker.io/v1/",
    "alice",
    SECRET,
  ],
  [
    "ghcr",
    { type: "GHCR", username: "octo", token: SECRET },
    { DSTACK_DOCKER_REGISTRY: "ghcr.io", DSTACK_DOCKER_USERNAME: "octo", DSTACK_DOCKER_PASSWORD: SECRET },
    "ghcr.io",
    "octo",
    SECRET,
  ],
  [
    "acr",
    {
      type: "ACR",
      registry: "https://MyReg01.azurecr.io",
      username: "00000000-1111-2222-3333-444444444444",
      password: SECRET,
    },
    {
      DSTACK_DOCKER_REGISTRY: "myreg01.azurecr.io",
      DSTACK_DOCKER_USERNAME: "00000000-1111-2222-3333-444444444444",
      DSTACK_DOCKER_PASSWORD: SECRET,
    },
    "myreg01.azurecr.io",
    "00000000-1111-2222-3333-444444444444",
    SECRET,
  ],
  [
    "gcr (serviceAccountKey JSON → _json_key_base64)",
    { type: "GCR", serviceAccountKey: `  ${JSON.stringify(SA, null, 2)}\n` },
    {
      DSTACK_DOCKER_REGISTRY: "gcr.io",
      DSTACK_DOCKER_USERNAME: "_json_key_base64",
      DSTACK_DOCKER_PASSWORD: SA_B64,
    },
    "gcr.io",
    "_json_key_base64",
    SA_B64,
  ],
  [
    "gcr (_json_key)",
    { type: "gcr", registry: "eu.gcr.io", username: "_json_key", serviceAccountKey: SA_B64 },
    {
      DSTACK_DOCKER_REGISTRY: "eu.gcr.io",
      DSTACK_DOCKER_USERNAME: "_json_key",
      DSTACK_DOCKER_PASSWORD: SA_JSON,
    },
    "eu.gcr.io",
    "_json_key",
    SA_JSON,
  ],
  [
    "gar (region)",
    { type: "GAR", region: "us-central1", username: "_json_key_base64", password: SA_B64 },
    {
      DSTACK_DOCKER_REGISTRY: "us-central1-docker.pkg.dev",
      DSTACK_DOCKER_USERNAME: "_json_key_base64",
      DSTACK_DOCKER_PASSWORD: SA_B64,
    },
    "us-central1-docker.pkg.dev",
    "_json_key_base64",
    SA_B64,
  ],
  [
    "gar (registry, oauth2accesstoken)",
    { type: "gar", registry: "europe-docker.pkg.dev", username: "oauth2accesstoken", password: SECRET },
    {
      DSTACK_DOCKER_REGISTRY: "europe-docker.pkg.dev",
      DSTACK_DOCKER_USERNAME: "oauth2accesstoken",
      DSTACK_DOCKER_PASSWORD: SECRET,
    },
    "europe-docker.pkg.dev",
    "oauth2accesstoken",
    SECRET,
  ],
  [
    "quay",
    { type: "Quay", username: "acme+deployer", token: SECRET },
    {
      DSTACK_DOCKER_REGISTRY: "quay.io",
      DSTACK_DOCKER_USERNAME: "acme+deployer",
      DSTACK_DOCKER_PASSWORD: SECRET,
    },
    "quay.io",
    "acme+deployer",
    SECRET,
  ],
  [
    "gitlab (default host)",
    { type: "gitlab", username: "gitlab+deploy-token-7", token: SECRET },
    {
      DSTACK_DOCKER_REGISTRY: "registry.gitlab.com",
      DSTACK_DOCKER_USERNAME: "gitlab+deploy-token-7",
      DSTACK_DOCKER_PASSWORD: SECRET,
    },
    "registry.gitlab.com",
    "gitlab+deploy-token-7",
    SECRET,
  ],
  [
    "gitlab (self-managed with port)",
    { type: "gitlab", registry: "gitlab.example.com:5050", username: "ci", token: SECRET },
    {
      DSTACK_DOCKER_REGISTRY: "gitlab.example.com:5050",
      DSTACK_DOCKER_USERNAME: "ci",
      DSTACK_DOCKER_PASSWORD: SECRET,
    },
    "gitlab.example.com:5050",
    "ci",
    SECRET,
  ],
  [
    "custom",
    { type: "Custom", registry: "http://127.0.0.1:5000/", username: "robot$ci", password: SECRET },
    {
      DSTACK_DOCKER_REGISTRY: "127.0.0.1:5000",
      DSTACK_DOCKER_USERNAME: "robot$ci",
      DSTACK_DOCKER_PASSWORD: SECRET,
    },
    "127.0.0.1:5000",
    "robot$ci",
    SECRET,
  ],
];

describe("golden renderings per type", () => {
  it.each(golden)("%s", (_name, input, env, key, username, password) => {
    const c = ok(input);
    expect(cvmEnv(c)).toEqual(env);
    const expected = { auths: { [key]: { username, password, auth: b64(`${username}:${password}`) } } };
    expect(dockerConfigJson(c)).toBe(JSON.stringify(expected));
    expect(akashCredentials(c)).toEqual({ host: key, username, password });
  });

  it("custom over http:// is marked insecure", () => {
    expect(
      ok({ type: "custom", registry: "http://127.0.0.1:5000", username: "u", password: SECRET }).insecure,
    ).toBe(true);
    expect(ok({ type: "custom", registry: "r.example.com", username: "u", password: SECRET }).insecure).toBe(
      false,
    );
  });

  it("public renders nothing", () => {
    const c = ok({ type: "Public" });
    expect(c).toEqual({ type: "public", registry: "docker.io", insecure: false });
    expect(cvmEnv(c)).toEqual({});
    expect(dockerConfigJson(c)).toBe('{"auths":{}}');
    expect(akashCredentials(c)).toBeUndefined();
    expect(ok({ type: "public", registry: "ghcr.io" }).registry).toBe("ghcr.io");
  });

  it("ecr renders the DSTACK_AWS_* variables and needs a token for the others", () => {
    const c = ok({
      type: "ECR",
      ecr: {
        accessKeyId: AKID,
        secretAccessKey: SECRET,
        registry: "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/",
      },
    });
    expect(c).toMatchObject({
      type: "ecr",
      registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
      accountId: "123456789012",
      region: "eu-west-1",
    });
    expect(cvmEnv(c)).toEqual({
      DSTACK_AWS_ACCESS_KEY_ID: AKID,
      DSTACK_AWS_SECRET_ACCESS_KEY: SECRET,
      DSTACK_AWS_REGION: "eu-west-1",
      DSTACK_AWS_ECR_REGISTRY: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    });
    expect(() => dockerConfigJson(c)).toThrow(CvmSecretsError);
    expect(() => akashCredentials(c)).toThrow(/GetAuthorizationToken/);
    const token = { username: "AWS", password: "tok" };
    expect(JSON.parse(dockerConfigJson(c, token))).toEqual({
      auths: {
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com": {
          username: "AWS",
          password: "tok",
          auth: b64("AWS:tok"),
        },
      },
    });
    expect(akashCredentials(c, token)).toEqual({
      host: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
      username: "AWS",
      password: "tok",
    });
  });

  it("ecr from accountId + region, with a session token", () => {
    const c = ok({
      type: "ecr",
      ecr: {
        accessKeyId: "ASIAIOSFODNN7EXAMPLE",
        secretAccessKey: SECRET,
        sessionToken: "FwoG",
        accountId: "123456789012",
        region: "cn-north-1",
      },
    });
    expect(cvmEnv(c)).toEqual({
      DSTACK_AWS_ACCESS_KEY_ID: "ASIAIOSFODNN7EXAMPLE",
      DSTACK_AWS_SECRET_ACCESS_KEY: SECRET,
      DSTACK_AWS_REGION: "cn-north-1",
      DSTACK_AWS_ECR_REGISTRY: "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
      DSTACK_AWS_SESSION_TOKEN: "FwoG",
    });
  });

  it("ignores the resource-only verify input and undefined optionals", () => {
    expect(
      ok({
        type: "ghcr",
        username: "octo",
        token: SECRET,
        password: undefined,
        verify: { image: "ghcr.io/o/a" },
      }).type,
    ).toBe("ghcr");
  });
});

// [input, expected property, reason pattern]
const bad: [string, Record<string, unknown>, string, RegExp][] = [
  ["unknown type", { type: "harbour", username: "u", password: SECRET }, "type", /must be one of dockerhub/],
  ["missing type", { username: "u", password: SECRET }, "type", /must be one of/],
  [
    "hub e-mail username",
    { type: "dockerhub", username: "alice@example.com", password: SECRET },
    "username",
    /Docker ID/,
  ],
  [
    "hub wrong registry",
    { type: "dockerhub", registry: "ghcr.io", username: "a", password: SECRET },
    "registry",
    /docker\.io/,
  ],
  ["missing secret", { type: "ghcr", username: "octo" }, "token", /required/],
  ["both secrets", { type: "ghcr", username: "octo", token: SECRET, password: SECRET }, "token", /not both/],
  [
    "colon in username",
    { type: "custom", registry: "r.io", username: "a:b", password: SECRET },
    "username",
    /':'/,
  ],
  [
    "empty username",
    { type: "custom", registry: "r.io", username: "", password: SECRET },
    "username",
    /empty/,
  ],
  [
    "whitespace password",
    { type: "custom", registry: "r.io", username: "u", password: ` ${SECRET}` },
    "password",
    /whitespace/,
  ],
  ["newline in token", { type: "gitlab", username: "u", token: `${SECRET}\nx` }, "token", /control/],
  [
    "custom without registry",
    { type: "custom", username: "u", password: SECRET },
    "registry",
    /Invalid input|required/,
  ],
  [
    "custom bad host",
    { type: "custom", registry: "bad_host", username: "u", password: SECRET },
    "registry",
    /DNS/,
  ],
  [
    "ghcr wrong host",
    { type: "ghcr", registry: "quay.io", username: "u", token: SECRET },
    "registry",
    /ghcr\.io/,
  ],
  [
    "acr not azurecr",
    { type: "acr", registry: "myreg.example.com", username: "u", password: SECRET },
    "registry",
    /azurecr\.io/,
  ],
  ["quay not robot", { type: "quay", username: "alice", token: SECRET }, "username", /namespace\+robot/],
  [
    "unknown key",
    { type: "ghcr", username: "u", token: SECRET, email: "x" },
    "email",
    /not an input of a ghcr/,
  ],
  [
    "public with credentials",
    { type: "public", username: "u", password: SECRET },
    "username",
    /not an input of a public/,
  ],
  [
    "gcr bad host",
    { type: "gcr", registry: "gcr.example.com", serviceAccountKey: SA_JSON },
    "registry",
    /gcr\.io/,
  ],
  ["gcr no key", { type: "gcr" }, "serviceAccountKey", /required/],
  [
    "gcr key not SA",
    { type: "gcr", serviceAccountKey: JSON.stringify({ type: "user", secret: SECRET }) },
    "serviceAccountKey",
    /service_account/,
  ],
  [
    "gcr key not json",
    { type: "gcr", serviceAccountKey: `{${SECRET}` },
    "serviceAccountKey",
    /not valid JSON/,
  ],
  [
    "gcr _json_key with base64",
    { type: "gcr", username: "_json_key", password: SA_B64 },
    "password",
    /JSON key/,
  ],
  [
    "gcr _json_key_base64 with json",
    { type: "gcr", username: "_json_key_base64", password: SA_JSON },
    "password",
    /base64/,
  ],
  ["gcr bad username", { type: "gcr", username: "admin", password: SECRET }, "username", /_json_key/],
  ["gcr password without username", { type: "gcr", password: SA_B64 }, "username", /required/],
  ["gar missing host", { type: "gar", serviceAccountKey: SA_JSON }, "registry", /docker\.pkg\.dev/],
  [
    "gar wrong host",
    { type: "gar", registry: "gcr.io", serviceAccountKey: SA_JSON },
    "registry",
    /docker\.pkg\.dev/,
  ],
  [
    "gar region mismatch",
    { type: "gar", registry: "us-docker.pkg.dev", region: "europe", serviceAccountKey: SA_JSON },
    "region",
    /location/,
  ],
  ["ecr no ecr block", { type: "ecr" }, "ecr", /^is required for an ecr credential: give an object/],
  [
    "ecr bad key id",
    {
      type: "ecr",
      ecr: {
        accessKeyId: "akia-lower",
        secretAccessKey: SECRET,
        registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
      },
    },
    "ecr.accessKeyId",
    /access key id/,
  ],
  [
    "ecr no host",
    { type: "ecr", ecr: { accessKeyId: AKID, secretAccessKey: SECRET } },
    "ecr.registry",
    /required/,
  ],
  [
    "ecr account without region",
    { type: "ecr", ecr: { accessKeyId: AKID, secretAccessKey: SECRET, accountId: "123456789012" } },
    "ecr.region",
    /required/,
  ],
  [
    "ecr bad region",
    {
      type: "ecr",
      ecr: { accessKeyId: AKID, secretAccessKey: SECRET, accountId: "123456789012", region: "Mars" },
    },
    "ecr.region",
    /AWS region/,
  ],
  [
    "ecr region mismatch",
    {
      type: "ecr",
      ecr: {
        accessKeyId: AKID,
        secretAccessKey: SECRET,
        region: "us-west-2",
        registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
      },
    },
    "ecr.region",
    /must equal/,
  ],
  [
    "ecr account mismatch",
    {
      type: "ecr",
      ecr: {
        accessKeyId: AKID,
        secretAccessKey: SECRET,
        accountId: "000000000000",
        registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
      },
    },
    "ecr.accountId",
    /must equal/,
  ],
  [
    "ecr not an ecr host",
    { type: "ecr", ecr: { accessKeyId: AKID, secretAccessKey: SECRET, registry: "public.ecr.aws" } },
    "ecr.registry",
    /private ECR host/,
  ],
  [
    "ecr temporary key without session token",
    {
      type: "ecr",
      ecr: {
        accessKeyId: "ASIAIOSFODNN7EXAMPLE",
        secretAccessKey: SECRET,
        accountId: "123456789012",
        region: "us-east-1",
      },
    },
    "ecr.sessionToken",
    /temporary/,
  ],
  [
    "ecr secret with whitespace",
    {
      type: "ecr",
      ecr: {
        accessKeyId: AKID,
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY ",
        accountId: "123456789012",
        region: "us-east-1",
      },
    },
    "ecr.secretAccessKey",
    /whitespace/,
  ],
  [
    "non-string password",
    { type: "custom", registry: "r.io", username: "u", password: 42 },
    "password",
    /^must be a string in a custom credential: give/,
  ],
];

describe("validation failures name the property and the rule, never a value", () => {
  it.each(bad)("%s", (_name, input, property, reason) => {
    const f = fails(input);
    const hit = f.find((x) => x.property === property);
    expect(hit).toBeDefined();
    expect(hit?.reason).toMatch(reason);
  });

  it("non-objects fail", () => {
    expect(fails("x")).toEqual([{ property: "", reason: "the credential must be an object" }]);
    expect(fails(null)[0]?.property).toBe("");
  });

  it("random secrets never appear in failure reasons", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...REGISTRY_TYPES),
        fc.string({ minLength: 12, maxLength: 40 }),
        fc.string({ maxLength: 20 }),
        (type, secret, user) => {
          const inputs = [
            { type, username: user, password: secret, token: secret },
            { type, registry: secret, username: secret, password: secret },
            {
              type,
              serviceAccountKey: secret,
              ecr: { accessKeyId: secret, secretAccessKey: secret, sessionToken: secret, registry: secret },
            },
          ];
          for (const input of inputs) {
            const r = validateCredential(input);
            if (!r.ok) for (const f of r.failures) expect(f.reason).not.toContain(secret);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("renderer properties", () => {
  const userArb = fc.string({
    unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-_.$"),
    minLength: 1,
    maxLength: 20,
  });
  const passArb = fc
    .string({ unit: "grapheme", minLength: 1, maxLength: 40 })
    .filter((s) => s.trim() === s && !/\p{Cc}/u.test(s));

  it("dockerconfigjson auth decodes to user:password, split at the first ':'", () => {
    fc.assert(
      fc.property(userArb, passArb, (username, password) => {
        const c = ok({ type: "custom", registry: "r.example.com:5000", username, password });
        const parsed = JSON.parse(dockerConfigJson(c)) as {
          auths: Record<string, { auth: string; username: string; password: string }>;
        };
        const entry = parsed.auths["r.example.com:5000"];
        expect(entry).toBeDefined();
        const decoded = Buffer.from(entry?.auth ?? "", "base64").toString("utf8");
        const i = decoded.indexOf(":");
        expect(decoded.slice(0, i)).toBe(username);
        expect(decoded.slice(i + 1)).toBe(password);
        expect(cvmEnv(c).DSTACK_DOCKER_PASSWORD).toBe(password);
        expect(akashCredentials(c)).toEqual({ host: "r.example.com:5000", username, password });
      }),
    );
  });
});
