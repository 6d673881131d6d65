// How replies, reactions, edits and deletes (docs/PROTOCOL.md §18) show on a message: the
// quote of a reply, the reactions counted (one per author and emoji: the author's newest add or
// remove wins), the text of the author's newest edit with an "edited" mark, and a tombstone for
// a deleted message. Computed from the store for each view, so every front end shows the same.
import {
  contentOfRow,
  isAnnotation,
  KIND_EDIT,
  KIND_REACTION,
  KIND_REPLY,
  parseReaction,
  parseReply,
} from "../protocol/v2/refs.ts";
import type { StoredMessage, SyncStoreV2 } from "../sync/store.ts";

export interface ReactionView {
  emoji: string;
  count: number;
  /** this peer's user is among them */
  mine: boolean;
  /** who, by name, in the order they reacted */
  who: string[];
}

export interface RefsView {
  /** 3 for a reply; an annotation kind (4-6) only for a view of a ref whose target is not here (front ends skip it) */
  kind?: number;
  /** a reply: the message it answers, its author and first line as quoted (or "message deleted") */
  reply?: { msgId: string; author: string; line: string; deleted?: boolean };
  reactions?: ReactionView[];
  /** edited by its author: how often, when last (unix seconds), and every text it had, first as written */
  edited?: { count: number; ts: number; history: { text: string; ts: number }[] };
  /** deleted by its author or the circle owner: the text is gone */
  deleted?: boolean;
  text: string;
}

/** (author_seq, created_ms, seq): an author's newest ref wins */
const newer = (a: StoredMessage, b: StoredMessage) =>
  (a.authorSeq ?? 0) - (b.authorSeq ?? 0) || (a.createdMs ?? 0) - (b.createdMs ?? 0) || a.seq - b.seq;

/** The row a view shows for `m`: itself, or for a reaction, edit or delete the message it refers to (when here). */
const shownRow = (store: SyncStoreV2, m: StoredMessage): StoredMessage =>
  (isAnnotation(m.kind) && m.targetId && store.getMessage(m.targetId)) || m;

/** The hook views.ts takes (useRefsView). */
export const refsHook = {
  row: shownRow,
  view: (store: SyncStoreV2, m: StoredMessage, isMe: (id: string) => boolean) =>
    refsView(store, m, isMe, (id) => store.getDisplayName(id) || id.slice(0, 8)),
};

export function refsView(
  store: SyncStoreV2,
  m: StoredMessage,
  isMe: (nodeId: string) => boolean,
  nameOf: (nodeId: string) => string,
): RefsView {
  if (m.deleted) return { deleted: true, text: "", ...(m.kind === KIND_REPLY ? { kind: KIND_REPLY } : {}) };
  if (isAnnotation(m.kind)) return { kind: m.kind!, text: "" };
  const out: RefsView = { text: m.text };
  if (m.kind === KIND_REPLY && m.targetId) {
    const q = parseReply(m.text);
    const t = store.getMessage(m.targetId);
    out.kind = KIND_REPLY;
    out.text = q.text;
    out.reply = {
      msgId: m.targetId,
      author: t ? nameOf(t.authorNodeId) : q.name,
      line: t?.deleted ? "" : q.line,
      ...(t?.deleted ? { deleted: true } : {}),
    };
  }
  const refs = store.refsTo(m.circleId, [m.msgId]).filter((r) => r.text !== "");
  const edits = refs.filter((r) => r.kind === KIND_EDIT && r.authorNodeId === m.authorNodeId).sort(newer);
  const last = edits.at(-1);
  if (last) {
    out.text = contentOfRow(KIND_EDIT, last.text);
    out.edited = { count: edits.length, ts: last.createdTs, history: editHistory(store, m) };
  }
  const latest = new Map<string, StoredMessage>();
  for (const r of refs.filter((x) => x.kind === KIND_REACTION).sort(newer))
    latest.set(`${r.authorNodeId} ${parseReaction(r.text).emoji}`, r);
  const byEmoji = new Map<string, ReactionView>();
  // in the order they were made (the same on every peer), not the order they arrived here
  const made = (a: StoredMessage, b: StoredMessage) =>
    (a.createdMs ?? a.createdTs * 1000) - (b.createdMs ?? b.createdTs * 1000) ||
    (a.authorNodeId < b.authorNodeId ? -1 : 1);
  for (const r of [...latest.values()].sort(made)) {
    const { emoji, add } = parseReaction(r.text);
    if (!add) continue;
    const v = byEmoji.get(emoji) ?? { emoji, count: 0, mine: false, who: [] };
    v.count++;
    v.mine ||= isMe(r.authorNodeId);
    v.who.push(nameOf(r.authorNodeId));
    byEmoji.set(emoji, v);
  }
  if (byEmoji.size) out.reactions = [...byEmoji.values()];
  return out;
}

/** A message's text as first written and after each of its author's edits, oldest first. */
export function editHistory(store: SyncStoreV2, m: StoredMessage): { text: string; ts: number }[] {
  if (m.deleted) return [];
  const first = m.kind === KIND_REPLY ? parseReply(m.text).text : m.text;
  const edits = store
    .refsTo(m.circleId, [m.msgId])
    .filter((r) => r.kind === KIND_EDIT && r.authorNodeId === m.authorNodeId && r.text !== "")
    .sort(newer);
  return [
    { text: first, ts: m.createdTs },
    ...edits.map((e) => ({ text: contentOfRow(KIND_EDIT, e.text), ts: e.createdTs })),
  ];
}
