// The sending side of a peer's typing indicators (docs/PROTOCOL.md §22; the receiving side and
// the whole story: typing.ts): this user's keystrokes in a channel go out at most once per
// TYPING_SEND_EVERY_MS on the circle's live v2 sessions and through its relay as a sealed,
// signed notice. A module of its own, so the relay-only browser fetches only this much to send.
import type { Rng } from "../protocol/crypto.ts";
import { isValidChannelId } from "../protocol/channel-id.ts";
import type { NodeKeys } from "../protocol/v2/keys.ts";
import { sealTyping } from "../protocol/v2/typing.ts";
import type { CircleRow, SyncStoreV2 } from "../sync/store.ts";
import { TypingThrottle } from "../sync/typing-throttle.ts";
import { epochKey, isLegacy } from "../sync/v2-apply.ts";

export interface TypingOutPorts {
  store: SyncStoreV2;
  keys(): NodeKeys;
  nowMs(): number;
  rng: Rng;
  /** send TYPING on the circle's live v2 sessions (the node; the browser has none) */
  sessions?(circleId: string, channelId: string): void;
  /** send a sealed notice through the circle's relay (no-op where the relay cannot carry it) */
  relay?(circleId: string, blob: string): void;
}

/** A circle with typing indicators: held here, and not a legacy one (original clients have none: issue 16). */
export function typingCircle(store: SyncStoreV2, circleId: string): CircleRow | null {
  const c = store.getCircle(circleId);
  return c && !isLegacy(c) ? c : null;
}

export class TypingOut {
  private throttle = new TypingThrottle();

  constructor(private p: TypingOutPorts) {}

  /** This user typed in a channel: tell the others unless told recently. True when a notice went out. */
  local(circleId: string, channelId: string): boolean {
    const c = typingCircle(this.p.store, circleId);
    if (!c || !isValidChannelId(channelId)) return false;
    const now = this.p.nowMs();
    if (!this.throttle.shouldSend(circleId, channelId, now)) return false;
    this.p.sessions?.(circleId, channelId);
    const ek = this.p.relay && epochKey(this.p.store, c, c.keyEpoch);
    if (ek) {
      const k = this.p.keys();
      const n = { circleId, channelId, tsMs: now };
      const a = { epoch: c.keyEpoch, epochKey: ek, edPublic: k.edPublic, edSecret: k.edSecret };
      this.p.relay!(circleId, sealTyping(n, a, this.p.rng(12)));
    }
    return true;
  }

  /** This user's message went out in a channel: the next keystroke may notify at once. */
  sent(circleId: string, channelId: string): void {
    this.throttle.sent(circleId, channelId);
  }
}
