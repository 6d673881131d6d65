// What v2-apply.ts imports as v2-control-effects.ts in the web build (ui/web/vite.config.ts sends
// that one import here): a control event's authority and effects, the calls' registry and the store's writes of
// control events, invites and admissions (mem-control.ts) are a chunk of their own,
// loaded when the relay-only browser first meets a control event, not in its first load. The
// browser loads it before its engine can apply one: a batch from the relay that holds one
// (relay-client.ts), the actions, calls, admissions and legacy chunks (relay-backend.ts).
import type { CallRegistry } from "../../../../src/sync/call-registry.ts";
import type { applyEvent as Apply, authorityError as Authority } from "../../../../src/sync/v2-control-effects.ts";
import { edReady } from "../../../../src/protocol/primitives.ts";
import { loadSealed } from "./sealed-soon.ts";

type Registry = typeof import("../../../../src/sync/call-registry.ts");
let effects: { apply: typeof Apply; authority: typeof Authority } | null = null;
let loading: Promise<Registry> | null = null;

// the shell loads the effects before a control event can reach the engine: their absence is a bug, and crashes
const loaded = () => {
  if (!effects) throw new Error("control event effects are not loaded (control-soon.ts)");
  return effects;
};
export const authorityError: typeof Authority = (ctx, m, e) => loaded().authority(ctx, m, e);
export const applyEvent: typeof Apply = (ctx, circle, m, e) => loaded().apply(ctx, circle, m, e);

/** Load the effects, the calls' registry and the store's tables they write (once). */
export function loadControl(): Promise<Registry> {
  return (loading ??= Promise.all([
    import("../../../../src/sync/v2-control-effects.ts"),
    import("../../../../src/sync/call-registry.ts"),
    import("./mem-control.ts"), // (the store's writes they make)
    loadSealed(), // (channel keys they store: sealed-soon.ts)
    edReady(), // (effects may sign, and every chunk that loads this one does)
  ]).then(([fx, registry]) => {
    effects = { apply: fx.applyEvent, authority: fx.authorityError };
    return registry;
  }));
}

/**
 * A browser peer's calls: none exists before the first control event, so until load() an empty
 * registry stands in (the engine reads no call before it applies a call event, which loads first).
 */
export function callsSoon() {
  let calls = { sessions: new Map() } as Pick<CallRegistry, "sessions"> as CallRegistry;
  let view: Registry["callView"] | null = null;
  let loaded: Promise<void> | null = null;
  return {
    get calls() {
      return calls;
    },
    views: () => (view ? [...calls.sessions.values()].map(view) : []),
    load: () =>
      (loaded ??= loadControl().then((m) => {
        calls = new m.CallRegistry();
        view = m.callView;
      })),
  };
}
