/**
 * What "test the connection" of a registry credential can answer: the classified outcomes
 * (the registry v2 API, the OCI distribution error codes), one sentence of advice per kind, and
 * the result type of {@link verifyPull}'s callers.
 */

/** Classified outcomes of a failed check (the registry v2 API). */
export type VerifyKind =
  | "bad-credentials"
  | "no-permission"
  | "not-found-or-denied"
  | "repository-missing"
  | "tag-missing"
  | "token-expired"
  | "rate-limited"
  | "not-a-registry"
  | "unsupported-auth"
  | "insecure-realm"
  | "registry-mismatch"
  | "tls"
  | "unreachable"
  | "unexpected";

/** One sentence per kind on what to do. */
export const VERIFY_ADVICE: Readonly<Record<VerifyKind, string>> = {
  "bad-credentials":
    "Check the username and password or token (Docker Hub wants the Docker ID, not the e-mail address; ECR wants a valid access key).",
  "no-permission":
    "Grant this identity pull access to the repository (e.g. read:packages on GHCR, ecr:BatchGetImage on ECR, a pull action on the token server).",
  "not-found-or-denied":
    "This registry does not say whether the repository is missing or not readable: check the image name and grant this identity pull access.",
  "repository-missing":
    "Check the image name (on Docker Hub, single names live under library/) or push the repository first.",
  "tag-missing": "Push that tag or digest, or fix the tag in verify.image.",
  "token-expired": "Fetch a fresh token (ECR tokens last 12 hours) and run the update again.",
  "rate-limited": "Wait for the rate-limit window to pass, authenticate, or pull through a mirror.",
  "not-a-registry": "Check the registry host and port: it must serve the registry v2 API at /v2/.",
  "unsupported-auth":
    "The registry asked for an authentication scheme other than Basic or Bearer: verify the pull by hand.",
  "insecure-realm":
    "Serve the registry's token realm over https (or fix the realm the registry announces); a registry configured as http may use an http realm on its own host only.",
  "registry-mismatch":
    "This credential would not be used for that image: make verify.image name an image on the credential's registry.",
  tls: "Fix the registry's TLS certificate (untrusted, expired or issued for another name) or trust its CA.",
  unreachable:
    "Check the host, the port and that this machine can reach the registry (DNS, firewall, proxy).",
  unexpected: "Retry later and check the registry's status page.",
};

/** Result of {@link verifyPull}. */
export type VerifyResult =
  | { ok: true; digest?: string; mediaType?: string }
  | { ok: false; kind: VerifyKind; message: string };

/** A failed result: what happened, then the advice of its kind. */
export function failed(kind: VerifyKind, what: string): VerifyResult {
  return { ok: false, kind, message: `${what} ${VERIFY_ADVICE[kind]}` };
}
