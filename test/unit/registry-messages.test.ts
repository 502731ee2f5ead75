/**
 * Every schema failure of every registry type states the rule in words (issue 21: a ghcr
 * credential without `username` said "Invalid input: expected string, received undefined"):
 * which input, what a credential of that type needs there, what to give — for a missing
 * required input, one of another type, and an input the type does not take. Exact messages.
 */
import { validateCredential } from "../../provider/core/registry/validate";

const PW = "registry-message-secret-41";

/** The failures of an input, as `property: reason`. */
function failures(input: Record<string, unknown>): string[] {
  const r = validateCredential(input);
  if (r.ok) throw new Error("expected failures");
  return r.failures.map((f) => `${f.property}: ${f.reason}`);
}

test.each<[string, Record<string, unknown>, string[]]>([
  [
    "dockerhub without username",
    { type: "dockerhub", password: PW },
    ["username: is required for a dockerhub credential: give the Docker ID (not the e-mail address)"],
  ],
  [
    "ghcr without username",
    { type: "ghcr", token: PW },
    ["username: is required for a ghcr credential: give the GitHub user that owns the token"],
  ],
  [
    "ecr without its block",
    { type: "ecr" },
    [
      "ecr: is required for an ecr credential: give an object with accessKeyId, secretAccessKey and registry (or accountId and region)",
    ],
  ],
  [
    "ecr with an empty block",
    { type: "ecr", ecr: {} },
    [
      "ecr.accessKeyId: is required for an ecr credential: give the IAM access key id (AKIA… or ASIA…, 16-128 uppercase letters and digits)",
      "ecr.secretAccessKey: is required for an ecr credential: give the IAM secret access key",
    ],
  ],
  [
    "acr without registry and username",
    { type: "acr", password: PW },
    [
      "registry: is required for an acr credential: give the login server NAME.azurecr.io",
      "username: is required for an acr credential: give the service principal's application id, the admin user or a token name",
    ],
  ],
  [
    "gcr without a key",
    { type: "gcr" },
    ["serviceAccountKey: is required (the service-account JSON key), or give username and password"],
  ],
  [
    "gar without a host and a key",
    { type: "gar" },
    [
      "registry: is required (LOCATION-docker.pkg.dev), or give region",
      "serviceAccountKey: is required (the service-account JSON key), or give username and password",
    ],
  ],
  [
    "quay without username",
    { type: "quay", token: PW },
    ["username: is required for a quay credential: give the robot account, namespace+robot"],
  ],
  [
    "gitlab without username",
    { type: "gitlab", token: PW },
    [
      "username: is required for a gitlab credential: give the deploy token's username (or the user of an access token)",
    ],
  ],
  [
    "custom without registry and username",
    { type: "custom", password: PW },
    [
      "registry: is required for a custom credential: give the registry host, e.g. registry.example.com:5000",
      "username: is required for a custom credential: give the registry user",
    ],
  ],
  [
    "public with a username",
    { type: "public", username: "u" },
    ["username: is not an input of a public credential (its inputs: type, registry, verify)"],
  ],
  [
    "ghcr with a username of another type",
    { type: "ghcr", username: 7, token: PW },
    ["username: must be a string in a ghcr credential: give the GitHub user that owns the token"],
  ],
  [
    "ecr with a registry at the top level",
    {
      type: "ecr",
      registry: "x.io",
      ecr: {
        accessKeyId: "AKIAABCDEFGHIJKLMNOP",
        secretAccessKey: PW,
        registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
      },
    },
    ["registry: is not an input of an ecr credential (its inputs: type, ecr, verify)"],
  ],
])("%s", (_name, input, expected) => {
  const got = failures(input);
  expect(got).toEqual(expected);
  for (const line of got) expect(line).not.toMatch(/Invalid input|expected \w+, received/);
  expect(got.join("\n")).not.toContain(PW);
});

test("no failure of any type, for any input left out or of another type, is zod's own wording", () => {
  const types = ["dockerhub", "ghcr", "ecr", "acr", "gcr", "gar", "quay", "gitlab", "custom", "public"];
  const odd = { username: 5, password: 7, token: 8, registry: 4, region: 1, serviceAccountKey: 2, ecr: 3 };
  for (const type of types) {
    for (const input of [{ type }, { type, ...odd }, { type, ecr: { accessKeyId: 1, secretAccessKey: 2 } }]) {
      const r = validateCredential(input);
      if (r.ok) continue;
      for (const f of r.failures)
        expect(`${type} ${f.property}: ${f.reason}`).not.toMatch(/Invalid input|received/);
    }
  }
});
