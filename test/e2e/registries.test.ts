/**
 * examples/registries on the real engine: one credential of each type passes check, renders the
 * right host and CVM variable names, keeps every credential-bearing output secret, and a second
 * preview is a no-op. ECR talks to a local stand-in of the ECR API (SigV4-checked).
 */
import { type E2eStack, e2eStack, expectNoLeak, exportState, QUIET, setSecrets } from "../support/e2e";
import { type EcrStandIn, startEcrStandIn } from "../support/registry-server";

jest.setTimeout(300_000);

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

let s: E2eStack;
let ecr: EcrStandIn;

beforeAll(async () => {
  ecr = await startEcrStandIn({
    accessKeyId: "AKIAE2EREGISTRIES01",
    secretAccessKey: SECRETS.awsSecretAccessKey,
    region: "us-east-1",
    accountId: "123456789012",
  });
  s = await e2eStack("registries");
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

test("state keeps every credential-bearing output secret; no value in any output", async () => {
  const state = await exportState(s);
  for (const r of state.resources.filter((x) => String(x.type).endsWith(":RegistryCredential"))) {
    const outputs = r.outputs as Record<string, unknown>;
    for (const key of ["cvmEnv", "dockerConfigJson", "akashCredentials"]) {
      if (outputs[key] !== undefined)
        expect(JSON.stringify(outputs[key])).toContain("4dabf18193072939515e22adb298388d");
    }
  }
  const encodedSecrets = Object.values(SECRETS).flatMap((v) => [v, Buffer.from(v).toString("base64")]);
  expectNoLeak([...s.transcript, state.text], [...encodedSecrets, ecr.password, s.emu.apiKey]);
});
