// The relay-only browser's typing indicators (chunks, typing-soon.ts): the peer's one
// implementation (src/peer/typing.ts, typing-out.ts) with the relay's WebSocket as its only path.
// Sending needs only typing-out.ts (fetched on the first keystroke); showing needs the rest
// (fetched with the first notice the relay brings).
import type { BackendEvent } from "../../../shared/types.ts";
import type { Rng } from "../../../../src/protocol/crypto.ts";
import type { NodeKeys } from "../../../../src/protocol/v2/keys.ts";
import { PeerTyping } from "../../../../src/peer/typing.ts";
import type { TypingOut } from "../../../../src/peer/typing-out.ts";
import type { RelaySync } from "../../../../src/peer/relay/sync.ts";
import type { SyncStoreV2 } from "../../../../src/sync/store.ts";

/** What the browser peer lends it (relay-backend.ts). */
export interface TypingHost {
  store: SyncStoreV2;
  keys: NodeKeys;
  nowMs: () => number;
  rng: Rng;
  sync: RelaySync;
  emit(e: BackendEvent): void;
}

export const relayTyping = (host: () => TypingHost, out?: TypingOut): PeerTyping =>
  new PeerTyping(
    {
      store: host().store,
      keys: () => host().keys,
      nowMs: host().nowMs,
      rng: host().rng,
      relay: (circleId, blob) => void host().sync.typing(circleId, blob),
      changed: (circleId, channelId, who) => host().emit({ t: "typing", circleId, channelId, who }),
    },
    out,
  );
