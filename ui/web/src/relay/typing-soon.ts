// Typing indicators of the relay-only browser (src/peer/typing.ts, the node's implementation,
// with the relay as its one path): a chunk of its own, fetched on the first keystroke or the
// first notice the relay brings, so the first load does not grow. Messages stored before it
// came need no clearing (nobody is shown yet).
import type { BackendEvent } from "../../../shared/types.ts";
import type { Rng } from "../../../../src/protocol/crypto.ts";
import type { NodeKeys } from "../../../../src/protocol/v2/keys.ts";
import type { PeerTyping } from "../../../../src/peer/typing.ts";
import type { RelaySync } from "../../../../src/peer/relay/sync.ts";
import type { StoredMessage, SyncStoreV2 } from "../../../../src/sync/store.ts";

/** What the browser peer lends it (relay-backend.ts). */
export interface TypingHost {
  store: SyncStoreV2;
  keys: NodeKeys;
  nowMs: () => number;
  rng: Rng;
  sync: RelaySync;
  emit(e: BackendEvent): void;
}

export interface TypingSoon {
  local(circleId: string, channelId: string): Promise<void>;
  fromRelay(circleId: string, blob: unknown): void;
  stored(rows: readonly StoredMessage[]): void;
}

export function typingSoon(host: () => TypingHost): TypingSoon {
  let t: PeerTyping | undefined;
  let loading: Promise<PeerTyping> | undefined;
  const get = () =>
    (loading ??= import("../../../../src/peer/typing.ts").then(({ PeerTyping }) => {
      const h = host();
      t = new PeerTyping({
        store: h.store,
        keys: () => host().keys,
        nowMs: h.nowMs,
        rng: h.rng,
        relay: (circleId, blob) => void host().sync.typing(circleId, blob),
        changed: (circleId, channelId, who) => h.emit({ t: "typing", circleId, channelId, who }),
      });
      return t;
    }));
  return {
    local: async (circleId, channelId) => void (await get()).local(circleId, channelId),
    fromRelay: (circleId, blob) => void get().then((x) => x.fromRelay(circleId, blob)),
    stored: (rows) => t?.stored(rows),
  };
}
