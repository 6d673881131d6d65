// Typing indicators of the relay-only browser (src/peer/typing.ts, the node's implementation,
// with the relay as its one path), in chunks so the first load does not grow: the sending side
// (relay-typing-out.ts) on the first keystroke, the rest (relay-typing.ts) with the first notice
// the relay brings. Messages stored before that came need no clearing (nobody is shown yet).
import { edReady } from "../../../../src/protocol/primitives.ts";
import type { TypingOut } from "../../../../src/peer/typing-out.ts";
import type { PeerTyping } from "../../../../src/peer/typing.ts";
import type { StoredMessage } from "../../../../src/sync/store.ts";
import type { TypingHost } from "./relay-typing.ts";

export function typingSoon(host: () => TypingHost) {
  let out: TypingOut | undefined;
  let inn: PeerTyping | undefined;
  let sending: Promise<TypingOut> | undefined;
  let showing: Promise<PeerTyping> | undefined;
  return {
    local: async (circleId: string, channelId: string) =>
      void (
        await (sending ??= Promise.all([import("./relay-typing-out.ts"), edReady()]).then(
          ([m]) => (out = m.relayTypingOut(host)),
        ))
      ).local(circleId, channelId),
    fromRelay: (circleId: string, blob: unknown) =>
      void (showing ??= Promise.all([import("./relay-typing.ts"), edReady()]).then(
        ([m]) => (inn = m.relayTyping(host, out)),
      )).then((t) => t.fromRelay(circleId, blob)),
    stored: (rows: readonly StoredMessage[]) => inn?.stored(rows),
  };
}
