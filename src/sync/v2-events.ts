// What a stored v2 message of an access-controlled channel needs besides its row (docs/PROTOCOL.md
// §7), once acceptSigned (v2-apply.ts) took it: opening sealed channel text, now or once its key
// is learned. A control event's effects (member cards, channels and their keys, names, rekey,
// calls) are in v2-control-effects.ts. The relay-only browser loads this module (and the channel
// keys' code) when it first needs them: ui/web/src/relay/sealed-soon.ts.
import { fromBase64, fromHex } from "../protocol/bytes.ts";
import { openBody } from "../protocol/v2/channel-keys.ts";
import type { NodeKeys } from "../protocol/v2/keys.ts";
import { decodeMessage, type SignedMessage } from "../protocol/v2/message.ts";
import type { CallRegistry } from "./call-registry.ts";
import type { SyncStoreV2 } from "./store.ts";

export interface V2Ctx {
  store: SyncStoreV2;
  calls: CallRegistry;
  self: NodeKeys;
  now: number;
}

export function openSealedText(store: SyncStoreV2, m: SignedMessage): string | null {
  const k = store.latestChannelKey(m.circleId, m.channelId);
  if (!k) return null;
  for (let v = k.version; v >= 0; v--) {
    const key = store.getChannelKey(m.circleId, m.channelId, v);
    if (!key) continue;
    const t = openBody(fromHex(key), m.circleId, m.channelId, m.body);
    if (t !== null) return t;
  }
  return null;
}

/** Once a channel key is learned, open the channel's stored sealed messages. Returns how many opened. */
export function openLockedBacklog(store: SyncStoreV2, circleId: string, channelId: string): number {
  let n = 0;
  for (const row of store.lockedMessages(circleId, channelId)) {
    const t = openSealedText(store, decodeMessage(fromBase64(row.wire)));
    if (t !== null) {
      store.setMessageText(row.msgId, t);
      n++;
    }
  }
  return n;
}
