// The sending side of the relay-only browser's typing indicators: a chunk fetched on the first
// keystroke (typing-soon.ts), src/peer/typing-out.ts over the relay.
import { TypingOut } from "../../../../src/peer/typing-out.ts";
import type { TypingHost } from "./relay-typing.ts";

export const relayTypingOut = (host: () => TypingHost): TypingOut => {
  const h = host();
  return new TypingOut({
    store: h.store,
    keys: () => host().keys,
    nowMs: h.nowMs,
    rng: h.rng,
    relay: (circleId, blob) => void host().sync.typing(circleId, blob),
  });
};
