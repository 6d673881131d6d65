// The sender's throttle of typing indicators (typing.ts has the whole story): a module of its own,
// so a front end that only sends fetches only this much.
import { TYPING_SEND_EVERY_MS } from "../protocol/limits.ts";

/** The sender's side: whether a keystroke now should send a notice for this channel. */
export class TypingThrottle {
  private last = new Map<string, number>();
  shouldSend(circleId: string, channelId: string, nowMs: number): boolean {
    const k = `${circleId}/${channelId}`;
    const at = this.last.get(k);
    if (at !== undefined && nowMs - at < TYPING_SEND_EVERY_MS) return false;
    this.last.set(k, nowMs);
    return true;
  }
  /** The message was sent: the next keystroke may notify at once. */
  sent(circleId: string, channelId: string): void {
    this.last.delete(`${circleId}/${channelId}`);
  }
}
