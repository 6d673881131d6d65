// What v2-apply.ts imports as v2-events.ts and as the protocol's channel-keys.ts in the web build
// (ui/web/vite.config.ts sends those imports here): opening and sealing the text of access-
// controlled (key, invite) channels is a chunk of its own, not in the relay-only browser's first
// load. Without a key for the channel, openSealedText answers null (as the real one does: a
// locked message is stored without its text), and sealing is never asked for (composeText
// refuses first). A channel key reaches the store only through control events' effects and the
// channel actions, which load this (control-soon.ts, relay-actions.ts), or from storage at
// start, which loads it before anything is applied (relay-backend.ts).
import type { sealBody as Seal } from "../../../../src/protocol/v2/channel-keys.ts";
import type { openSealedText as Open } from "../../../../src/sync/v2-events.ts";

export type { V2Ctx } from "../../../../src/sync/v2-events.ts";

let open: typeof Open | undefined;
let seal: typeof Seal | undefined;
let loading: Promise<void> | undefined;

/** Load the sealed channels' code (once). */
export const loadSealed = (): Promise<void> =>
  (loading ??= Promise.all([
    import("../../../../src/sync/v2-events.ts"),
    import("../../../../src/protocol/v2/channel-keys.ts"),
  ]).then(([e, k]) => {
    open = e.openSealedText;
    seal = k.sealBody;
  }));

// a key in the store means the code was loaded with it: its absence is a bug, and crashes
const missing = (): never => {
  throw new Error("sealed channels' code is not loaded (sealed-soon.ts)");
};

/** without a key for the channel: null, what the real one answers (a locked message is stored without its text) */
export const openSealedText: typeof Open = (store, m) =>
  open ? open(store, m) : store.latestChannelKey(m.circleId, m.channelId) ? missing() : null;

export const sealBody: typeof Seal = (key, a, nonce) => (seal ?? missing)(key, a, nonce);
