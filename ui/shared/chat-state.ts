// The chat store's state shape (chat-store.ts) and the display order of a channel's messages.
import type { AppState, ConnectionState, MemberView, MessageView, PeerView } from "./types.ts";

export const PAGE = 50;
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
  /** per circle: a live path to another member, as last told by a "reach" event (else CircleView.reachable) */
  reach: Record<string, boolean>;
}

/** Display order, the same as the stores': the message's time in ms, then the order this peer stored it. */
const cmp = (a: MessageView, b: MessageView) => a.sortMs - b.sortMs || a.seq - b.seq;

/** Add messages not in the list; one already there is replaced by its newer view (a reaction, edit or delete changed it). */
export function mergeMessages(list: MessageView[], add: MessageView[]): MessageView[] {
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
