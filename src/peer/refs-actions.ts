// Reply, react, edit and delete (docs/PROTOCOL.md §18), for the node and the relay-only browser
// alike. Each signs one v2 message of kind 3-6 naming its target; the shell publishes the row it
// returns like any message. A v1-only peer (no signatures) falls back to what original clients
// understand: a reply as a quoted text, an edit as "(edit) text", no reactions, and a delete
// that erases only its own copy.
import { utf8Length } from "../protocol/bytes.ts";
import { FelundError } from "../protocol/errors.ts";
import { MAX_TEXT_BYTES } from "../protocol/limits.ts";
import { CONTROL_CHANNEL } from "../protocol/message.ts";
import { KIND_ATTACHMENT } from "../protocol/v2/message.ts";
import {
  EDIT_MARK,
  isAnnotation,
  KIND_DELETE,
  KIND_EDIT,
  KIND_REACTION,
  KIND_REPLY,
  reactionContent,
  replyContent,
  type RefKind,
} from "../protocol/v2/refs.ts";
import type { StoredMessage } from "../sync/store.ts";
import { composeRef } from "../sync/v2-compose-refs.ts";
import { ownerNodeId } from "../sync/v2-refs.ts";
import { requireCircle, rowOf, v2Ctx, who, type PeerCtx } from "./ctx.ts";
import { editHistory, refsHook, refsView } from "./refs-view.ts";
import { useRefsView } from "./views.ts";

useRefsView(refsHook);

/** The message a ref may name: a chat message of the circle (by id or a unique prefix of 6+), not deleted. */
export function refTarget(ctx: PeerCtx, circleId: string, msgId: string): StoredMessage {
  const c = requireCircle(ctx, circleId);
  const t = ctx.store.getMessage(msgId);
  if (!t || t.circleId !== c.circleId || t.channelId === CONTROL_CHANNEL || isAnnotation(t.kind))
    throw new FelundError("E_NOT_FOUND", `no such message: ${msgId.slice(0, 32)}`);
  if (t.deleted) throw new FelundError("E_REFUSED", "that message was deleted");
  return t;
}

function sign(ctx: PeerCtx, t: StoredMessage, kind: RefKind, content: string): StoredMessage {
  const r = composeRef(v2Ctx(ctx), {
    ...who(ctx),
    circleId: t.circleId,
    channelId: t.channelId,
    kind,
    targetId: t.msgId,
    content,
  });
  if (!r.ok && r.reason === "no key for this channel")
    throw new FelundError("E_NO_KEY", `you cannot write in #${t.channelId} yet`);
  return rowOf(r);
}

const checkText = (text: string, max = MAX_TEXT_BYTES) => {
  if (!text.trim()) throw new FelundError("E_EMPTY", "message is empty");
  if (utf8Length(text) > max) throw new FelundError("E_TOO_LONG", `message too long (max ${max} bytes)`);
};

const nameOf = (ctx: PeerCtx, id: string) => ctx.store.getDisplayName(id) || id.slice(0, 8);

/** Answer a message: its author and first line are quoted (and signed with the reply). */
export function replyTo(ctx: PeerCtx, circleId: string, targetId: string, text: string): StoredMessage {
  const t = refTarget(ctx, circleId, targetId);
  checkText(text);
  const me = ctx.me().nodeId;
  const shown = refsView(
    ctx.store,
    t,
    (id) => id === me,
    (id) => nameOf(ctx, id),
  ).text;
  const content = replyContent(nameOf(ctx, t.authorNodeId), shown, text);
  if (utf8Length(content) > MAX_TEXT_BYTES) throw new FelundError("E_TOO_LONG", "reply too long");
  if (!ctx.v2) return ctx.postV1(t.circleId, t.channelId, content);
  return sign(ctx, t, KIND_REPLY, content);
}

/** Add or remove a reaction; `add` absent toggles this user's own. */
export function react(ctx: PeerCtx, circleId: string, targetId: string, emoji: string, add?: boolean): StoredMessage {
  const t = refTarget(ctx, circleId, targetId);
  if (!ctx.v2) throw new FelundError("E_REFUSED", "reactions need felund v2: original clients cannot see them");
  const me = ctx.me().nodeId;
  const e = emoji.trim();
  const mine = refsView(
    ctx.store,
    t,
    (id) => id === me,
    (id) => id,
  ).reactions?.some((r) => r.emoji === e && r.mine);
  const content = reactionContent(e, add ?? !mine);
  try {
    return sign(ctx, t, KIND_REACTION, content);
  } catch (err) {
    if (err instanceof FelundError && /emoji|reaction/.test(err.message))
      throw new FelundError("E_INVALID", "invalid input: a reaction is one emoji");
    throw err;
  }
}

/** Replace the text of one of this user's messages (the newest edit wins everywhere). */
export function editMessage(ctx: PeerCtx, circleId: string, targetId: string, text: string): StoredMessage {
  const t = refTarget(ctx, circleId, targetId);
  if (t.authorNodeId !== ctx.me().nodeId) throw new FelundError("E_REFUSED", "only its author may edit a message");
  if (t.kind === KIND_ATTACHMENT)
    throw new FelundError("E_REFUSED", "an attachment cannot be edited: delete it and send it again");
  checkText(text, MAX_TEXT_BYTES - utf8Length(EDIT_MARK));
  if (!ctx.v2) return ctx.postV1(t.circleId, t.channelId, EDIT_MARK + text);
  return sign(ctx, t, KIND_EDIT, text);
}

/** Delete a message (its author, or the circle owner): every member's copy is erased. */
export function deleteMessage(ctx: PeerCtx, circleId: string, targetId: string): StoredMessage {
  const t = refTarget(ctx, circleId, targetId);
  const me = ctx.me().nodeId;
  if (t.authorNodeId !== me && ownerNodeId(ctx.store, t.circleId) !== me)
    throw new FelundError("E_REFUSED", "only its author or the circle owner may delete a message");
  if (!ctx.v2) {
    ctx.store.transaction(() => ctx.store.eraseMessage(t.msgId));
    return ctx.store.getMessage(t.msgId)!;
  }
  return sign(ctx, t, KIND_DELETE, "");
}

/** The texts a message had, first as written then after each edit. */
export function messageHistory(ctx: PeerCtx, circleId: string, msgId: string): { text: string; ts: number }[] {
  return editHistory(ctx.store, refTarget(ctx, circleId, msgId));
}
