/**
 * The 465 of the on-chain flow, verified before it is relayed. An API that answers a push with
 * HTTP 465 names a compose hash and an app (`details` `compose_hash`, `app_id`: research on the
 * Phala Cloud API, `PATCH /cvms/{id}/envs`), and the user is told to register that hash on the
 * app's DstackApp contract (`addComposeHash`) — which lets any compose with that hash get the
 * app's keys. So neither is taken on the API's word: the hash must equal the one computed here
 * from the CVM's live compose with `allowed_envs` set to the key set sent (the backend rewrites
 * `allowed_envs` and rehashes; core/compose-hash.ts is the official SDK's hash), and the app must
 * be the resolved CVM's. Anything else is refused, naming what differed; nothing is recorded as
 * pending registration.
 */
import type { CvmInfo, PhalaClient, RegistrationRequired } from "../../api/phala";
import { composeHash } from "../../core/compose-hash";
import { CvmSecretsError, ErrorCodes } from "../../errors";

/** Pure: the compose hash a push of `sentKeys` (undefined: `env_keys` not sent) gives `compose`. */
export function expectedComposeHash(
  compose: Record<string, unknown>,
  sentKeys: readonly string[] | undefined,
): string {
  return composeHash(sentKeys === undefined ? compose : { ...compose, allowed_envs: [...sentKeys] });
}

/** Pure: what in a 465 differs from the computed hash and the resolved app (empty: it checks out). */
export function registrationMismatches(
  answer: Pick<RegistrationRequired, "composeHash" | "appId">,
  expected: { composeHash: string; appId: string },
): string[] {
  const out: string[] = [];
  if (bare(answer.composeHash) !== bare(expected.composeHash)) {
    out.push(
      `it names compose hash ${shown(answer.composeHash)}, but the CVM's live compose with the new key set hashes to 0x${bare(expected.composeHash)}`,
    );
  }
  if (bare(answer.appId) !== bare(expected.appId)) {
    out.push(`it names app ${shown(answer.appId)}, but the CVM is in app ${bare(expected.appId)}`);
  }
  return out;
}

/**
 * Throws (API_ERROR) unless the 465 answered to the push to `cvm` names the compose hash computed
 * from its live compose and `sentKeys`, and the CVM's app.
 */
export async function verifyRegistration(
  client: PhalaClient,
  cvm: string,
  info: CvmInfo,
  sentKeys: readonly string[] | undefined,
  answer: RegistrationRequired,
): Promise<void> {
  const compose = info.composeFile ?? (await client.getComposeFile(cvm));
  const differences = registrationMismatches(answer, {
    composeHash: expectedComposeHash(compose, sentKeys),
    appId: info.appId,
  });
  if (differences.length === 0) return;
  throw new CvmSecretsError(
    ErrorCodes.API_ERROR,
    `CVM ${cvm}: the API asked for an on-chain compose hash registration (HTTP 465) that does not match this push: ` +
      `${differences.join("; ")}. Do not register it: treat the API as untrusted (nothing was changed).`,
    { cvm },
  );
}

/** A hash or app id without `0x` / `app_`, lowercase. */
function bare(value: string): string {
  return value
    .trim()
    .replace(/^(0x|app_)/i, "")
    .toLowerCase();
}

function shown(value: string): string {
  return value.trim() === "" ? "(none)" : value.trim();
}
