// The chat store's state shape (chat-store.ts) and the display order of a channel's messages.
import type { FillView } from "../../src/peer/fill-progress.ts";
import type { AppState, ConnectionState, DmView, MemberView, MessageView, PeerView } from "./types.ts";

export const PAGE = 50;
/** Messages of a channel the web client holds for its view (chat-window.ts; the rest is re-fetched when scrolled to). */
export const WEB_WINDOW = PAGE * 8;
export const keyOf = (circleId: string, channelId: string) => `${circleId}/${channelId}`;

export interface Notice {
  id: number;
  text: string;
  kind: "info" | "error";
  ts: number;
  /** the channel (keyOf) where it was asked; "" (no circle yet) shows in every channel */
  key: string;
}

export interface ChatState {
  ready: boolean;
  app: AppState | null;
  circleId: string | null;
  channelId: string;
  messages: Record<string, MessageView[]>;
  hasMore: Record<string, boolean>;
  /** per channel scrolled back past its window (chat-window.ts): where each page below it ends, the nearest last */
  newer: Record<string, ({ sortMs: number; seq: number } | null)[]>;
  unread: Record<string, number>;
  mentioned: Record<string, number>;
  /** per channel: the first message that was unread when it was opened (the "new messages" line) */
  newFrom: Record<string, string>;
  notices: Notice[];
  connection: ConnectionState;
  peers: Record<string, PeerView[]>;
  /** per circle: its members, you among them (the membership model, src/peer/member-list.ts) */
  members: Record<string, MemberView[]>;
  debug: string[];
  debugOn: boolean;
  /** latest known display name per author node id, so a rename also relabels messages already shown */
  authors: Record<string, string>;
  /** per circle: the direct-message conversations loaded so far (loadDms), newest first */
  dms: Record<string, DmView[]>;
  /** per circle: a live path to another member, as last told by a "reach" event (else CircleView.reachable) */
  reach: Record<string, boolean>;
  /** per circle: a history streaming in, as last told by a "fill" event (else CircleView.fill) */
  fill: Record<string, FillView | null>;
  /** per channel (keyOf): who types there now, node ids, as the last "typing" event said (typing.ts) */
  typing: Record<string, string[]>;
}

/** Display order, the same as the stores': the message's time in ms, then the order this peer stored it. */
const cmp = (a: MessageView, b: MessageView) => a.sortMs - b.sortMs || a.seq - b.seq;

/**
 * `list` with the messages of `add` it lacks, in display order; one already there is replaced by its
 * newer view (a reaction, edit or delete changed it); `list` itself when nothing changed. A few
 * arrivals (the live case: one message at a time, thousands while a history fills in) go in by
 * binary search: a copy of a message has its display key, so it sits among the equal keys.
 * Before, each arrival re-sorted and re-indexed the whole list: quadratic while a history filled.
 */
export function mergeMessages(list: MessageView[], add: MessageView[]): MessageView[] {
  if (add.length <= 8) {
    let out: MessageView[] | null = null;
    for (const m of add) {
      const cur = out ?? list;
      let lo = 0;
      let hi = cur.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cmp(cur[mid]!, m) <= 0) lo = mid + 1;
        else hi = mid;
      }
      let at = -1;
      for (let i = lo - 1; i >= 0 && cmp(cur[i]!, m) === 0 && at < 0; i--) if (cur[i]!.msgId === m.msgId) at = i;
      if (at >= 0) {
        if (JSON.stringify(cur[at]) === JSON.stringify(m)) continue;
        out ??= list.slice();
        out[at] = m;
        continue;
      }
      out ??= list.slice();
      out.splice(lo, 0, m);
    }
    return out ?? list;
  }
  const at = new Map(list.map((m, i) => [m.msgId, i]));
  let out = list;
  const fresh: MessageView[] = [];
  for (const m of add) {
    const i = at.get(m.msgId);
    if (i === undefined) {
      at.set(m.msgId, -1);
      fresh.push(m);
    } else if (i >= 0 && JSON.stringify(list[i]) !== JSON.stringify(m)) {
      if (out === list) out = [...list];
      out[i] = m;
    }
  }
  return fresh.length ? [...out, ...fresh].sort(cmp) : out;
}

export const cmpKey = (a: { sortMs: number; seq: number }, b: { sortMs: number; seq: number }) =>
  a.sortMs - b.sortMs || a.seq - b.seq;
/** Has channel `k` messages below its window (scrolled back past it: chat-window.ts)? */
export const hasNewer = (s: ChatState, k: string): boolean => (s.newer[k]?.length ?? 0) > 0;
/** A live message newer than a window that has pages below it: not held (it comes with those pages). */
export function beyondWindow(s: ChatState, k: string, m: MessageView): boolean {
  const list = s.messages[k];
  return hasNewer(s, k) && !!list?.length && cmpKey(m, list[list.length - 1]!) > 0;
}

/** A fill's progress told; while it goes on, older messages may come in below what each loaded channel of its circle holds. */
export function onFill(s: ChatState, f: FillView): Pick<ChatState, "fill" | "hasMore"> {
  const hasMore = { ...s.hasMore };
  for (const k of Object.keys(s.messages)) if (k.startsWith(f.circleId + "/")) hasMore[k] = true;
  return { fill: { ...s.fill, [f.circleId]: f.done ? null : f }, hasMore };
}
