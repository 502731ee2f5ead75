/**
 * Compiled by tsc (test/unit/registry-type.test.ts, and the project's type check): the spellings
 * of `RegistryCredentialArgs.type` that compile, and a misspelling that must not. Never run.
 */
import type { RegistryCredentialArgs } from "../../../provider/dynamic/registry-credential";

const base = { username: "acme-bot", token: "t" };

export const accepted: RegistryCredentialArgs[] = [
  { ...base, type: "ghcr" },
  { ...base, type: "GHCR" },
  { ...base, type: "Docker" },
  { ...base, type: "docker.io" },
  { ...base, type: "ECR" },
  { ...base, type: "Custom" },
  { ...base, type: "GitHub" },
];

export const misspelt: RegistryCredentialArgs = {
  ...base,
  // @ts-expect-error "ghrc" is not a registry type: a compile error, not a failure at preview
  type: "ghrc",
};

export const unknownString: RegistryCredentialArgs = {
  ...base,
  // @ts-expect-error a plain string is not a registry type (cast a config value you checked)
  type: "ghcr" as string,
};
