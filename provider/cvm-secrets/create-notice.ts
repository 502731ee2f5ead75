/**
 * The line that says what a create will do to its CVMs (core/announce.ts `describeCreate`), said
 * once in a preview and once in an update, before the create runs — from the call the display
 * shows it best after:
 *
 * - the dynamic provider (no URN: its messages are filed under the stack) says it from `check`,
 *   which the engine calls in every preview and again before the create; it calls no `create`
 *   during a preview;
 * - the plugin (its messages attached to the resource's URN) says it from the create itself, its
 *   preview (`Create` with `preview`, preview.ts) and the real one (apply.ts). The CLI prints a
 *   resource's row again, with the last message under it, when the resource's step begins (the
 *   non-interactive display of `pulumi up` and `preview`): said from `check`, which runs before
 *   the step, the line was printed twice in each of the preview and the update.
 *
 * Pure facts from the checked inputs (`lifecycleFacts`, also the delete plan check records).
 */
import { type CvmRef, describeCreate, type LifecycleFacts, type Setting } from "../core/announce";
import { isRecord } from "../core/is-record";
import { about, onResourceRow, providerLog } from "../runtime/engine-log";
import { secretPositions } from "../runtime/secret-ids";
import { containsUnknown, UNKNOWN } from "../runtime/wire";
import { resolvedId } from "./forms";
import { DEFAULT_MAX_UNAVAILABLE } from "./state";

/** Which method is about to announce a create: `check`, or the create (its preview or the real one). */
export type Announcer = "check" | "create";

/**
 * Logs the create line for the resource `name` when `from` is the call that says it for this
 * provider (see above), and waits until it is delivered.
 */
export async function announceCreate(name: string, facts: LifecycleFacts, from: Announcer): Promise<void> {
  if ((from === "create") !== onResourceRow()) return;
  const log = providerLog();
  log.info(about("CvmSecrets", name, describeCreate(facts)));
  await log.flush();
}

/** {@link announceCreate} from a create, on its checked inputs (`cvmIds`: the forms check resolved). */
export async function announceFromCreate(inputs: Record<string, unknown>): Promise<void> {
  const name = typeof inputs.resourceName === "string" ? inputs.resourceName : "";
  const ids = isRecord(inputs.cvmIds) ? (inputs.cvmIds as Record<string, string>) : undefined;
  await announceCreate(name, lifecycleFacts(inputs, ids), "create");
}

/** The facts a create's message and the delete plan state, from the checked inputs. */
export function lifecycleFacts(
  news: Record<string, unknown>,
  ids: Record<string, string> | undefined,
): LifecycleFacts {
  const rollout = isRecord(news.rollout) ? (news.rollout as Record<string, unknown>) : {};
  const max = rollout.maxUnavailable;
  return {
    cvms: cvmRefs(news.cvms, ids, news.secretCvms),
    maxUnavailable:
      news.rollout === UNKNOWN || max === UNKNOWN
        ? "unknown"
        : typeof max === "number"
          ? max
          : DEFAULT_MAX_UNAVAILABLE,
    adopt: flag(news.adopt),
    retainOnRemove: flag(news.retainOnRemove),
  };
}

/**
 * One entry per CVM (the first form naming it), or undefined while `cvms` is not known.
 * `secretCvms` (from the resource class): the positions of `cvms` given as secrets, or `true` for
 * a secret list; such a CVM is named only by its position.
 */
function cvmRefs(
  cvms: unknown,
  ids: Record<string, string> | undefined,
  secretCvms: unknown,
): CvmRef[] | undefined {
  if (!Array.isArray(cvms) || containsUnknown(cvms)) return undefined;
  const secret = new Set(secretPositions(secretCvms, cvms.length));
  const seen = new Set<string>();
  const refs: CvmRef[] = [];
  cvms.forEach((form: string, index) => {
    const id = resolvedId(form, ids);
    if (seen.has(id)) return;
    seen.add(id);
    refs.push({ form, id: ids?.[form] ?? ids?.[form.trim()], index, secret: secret.has(index) });
  });
  return refs;
}

function flag(value: unknown): Setting<boolean> {
  return value === UNKNOWN ? "unknown" : value === true;
}
