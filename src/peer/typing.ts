// Typing indicators of a peer (docs/PROTOCOL.md §22), the one implementation run by the node and
// by the relay-only browser: this user's keystrokes go out (throttled) on the circle's live v2
// sessions and through its relay as a sealed notice; notices that come in (a session's TYPING
// frame, a relay notice opened and checked here) go on the board (capped per author), and the
// front ends get who types in a channel whenever that changes: a notice, the author's message,
// or TYPING_SHOW_MS without renewal. Never stored. Not in legacy circles: original clients have
// no such thing (issue 16), so it is neither sent nor shown there.
import type { Rng } from "../protocol/crypto.ts";
import { isValidChannelId } from "../protocol/channel-id.ts";
import type { NodeKeys } from "../protocol/v2/keys.ts";
import { openTyping, sealTyping } from "../protocol/v2/typing.ts";
import type { StoredMessage, SyncStoreV2 } from "../sync/store.ts";
import { TypingBoard, TypingThrottle } from "../sync/typing.ts";
import { epochKey, isLegacy } from "../sync/v2-apply.ts";

/** How often a channel where someone types is looked at again (a notice ends within this of TYPING_SHOW_MS). */
const TYPING_RECHECK_MS = 250;

export interface TypingPorts {
  store: SyncStoreV2;
  keys(): NodeKeys;
  nowMs(): number;
  rng: Rng;
  /** send TYPING on the circle's live v2 sessions (the node; the browser has none) */
  sessions?(circleId: string, channelId: string): void;
  /** send a sealed notice through the circle's relay (no-op where the relay cannot carry it) */
  relay?(circleId: string, blob: string): void;
  /** who types in a channel now (node ids, in the order they started), after a change */
  changed(circleId: string, channelId: string, who: string[]): void;
  log?(line: string): void;
}

export class PeerTyping {
  private throttle = new TypingThrottle();
  private board = new TypingBoard();
  /** per circle and author: the date of the last relay notice accepted (a replay is not newer) */
  private lastRelayTs = new Map<string, number>();
  private timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** per channel: who the front ends were last told types there */
  private shown = new Map<string, string>();
  /** notices dropped over their author's cap (TYPING_RECV_MAX per TYPING_RECV_WINDOW_MS) */
  dropped = 0;

  constructor(private p: TypingPorts) {}

  /** A circle this peer types in and shows typing for: held, and not a legacy one. */
  private open(circleId: string) {
    const c = this.p.store.getCircle(circleId);
    return c && !isLegacy(c) ? c : null;
  }

  /** This user typed in a channel: tell the others unless told recently. True when a notice went out. */
  local(circleId: string, channelId: string): boolean {
    const c = this.open(circleId);
    if (!c || !isValidChannelId(channelId)) return false;
    const now = this.p.nowMs();
    if (!this.throttle.shouldSend(circleId, channelId, now)) return false;
    this.p.sessions?.(circleId, channelId);
    if (this.p.relay) {
      const ek = epochKey(this.p.store, c, c.keyEpoch);
      const k = this.p.keys();
      if (ek)
        this.p.relay(
          circleId,
          sealTyping(
            { circleId, channelId, tsMs: now },
            { epoch: c.keyEpoch, epochKey: ek, edPublic: k.edPublic, edSecret: k.edSecret },
            this.p.rng(12),
          ),
        );
    }
    return true;
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
        this.throttle.sent(m.circleId, m.channelId);
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
