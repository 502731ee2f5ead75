/**
 * Host rules per registry type (the registries' own documentation).
 */

/** Parts of a private ECR registry host. */
export interface EcrHost {
  accountId: string;
  region: string;
  fips: boolean;
  /** DNS suffix of the AWS partition, e.g. `amazonaws.com`, `amazonaws.com.cn`. */
  suffix: string;
}

// repo awslabs/amazon-ecr-credential-helper, ecr-login/api/client.go (the registries' own documentation).
const ECR_HOST =
  /^(\d{12})\.dkr[.-]ecr(-fips)?\.([a-z0-9-]+)\.(amazonaws\.com(?:\.cn)?|amazonaws\.eu|on\.aws|on\.amazonwebservices\.com\.cn|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$/;

/** Parses `ACCOUNT.dkr.ecr.REGION.amazonaws.com`; `undefined` when the host is not private ECR. */
export function parseEcrHost(host: string): EcrHost | undefined {
  const m = ECR_HOST.exec(host.toLowerCase());
  if (!m) return undefined;
  return { accountId: m[1] ?? "", fips: m[2] !== undefined, region: m[3] ?? "", suffix: m[4] ?? "" };
}

/** The ECR registry host of an account in a region (commercial partition unless `cn-*`). */
export function ecrHost(accountId: string, region: string): string {
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `${accountId}.dkr.ecr.${region}.${suffix}`;
}

/** The ECR API endpoint for the registry's region (`https://api.ecr.REGION.SUFFIX`). */
export function ecrApiEndpoint(host: EcrHost): string {
  return `https://api.ecr${host.fips ? "-fips" : ""}.${host.region}.${host.suffix}`;
}

/** AWS region names such as `us-east-1`, `us-gov-west-1`, `cn-north-1`. */
export const AWS_REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;

/** GCR hosts (now served by Artifact Registry "gcr.io repositories"). */
export const GCR_HOSTS: readonly string[] = ["gcr.io", "us.gcr.io", "eu.gcr.io", "asia.gcr.io"];

/** Artifact Registry Docker hosts: `LOCATION-docker.pkg.dev`. */
export const GAR_HOST = /^([a-z0-9]+(?:-[a-z0-9]+)*)-docker\.pkg\.dev$/;

/** ACR login servers: `NAME.azurecr.io` (and the sovereign-cloud suffixes). */
export const ACR_HOST = /^[a-z0-9]{5,50}\.azurecr\.(?:io|cn|us|de)$/;
