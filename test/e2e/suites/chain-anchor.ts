/**
 * The chain anchor on the real Pulumi engine: an on-chain KMS app (kms_type `base`) whose KMS
 * contract the emulator deployed on ganache (chain 8453), the stack setting `cvm-secrets:rpcUrls`
 * (a secret JSON; the URL carries a token in its path) and `cvm-secrets:kmsContracts`, and the API
 * reached through a rewriting proxy (test/support/hostile-proxy.ts). First the lifecycle with the
 * signer read from the chain (create through both 465 phases, rotation, a key added through both
 * phases); then, with a value change pending, each `up` refused with zero PATCH requests seen by
 * the proxy and the state unchanged: an API forging key and signer, naming another contract,
 * another chain; an app deregistered on chain; the signer changed on chain; the RPC down; and a
 * `refresh` through the forging API, which re-pins nothing (`keyAnchors` keeps the chain's
 * signer), after which `up` is still refused. Then the pending change applies, refresh finds
 * nothing, destroy clears; the CLI output and the state never hold a secret value nor the RPC
 * URL's token.
 *
 * `lean` (the plugin flavour): the lifecycle, the forging API and the RPC down only; the other
 * cases decide in the same provider code whichever class registered the resource, and the
 * dynamic flavour runs them all.
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { setKmsInfo, setRegistered } from "../../../emulator/kms-contract";
import { type KeyAnchor, signerFingerprint } from "../../../provider/core/key-anchor";
import { rpcWithPathToken, startChain, type TestChain } from "../../support/chain";
import {
  type E2eStack,
  e2eStack,
  expectNoLeak,
  exportState,
  QUIET,
  setSecrets,
  type TypeScriptFlavour,
} from "../../support/e2e";
import { forger } from "../../support/forger";
import { type HostileProxy, hostileProxy, type Rewrite } from "../../support/hostile-proxy";

const TOKENS = ["tok_e2e_anchor_first_AAAA", "tok_e2e_anchor_second_BBBB", "tok_e2e_anchor_third_CCCC"];
const RPC_TOKEN = "secret-token-xyz-e2e-anchor";
const COMPOSE =
  "services:\n  api:\n    image: ghcr.io/acme/api:2\n    environment:\n      - API_TOKEN=${API_TOKEN}\n";
const TX = (n: number) => `0x${n.toString(16).padStart(2, "0").repeat(32)}`;

/**
 * A case left out of the lean run: not registered at all (the dynamic flavour's full run has it),
 * so CI reports no skipped test.
 */
const skipped = ((_name: string, _fn: () => Promise<void>, _timeout?: number) =>
  undefined) as unknown as typeof test;

/** Rewrites the CVM record's `kms_info`. */
function kmsInfoLie(change: Record<string, unknown>): Rewrite {
  return (method, path, body) => {
    if (method !== "GET" || !/^\/cvms\/[^/]+$/.test(path)) return undefined;
    const cvm = body as { kms_info: Record<string, unknown> };
    return { ...cvm, kms_info: { ...cvm.kms_info, ...change } };
  };
}

/** State as exported, secret ciphertexts replaced by a marker (they are re-encrypted on save). */
function comparable(resources: Array<Record<string, unknown>>): string {
  return JSON.stringify(
    resources.map((r) => ({ urn: r.urn, inputs: r.inputs, outputs: r.outputs })),
    (_key, value: unknown) =>
      value !== null && typeof value === "object" && "ciphertext" in value ? "[secret]" : value,
  );
}

/** The API resource's `keyAnchors` output as the state holds it. */
async function keyAnchorsOf(s: E2eStack): Promise<Record<string, KeyAnchor> | undefined> {
  const api = (await exportState(s)).resources.find((r) => String(r.urn).endsWith("::api"));
  return (api?.outputs as { keyAnchors?: Record<string, KeyAnchor> } | undefined)?.keyAnchors;
}

/** Which cases run: `lean` keeps the lifecycle, the forging API and the RPC down. */
export interface ChainAnchorSuiteOptions {
  lean?: boolean;
}

export function chainAnchorSuite(flavour: TypeScriptFlavour, options: ChainAnchorSuiteOptions = {}): void {
  const full = options.lean !== true;
  jest.setTimeout(240_000);
  let chain: TestChain;
  let rpc: { url: string; close(): Promise<void> };
  let proxy: HostileProxy;
  let lie: Rewrite | undefined;
  let s: E2eStack;
  let cvm: string;
  let app: string;
  let contract: string;
  let signer: string;

  async function setAnchor(rpcUrl: string): Promise<void> {
    await s.cli([
      "config",
      "set",
      "--secret",
      "cvm-secrets:rpcUrls",
      JSON.stringify({ 8453: rpcUrl, 1: rpcUrl }),
    ]);
  }

  /** `pulumi up` that must stop at phase 1: returns the compose hash the error asks to register. */
  async function upNeedsRegistration(): Promise<string> {
    const failed = await s.cli(["up", "--yes", ...QUIET], { allowFail: true });
    expect(failed.code).not.toBe(0);
    const hash = /Register compose hash (0x[0-9a-f]{64}) on the DstackApp contract/.exec(
      `${failed.stdout}${failed.stderr}`,
    )?.[1];
    expect(hash).toBeDefined();
    return hash as string;
  }

  /** `pulumi up` that must be refused before any write: zero PATCH, state and guest unchanged. */
  async function refusedUp(message: RegExp): Promise<void> {
    const before = comparable((await exportState(s)).resources);
    const guest = (await s.emu.admin.guest(cvm)).env;
    const writes = proxy.writes.length;
    const failed = await s.cli(["up", "--yes", ...QUIET], { allowFail: true });
    expect(failed.code).not.toBe(0);
    expect(`${failed.stdout}${failed.stderr}`).toMatch(message);
    expect(proxy.writes.slice(writes).filter((w) => w.startsWith("PATCH"))).toEqual([]);
    expect(proxy.writes.slice(writes)).toEqual([]);
    expect(comparable((await exportState(s)).resources)).toBe(before);
    expect((await s.emu.admin.guest(cvm)).env).toEqual(guest);
  }

  beforeAll(async () => {
    chain = await startChain(8453);
    rpc = await rpcWithPathToken(chain, RPC_TOKEN);
    s = await e2eStack("onchain", "dev", 150, flavour, { chainRpcUrl: chain.url });
    proxy = await hostileProxy(s.emu.url, (method, path, body, query) => lie?.(method, path, body, query));
    await s.cli(["config", "set", "cvm-secrets:apiUrl", proxy.url]);
    const created = await s.emu.admin.createCvm({
      name: "anchor-a",
      kms: "base",
      docker_compose_file: COMPOSE,
    });
    cvm = created.id;
    app = created.app_id;
    signer = created.k256_pubkey;
    const kms = (await fetch(`${s.emu.url}/kms`, { headers: { "x-api-key": s.emu.apiKey } }).then((r) =>
      r.json(),
    )) as { items: Array<{ chain_id: number | null; kms_contract_address: string | null }> };
    contract = kms.items.find((k) => k.chain_id === 8453)?.kms_contract_address as string;
    await s.cli(["config", "set", "--path", "cvmIds[0]", cvm]);
    await setAnchor(rpc.url);
    await s.cli([
      "config",
      "set",
      "cvm-secrets:kmsContracts",
      JSON.stringify({ 8453: contract, 1: contract }),
    ]);
    await setSecrets(s, { apiToken: TOKENS[0] as string });
  }, 120_000);

  afterAll(async () => {
    await s?.dispose();
    await proxy?.close();
    await rpc?.close();
    await chain?.close();
  });

  test("create with the signer read from the chain: phase 1 names the hash, phase 2 finishes", async () => {
    const hash = await upNeedsRegistration();
    await s.cli(["config", "set", "transactionHash", TX(1)]);
    await s.cli(["up", "--yes", ...QUIET]);
    const guest = await s.emu.admin.guest(cvm);
    expect(guest.env).toEqual({ API_TOKEN: TOKENS[0] });
    expect(`0x${guest.compose_hash}`).toBe(hash);
    // The anchor applied: no warning that the signer came from the API.
    expect(s.transcript.join("\n")).not.toContain("its KMS signer comes from the Phala Cloud API");
    // The output says what the key was checked against: the chain's signer, at a finalized block.
    expect((await keyAnchorsOf(s))?.[app]).toEqual({
      anchor: "chain",
      chainId: 8453,
      contract: contract.replace(/^0x/, "").toLowerCase(),
      block: expect.any(Number),
      blockHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      signer: signerFingerprint(signer),
      quote: "none",
    });
  });

  test("rotating a value, then adding a key through both 465 phases", async () => {
    await setSecrets(s, { apiToken: TOKENS[1] as string });
    await s.cli(["up", "--yes", ...QUIET]);
    expect((await s.emu.admin.guest(cvm)).env).toEqual({ API_TOKEN: TOKENS[1] });
    await s.cli(["config", "set", "--path", "extraEnv.FEATURE_X", "on"]);
    await upNeedsRegistration();
    await s.cli(["config", "set", "transactionHash", TX(2)]);
    await s.cli(["up", "--yes", ...QUIET]);
    const guest = await s.emu.admin.guest(cvm);
    expect(guest.allowed_envs.sort()).toEqual(["API_TOKEN", "FEATURE_X"]);
    expect(guest.env).toEqual({ API_TOKEN: TOKENS[1], FEATURE_X: "on" });
  });

  describe("with a value change pending, each hostile `up` is refused before any write", () => {
    beforeAll(async () => {
      await setSecrets(s, { apiToken: TOKENS[2] as string });
    });
    afterEach(() => {
      lie = undefined;
    });

    test("an API forging key and signer consistently", async () => {
      lie = forger();
      await refusedUp(/not signed by the KMS signer/);
    });

    (full ? test : skipped)("an API naming another KMS contract", async () => {
      lie = kmsInfoLie({ dstack_kms_address: `0x${"ee".repeat(20)}` });
      await refusedUp(/another KMS contract than the trusted one for chain 8453/);
    });

    (full ? test : skipped)("an API naming another chain", async () => {
      lie = kmsInfoLie({ chain_id: 1 });
      await refusedUp(/the RPC serves chain 8453, but the CVM's KMS is on chain 1/);
    });

    (full ? test : skipped)("an app deregistered on chain", async () => {
      await setRegistered(chain.rpc, contract, app, false);
      try {
        await refusedUp(/not registered on the KMS contract/);
      } finally {
        await setRegistered(chain.rpc, contract, app, true);
      }
    });

    (full ? test : skipped)("the signer changed on chain between runs", async () => {
      const rotated = Buffer.from(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true)).toString(
        "hex",
      );
      await setKmsInfo(chain.rpc, contract, { k256Pubkey: rotated });
      try {
        await refusedUp(/not signed by the KMS signer/);
      } finally {
        await setKmsInfo(chain.rpc, contract, { k256Pubkey: signer });
      }
    });

    test("the RPC down", async () => {
      const down = await rpcWithPathToken(chain, RPC_TOKEN);
      const url = down.url;
      await down.close();
      await setAnchor(url);
      try {
        await refusedUp(new RegExp(`RPC ${url.replace(`/${RPC_TOKEN}`, "").replace(/\./g, "\\.")}`));
      } finally {
        await setAnchor(rpc.url);
      }
    });

    (full ? test : skipped)(
      "refresh through the forging API re-pins nothing; the next up is still refused",
      async () => {
        const pinned = await keyAnchorsOf(s);
        expect(pinned?.[app]).toMatchObject({ anchor: "chain", signer: signerFingerprint(signer) });
        lie = forger();
        const writes = proxy.writes.length;
        const refreshed = await s.cli(["refresh", "--yes", ...QUIET], { allowFail: true });
        // Refresh reads only: nothing forwarded but GETs, and the chain's pin stays as it was.
        expect(proxy.writes.slice(writes)).toEqual([]);
        expect(await keyAnchorsOf(s)).toEqual(pinned);
        expect(refreshed.code).toBe(0);
        await refusedUp(/not signed by the KMS signer/);
      },
    );
  });

  test("the honest API and chain again: the pending change applies", async () => {
    const writes = proxy.writes.length;
    await s.cli(["up", "--yes", ...QUIET]);
    expect(proxy.writes.slice(writes).filter((w) => w.startsWith("PATCH"))).toHaveLength(1);
    expect((await s.emu.admin.guest(cvm)).env).toEqual({ API_TOKEN: TOKENS[2], FEATURE_X: "on" });
  });

  test("refresh finds nothing drifted; destroy clears the env", async () => {
    await s.cli(["refresh", "--yes", ...QUIET]);
    await s.cli(["preview", "--expect-no-changes", ...QUIET]);
    await s.cli(["destroy", "--yes", ...QUIET]);
    expect((await s.emu.admin.guest(cvm)).env).toEqual({});
  });

  test("no secret value and no RPC token in any CLI output or the state", async () => {
    const state = await exportState(s);
    expectNoLeak([...s.transcript, state.text], [...TOKENS, s.emu.apiKey, RPC_TOKEN]);
  });
}
