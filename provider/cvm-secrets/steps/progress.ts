/**
 * Progress lines of a rollout, as it happens: which wave, which CVM got its env, when it is
 * running again and how long it took. Pure: the rollout emits events (rollout.ts), this names
 * them, engine-log.ts delivers them. CVM ids and timings only — never a value.
 */
import type { RolloutEvent } from "./rollout";

/** Words for one rollout step; `verb` says what the push does ("env pushed", "env cleared"). */
export function describeRolloutEvent(event: RolloutEvent, verb = "env pushed"): string {
  switch (event.kind) {
    case "wave":
      return `wave ${event.wave}/${event.waves}: ${event.cvms.join(", ")} (restarting)`;
    case "pushed":
      return `${event.cvm}: ${verb}; waiting until it is running again`;
    case "ready":
      return `${event.cvm}: running again after ${seconds(event.ms)}`;
    case "failed":
      return event.pushed
        ? `${event.cvm}: not running again after ${seconds(event.ms)}; the rollout stops`
        : `${event.cvm}: the push was refused; the rollout stops`;
  }
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
