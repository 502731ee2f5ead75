/**
 * Pulumi's wire sentinels: the special values the engine and its SDKs put into property values
 * (gRPC `google.protobuf.Struct`, and the dynamic provider's serialized inputs). Pure constants,
 * at the bottom of the house so that `core/` can read them; provider/runtime/wire.ts re-exports
 * them with the helpers built on them, and every other user imports from there.
 *
 * Check against Pulumi's sources: sdk/nodejs/runtime/rpc.ts (`unknownValue`, `specialSigKey`,
 * `specialSecretSig`) and sdk/go/common/resource/plugin/rpc.go (`UnknownStringValue`) with
 * sdk/go/common/resource/sig (`Key`, `Secret`).
 */

/** The engine's placeholder for a value not known until apply (`rpc.ts` `unknownValue`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Key of the special-signature property that marks a wrapped value (`rpc.ts` `specialSigKey`). */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

/** The signature that marks a secret (`rpc.ts` `specialSecretSig`, Go `sig.Secret`). */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
