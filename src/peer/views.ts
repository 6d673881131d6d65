// What the front ends show of stored rows: a message with its best known author name and how
// it is authenticated, a channel with its members and whether this peer is in it.
import type { AccessMode } from "../protocol/control.ts";
import type { ChannelRow, StoredMessage, SyncStoreV2 } from "../sync/store.ts";
import { type Delivery, deliveryOf } from "./delivery.ts";
import type { RefsView } from "./refs-view.ts";
import type { TimelineEvent, TimelineLine } from "./timeline.ts";

export type { TimelineEvent };

/** How replies, reactions, edits and deletes show (refs-view.ts): set by the node always, by the relay-only browser
 * when it first holds one (a chunk of its own, not in the first load); until then a message shows as stored. */
export interface RefsHook {
  /** the row a view shows: the row, or for a reaction, edit or delete the message it changed (when here) */
  row(store: SyncStoreV2, m: StoredMessage): StoredMessage;
  view(store: SyncStoreV2, m: StoredMessage, isMe: (id: string) => boolean): RefsView;
}
let refs: RefsHook | null = null;
export const useRefsView = (h: RefsHook): void => {
  refs = h;
};

export interface MessageView extends Omit<RefsView, "text"> {
  seq: number;
  msgId: string;
  circleId: string;
  channelId: string;
  authorNodeId: string;
  /** best known display name of the author */
  author: string;
  displayName: string;
  createdTs: number;
  sortTs: number;
  /** display order: (sortMs, then seq), in every store and front end */
  sortMs: number;
  /** it arrived well after later messages of its channel were stored, and is placed by its time */
  late: boolean;
  /** when it arrived here (unix seconds) */
  receivedAt: number;
  /** version-2 messages: the author's sequence number in the circle */
  authorSeq?: number;
  text: string;
  /** "sig": signed by its author (v2); "mac": only circle-authenticated (a v1 MAC, or a v1 envelope that opened); "none" */
  verified: "sig" | "mac" | "none";
  own: boolean;
  /** own messages only: pending / sent, how many members hold it, whether the relay does (delivery.ts) */
  delivery?: Delivery;
  /** a control row that is a timeline event: shown as a quiet line in event.channelId, `text` its words ("Bob joined"; timeline.ts) */
  event?: TimelineEvent;
  /** the view of a message that a reaction, edit or delete just changed (not a new message) */
  update?: boolean;
}

export interface ChannelView {
  channelId: string;
  accessMode: AccessMode;
  createdBy: string;
  createdTs: number;
  members: string[];
  requests: string[];
  joined: boolean;
}

/**
 * The view of a stored row; for a reaction, edit or delete, the view of the message it changed (when here).
 * `events`: the circle's timeline with each event's line (timeline.ts), for control rows to show as timeline lines.
 */
export function messageView(
  store: SyncStoreV2,
  row: StoredMessage,
  isMe: (nodeId: string) => boolean,
  events?: Map<string, TimelineLine>,
): MessageView {
  const m = refs ? refs.row(store, row) : row;
  const ev = m.channelId === "__control" ? events?.get(m.msgId) : undefined;
  return {
    seq: m.seq,
    msgId: m.msgId,
    circleId: m.circleId,
    channelId: m.channelId,
    authorNodeId: m.authorNodeId,
    author: store.getDisplayName(m.authorNodeId) || m.displayName || m.authorNodeId.slice(0, 8),
    displayName: m.displayName,
    createdTs: m.createdTs,
    sortTs: m.sortTs,
    sortMs: m.sortMs,
    late: !!m.late,
    receivedAt: m.receivedAt,
    ...(m.authorSeq ? { authorSeq: m.authorSeq } : {}),
    verified: m.signed ? "sig" : m.mac ? "mac" : "none",
    ...(refs ? refs.view(store, m, isMe) : { text: m.text }),
    ...(ev ? { text: ev.text } : {}),
    ...(m !== row && { update: true }),
    own: isMe(m.authorNodeId),
    ...(isMe(m.authorNodeId) && m.channelId !== "__control" ? { delivery: deliveryOf(store, m.msgId) } : {}),
    ...(ev ? { event: ev.event } : {}),
  };
}

/**
 * A channel's access mode. A v2 channel's is its signed channel_create event's: a message of
 * the channel that arrived before that event made the channel row "public" (noteChat), and
 * the row stays so.
 */
export const channelMode = (store: SyncStoreV2, ch: ChannelRow): AccessMode =>
  (store.getV2Channel(ch.circleId, ch.channelId)?.mode as AccessMode | undefined) ?? ch.accessMode;

export function channelViews(store: SyncStoreV2, circleId: string, me: string): ChannelView[] {
  return store.listChannels(circleId).map((ch) => {
    const members = store.channelMembers(circleId, ch.channelId);
    const accessMode = channelMode(store, ch);
    return {
      channelId: ch.channelId,
      accessMode,
      createdBy: ch.createdBy,
      createdTs: ch.createdTs,
      members: members.filter((m) => m.state === "member").map((m) => m.nodeId),
      requests: members.filter((m) => m.state === "requested").map((m) => m.nodeId),
      joined:
        accessMode === "public" || ch.createdBy === me || members.some((m) => m.nodeId === me && m.state === "member"),
    };
  });
}

/** One exchange with a peer, as the front ends are told of it (a "sync" event of the node and of a Backend). */
export interface SyncReport {
  circleId: string;
  peer: string;
  addr: string;
  ok: boolean;
  stored: number;
  sent: number;
  detail: string;
}
