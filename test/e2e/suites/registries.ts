/**
 * examples/registries on the real engine: one credential of each type passes check, renders the
 * right host and CVM variable names, keeps every credential-bearing output secret, and a second
 * preview is a no-op. ECR talks to a local stand-in of the ECR API (SigV4-checked).
 *
 * State is checked per resource: every credential input (password, token, service account key,
 * the ECR keys) and the ECR token are secrets there, and the renderings (`cvmEnv`,
 * `dockerConfigJson`, `akashCredentials`, made in the program) are in no state at all. Run for
 * the dynamic classes (registries.dynamic.test.ts) and through the provider plugin
 * (registries.plugin.test.ts).
 */
import {
  type E2eStack,
  e2eStack,
  expectNoLeak,
  exportState,
  QUIET,
  setSecrets,
  type TypeScriptFlavour,
  typeToken,
} from "../../support/e2e";
import { type EcrStandIn, startEcrStandIn } from "../../support/registry-server";

const SA_KEY = JSON.stringify({
  type: "service_account",
  project_id: "acme-prod",
  private_key_id: "k1",
  private_key: "-----BEGIN PRIVATE KEY-----\nMIIE-e2e-registries-fake\n-----END PRIVATE KEY-----\n",
  client_email: "puller@acme-prod.iam.gserviceaccount.com",
});
const SECRETS = {
  dockerhubToken: "dckr_pat_e2e_registries_1",
  ghcrToken: "ghp_e2e_registries_2",
  awsSecretAccessKey: "aws-secret-e2e-registries-3",
  acrPassword: "acr-pw-e2e-registries-4",
  gcpServiceAccountKey: SA_KEY,
  quayToken: "quay-token-e2e-registries-5",
  gitlabToken: "glpat-e2e-registries-6",
  customPassword: "custom-pw-e2e-registries-7",
};

/** What a username/password registry renders: its host and the three DSTACK_DOCKER_* names. */
const docker = (registry: string) => ({
  registry,
  cvmEnvKeys: ["DSTACK_DOCKER_PASSWORD", "DSTACK_DOCKER_REGISTRY", "DSTACK_DOCKER_USERNAME"],
});

export function registriesSuite(flavour: TypeScriptFlavour): void {
  jest.setTimeout(300_000);
  let s: E2eStack;
  let ecr: EcrStandIn;

  beforeAll(async () => {
    ecr = await startEcrStandIn({
      accessKeyId: "AKIAE2EREGISTRIES01",
      secretAccessKey: SECRETS.awsSecretAccessKey,
      region: "us-east-1",
      accountId: "123456789012",
    });
    s = await e2eStack("registries", "dev", 150, flavour);
    await s.cli(["config", "set", "awsAccessKeyId", "AKIAE2EREGISTRIES01"]);
    await s.cli(["config", "set", "ecrEndpoint", ecr.endpoint]);
    await setSecrets(s, SECRETS);
  });

  afterAll(async () => {
    await s?.dispose();
    await ecr?.stop();
  });

  test("every type renders its host and CVM variables; the second preview is a no-op", async () => {
    await s.cli(["up", "--yes", ...QUIET]);
    const { rendered } = JSON.parse((await s.cli(["stack", "output", "--json", "--show-secrets"])).stdout);
    expect(rendered).toEqual({
      dockerhub: docker("docker.io"),
      ghcr: docker("ghcr.io"),
      ecr: {
        registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
        cvmEnvKeys: [
          "DSTACK_AWS_ACCESS_KEY_ID",
          "DSTACK_AWS_ECR_REGISTRY",
          "DSTACK_AWS_REGION",
          "DSTACK_AWS_SECRET_ACCESS_KEY",
        ],
      },
      acr: docker("acmeprod.azurecr.io"),
      gcr: docker("gcr.io"),
      gar: docker("europe-west4-docker.pkg.dev"),
      quay: docker("quay.io"),
      gitlab: docker("registry.gitlab.com"),
      custom: docker("registry.acme.internal:5000"),
      public: { registry: "docker.io", cvmEnvKeys: [] },
    });
    expect(ecr.calls.some((c) => c.ok)).toBe(true);
    await s.cli(["preview", "--expect-no-changes", ...QUIET]);
  });

  test("state keeps every credential-bearing input and output secret; no value in any output", async () => {
    const state = await exportState(s);
    const credentials = state.resources.filter((x) => x.type === typeToken(flavour, "RegistryCredential"));
    expect(credentials).toHaveLength(10);
    const secretsSeen = new Set<string>();
    for (const r of credentials) {
      const { inputs, outputs } = r as { inputs: Record<string, unknown>; outputs: Record<string, unknown> };
      // The renderings are the program's (provider/dynamic/registry-credential.ts): in no state.
      for (const key of ["cvmEnv", "dockerConfigJson", "akashCredentials"])
        expect(outputs[key]).toBeUndefined();
      for (const [where, props] of [
        ["inputs", inputs],
        ["outputs", outputs],
      ] as const) {
        for (const key of ["password", "token", "serviceAccountKey", "ecr", "ecrToken"]) {
          if (props[key] === undefined || props[key] === null) continue;
          expect([r.urn, where, key, JSON.stringify(props[key])]).toEqual([
            r.urn,
            where,
            key,
            expect.stringContaining("4dabf18193072939515e22adb298388d"),
          ]);
          secretsSeen.add(`${where}.${key}`);
        }
      }
    }
    // Every kind of credential input was there to check, and the minted ECR token.
    for (const key of ["password", "token", "serviceAccountKey", "ecr"])
      expect(secretsSeen).toContain(`inputs.${key}`);
    expect(secretsSeen).toContain("outputs.ecrToken");
    const encodedSecrets = Object.values(SECRETS).flatMap((v) => [v, Buffer.from(v).toString("base64")]);
    expectNoLeak([...s.transcript, state.text], [...encodedSecrets, ecr.password, s.emu.apiKey]);
  });
}
