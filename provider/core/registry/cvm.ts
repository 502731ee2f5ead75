/**
 * Helpers for CvmSecrets' use of registry credentials (docs/installation-configuration.md, Phala's default pre-launch script):
 * the stack-wide default credential and the check of a compose file's images against the
 * credential's host. Pure; no I/O.
 */
import { CvmSecretsError } from "../../errors";
import { imageMatchesRegistry, isDockerHub, parseImageRef } from "../image-ref";
import { cvmEnv } from "./render";
import { hostOf } from "./schemas";
import type { ValidationFailure } from "./types";
import { validateCredential } from "./validate";

/** The stack-wide default (`cvm-secrets:defaultRegistry`, `…Username`, `…Password`). */
export interface DefaultRegistryConfig {
  registry: string;
  username: string;
  password: string;
}

const CONFIG_PROPERTY: Readonly<Record<string, string>> = {
  registry: "cvm-secrets:defaultRegistry",
  username: "cvm-secrets:defaultRegistryUsername",
  password: "cvm-secrets:defaultRegistryPassword",
};

/**
 * The `DSTACK_DOCKER_*` variables of the stack-wide default credential, validated like a
 * `dockerhub` (any Docker Hub spelling) or `custom` credential, with the registry normalised
 * (`https://index.docker.io/v1/` → `docker.io`). Failures name the config key, never a value.
 */
export function defaultRegistryEnv(
  config: DefaultRegistryConfig,
):
  | { ok: true; registry: string; env: Record<string, string> }
  | { ok: false; failures: ValidationFailure[] } {
  const hub = isDockerHub(hostOf(config.registry));
  const r = validateCredential({
    type: hub ? "dockerhub" : "custom",
    registry: config.registry,
    username: config.username,
    password: config.password,
  });
  if (!r.ok) {
    return {
      ok: false,
      failures: r.failures.map((f) => ({
        property: CONFIG_PROPERTY[f.property] ?? f.property,
        reason: f.reason,
      })),
    };
  }
  return { ok: true, registry: r.credential.registry, env: cvmEnv(r.credential) };
}

/** An image the credential would not be used for. */
export interface ImageMismatch {
  image: string;
  /** The image's registry host (`docker.io` for Docker Hub). */
  registry: string;
}

/**
 * The images (e.g. from a compose file's `image:` lines) that are not on `registryHost`, so the
 * CVM's registry login would not apply to them: a warning, not an error (public images are
 * fine). Images that do not parse are reported with `registry: "invalid"`.
 */
export function imagesNotOnRegistry(images: readonly string[], registryHost: string): ImageMismatch[] {
  const out: ImageMismatch[] = [];
  for (const image of images) {
    try {
      const ref = parseImageRef(image, "image");
      if (!imageMatchesRegistry(ref, registryHost)) {
        out.push({ image, registry: isDockerHub(ref.registry) ? "docker.io" : ref.registry.toLowerCase() });
      }
    } catch (error) {
      if (!(error instanceof CvmSecretsError)) throw error;
      out.push({ image, registry: "invalid" });
    }
  }
  return out;
}
