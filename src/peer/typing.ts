// Typing indicators of a peer (docs/PROTOCOL.md §22), the one implementation run by the node and
// by the relay-only browser: this user's keystrokes go out (throttled, typing-out.ts) on the
// circle's live v2 sessions and through its relay as a sealed notice; notices that come in (a session's TYPING
// frame, a relay notice opened and checked here) go on the board (capped per author), and the
// front ends get who types in a channel whenever that changes: a notice, the author's message,
// or TYPING_SHOW_MS without renewal. Never stored. Not in legacy circles: original clients have
// no such thing (issue 16), so it is neither sent nor shown there.
import { isValidChannelId } from "../protocol/channel-id.ts";
import { openTyping } from "../protocol/v2/typing-open.ts";
import type { StoredMessage } from "../sync/store.ts";
import { TypingBoard } from "../sync/typing.ts";
import { epochKey } from "../sync/v2-apply.ts";
import { TypingOut, type TypingOutPorts, typingCircle } from "./typing-out.ts";

/** How often a channel where someone types is looked at again (a notice ends within this of TYPING_SHOW_MS). */
const TYPING_RECHECK_MS = 250;

export interface TypingPorts extends TypingOutPorts {
  /** who types in a channel now (node ids, in the order they started), after a change */
  changed(circleId: string, channelId: string, who: string[]): void;
  log?(line: string): void;
}

export class PeerTyping {
  /** this user's side (the browser may run one of its own before this one is fetched) */
  readonly out: TypingOut;
  private board = new TypingBoard();
  /** per circle and author: the date of the last relay notice accepted (a replay is not newer) */
  private lastRelayTs = new Map<string, number>();
  private timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** per channel: who the front ends were last told types there */
  private shown = new Map<string, string>();
  /** notices dropped over their author's cap (TYPING_RECV_MAX per TYPING_RECV_WINDOW_MS) */
  dropped = 0;

  constructor(
    private p: TypingPorts,
    out?: TypingOut,
  ) {
    this.out = out ?? new TypingOut(p);
  }

  private open(circleId: string) {
    return typingCircle(this.p.store, circleId);
  }

  /** This user typed in a channel (typing-out.ts). */
  local(circleId: string, channelId: string): boolean {
    return this.out.local(circleId, channelId);
  }

  /** A TYPING frame from the authenticated peer of a v2 session. */
  fromSession(circleId: string, channelId: string, peer: string): void {
    if (this.open(circleId)) this.heard(circleId, channelId, peer);
  }

  /** A notice that came through the relay: opened, its author and date checked, then shown. */
  fromRelay(circleId: string, blob: unknown): void {
    const c = this.open(circleId);
    if (!c) return;
    const now = this.p.nowMs();
    const v = openTyping(blob, circleId, (ep) => epochKey(this.p.store, c, ep), now);
    if (!v.ok) return this.p.log?.(`relay typing notice dropped: ${v.reason}`);
    const n = v.value;
    if (n.author === this.p.keys().nodeId || this.p.store.removedAt(circleId, n.author) !== undefined) return;
    const k = `${circleId}/${n.author}`;
    if (n.tsMs <= (this.lastRelayTs.get(k) ?? 0)) return;
    this.lastRelayTs.set(k, n.tsMs);
    this.heard(circleId, n.channelId, n.author);
  }

  /** Messages stored: their authors stopped typing where they wrote; ours ends the throttle. */
  stored(ms: readonly StoredMessage[]): void {
    const me = this.p.keys().nodeId;
    for (const m of ms) {
      if (m.authorNodeId === me) {
        this.out.sent(m.circleId, m.channelId);
        continue;
      }
      const before = this.board.typing(m.circleId, m.channelId, this.p.nowMs());
      if (!before.includes(m.authorNodeId)) continue;
      this.board.messageFrom(m.circleId, m.channelId, m.authorNodeId);
      this.tell(m.circleId, m.channelId);
    }
  }

  /** Who types in a channel now. */
  who(circleId: string, channelId: string): string[] {
    return this.board.typing(circleId, channelId, this.p.nowMs());
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private heard(circleId: string, channelId: string, author: string): void {
    if (!isValidChannelId(channelId)) return;
    if (!this.board.note(circleId, channelId, author, this.p.nowMs())) {
      this.dropped++; // over the author's cap: nothing changes
      return;
    }
    this.tell(circleId, channelId);
  }

  /** Tell the front ends, and look again shortly while anyone types there (a notice expires unless renewed). */
  private tell(circleId: string, channelId: string): void {
    const key = `${circleId}/${channelId}`;
    const who = this.who(circleId, channelId);
    const text = who.join(",");
    if ((this.shown.get(key) ?? "") !== text) this.p.changed(circleId, channelId, who);
    if (!who.length) {
      this.shown.delete(key);
      clearTimeout(this.timers.get(key));
      this.timers.delete(key);
      return;
    }
    this.shown.set(key, text);
    if (this.timers.has(key)) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.tell(circleId, channelId);
    }, TYPING_RECHECK_MS);
    (t as { unref?: () => void }).unref?.();
    this.timers.set(key, t);
  }
}
