/**
 * The chain anchor's settings: `cvm-secrets:rpcUrls` and `cvm-secrets:kmsContracts`, each JSON
 * from a decimal chain id to a value (`pulumi config set --secret cvm-secrets:rpcUrls
 * '{"8453":"https://…"}'`), and the environment fallback `CVM_SECRETS_RPC_URL_<chainId>` for a
 * chain the config does not name. Messages never quote a value: an RPC URL may hold an API key.
 */

import { decodeHex } from "../core/hex";
import { parseRpcUrl } from "../core/rpc-url";
import { CvmSecretsError, ErrorCodes } from "../errors";
import { settings } from "./settings";

/** Chain id → value maps, checked. */
export interface ChainSettings {
  rpcUrls: Record<string, string>;
  kmsContracts: Record<string, string>;
}

const CHAIN_ID = /^[1-9][0-9]{0,15}$/;
const ENV_PREFIX = "CVM_SECRETS_RPC_URL_";

/** What each map holds: its setting's name and the rule of its values. */
export const CHAIN_MAPS = {
  rpcUrls: { valid: (v: string) => parseRpcUrl(v) !== undefined, rule: "an http(s) URL" },
  kmsContracts: {
    valid: (v: string) => /^0x/i.test(v) && decodeHex(v, 20) !== undefined,
    rule: "a 20-byte address (0x + 40 hex digits)",
  },
} as const;

/**
 * The map in `text` (undefined or "" = empty), or the reason it is not one. The reason names
 * the offending chain id, never a value.
 */
export function parseChainMap(
  text: string | undefined,
  which: keyof typeof CHAIN_MAPS,
): { ok: true; map: Record<string, string> } | { ok: false; reason: string } {
  if (text === undefined || text.trim() === "") return { ok: true, map: {} };
  const shape = `must be JSON mapping a decimal chain id to ${CHAIN_MAPS[which].rule}, e.g. {"8453": …}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: `${shape}; it is not JSON` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    return { ok: false, reason: shape };
  const map: Record<string, string> = {};
  for (const [chain, value] of Object.entries(parsed)) {
    if (!CHAIN_ID.test(chain)) return { ok: false, reason: `${shape}; a key is not a decimal chain id` };
    if (typeof value !== "string" || !CHAIN_MAPS[which].valid(value.trim())) {
      return { ok: false, reason: `${shape}; the value for chain ${chain} is not ${CHAIN_MAPS[which].rule}` };
    }
    map[chain] = value.trim();
  }
  return { ok: true, map };
}

/**
 * The settings in force: the stack's maps, plus `CVM_SECRETS_RPC_URL_<chainId>` for chains the
 * config leaves out. Throws `CVMS_CONFIGURATION` on a malformed map or variable.
 */
export function chainSettings(env: NodeJS.ProcessEnv = process.env): ChainSettings {
  const s = settings();
  const rpc = parseChainMap(s.rpcUrls, "rpcUrls");
  if (!rpc.ok) throw configError("cvm-secrets:rpcUrls", rpc.reason);
  const contracts = parseChainMap(s.kmsContracts, "kmsContracts");
  if (!contracts.ok) throw configError("cvm-secrets:kmsContracts", contracts.reason);
  const rpcUrls = { ...rpc.map };
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined || value === "") continue;
    const chain = name.slice(ENV_PREFIX.length);
    if (!CHAIN_ID.test(chain)) throw configError(name, "the suffix must be a decimal chain id");
    if (!parseRpcUrl(value.trim())) throw configError(name, "must be an http(s) URL");
    rpcUrls[chain] ??= value.trim();
  }
  return { rpcUrls, kmsContracts: contracts.map };
}

function configError(setting: string, reason: string): CvmSecretsError {
  return new CvmSecretsError(ErrorCodes.CONFIGURATION, `${setting} ${reason}`, { setting });
}
