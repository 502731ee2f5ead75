/**
 * The chain anchor on the real engine through the provider plugin (suites/chain-anchor.ts, lean:
 * the on-chain lifecycle, the forging API and the RPC down, each refused with zero writes).
 */
import { chainAnchorSuite } from "./suites/chain-anchor";

chainAnchorSuite("plugin", { lean: true });
