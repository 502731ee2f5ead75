// One credential of each registry type, with the fields that type needs, and what each renders:
// `cvmEnv` (the CVM's pre-launch login variables), `dockerConfigJson` (a Kubernetes pull
// secret), `akashCredentials` (an Akash SDL `credentials:` block). All three are secret outputs.
// Add `verify: { image: "…" }` to any of them to check the credential against the registry at
// create/update.
import * as pulumi from "@pulumi/pulumi";
import { RegistryCredential } from "pulumi-cvm-secrets";

const cfg = new pulumi.Config();
const secret = (name: string) => cfg.requireSecret(name);

const credentials = {
  dockerhub: new RegistryCredential("dockerhub", {
    type: "Docker",
    username: "acme",
    token: secret("dockerhubToken"),
  }),
  ghcr: new RegistryCredential("ghcr", { type: "GHCR", username: "acme-bot", token: secret("ghcrToken") }),
  ecr: new RegistryCredential("ecr", {
    type: "ECR",
    ecr: {
      accessKeyId: cfg.require("awsAccessKeyId"),
      secretAccessKey: secret("awsSecretAccessKey"),
      accountId: "123456789012",
      region: "us-east-1",
      // A VPC endpoint, or the local stand-in the tests use; default is the public ECR API.
      endpoint: cfg.get("ecrEndpoint"),
    },
    // A CVM logs in with the DSTACK_AWS_* variables itself; the 12-hour token (one AWS call at
    // create/update) is only needed for dockerConfigJson and akashCredentials.
    mintEcrToken: true,
  }),
  acr: new RegistryCredential("acr", {
    type: "ACR",
    registry: "acmeprod.azurecr.io",
    username: "acme-pull",
    password: secret("acrPassword"),
  }),
  gcr: new RegistryCredential("gcr", { type: "GCR", serviceAccountKey: secret("gcpServiceAccountKey") }),
  gar: new RegistryCredential("gar", {
    type: "GAR",
    region: "europe-west4",
    serviceAccountKey: secret("gcpServiceAccountKey"),
  }),
  quay: new RegistryCredential("quay", { type: "Quay", username: "acme+puller", token: secret("quayToken") }),
  gitlab: new RegistryCredential("gitlab", {
    type: "gitlab",
    username: "deploy-token-1",
    token: secret("gitlabToken"),
  }),
  custom: new RegistryCredential("custom", {
    type: "Custom",
    registry: "registry.acme.internal:5000",
    username: "ci",
    password: secret("customPassword"),
  }),
  public: new RegistryCredential("public", { type: "Public", registry: "docker.io" }),
};

/** Per type: the normalised host, and the names (not values) of the CVM variables. */
export const rendered = Object.fromEntries(
  Object.entries(credentials).map(([type, c]) => [
    type,
    pulumi.all([c.registry, c.cvmEnv]).apply(([registry, env]) => ({
      registry,
      cvmEnvKeys: Object.keys(env ?? {}).sort(),
    })),
  ]),
);
