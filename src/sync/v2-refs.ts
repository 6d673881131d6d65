// The store rules of reply, reaction, edit and delete (docs/PROTOCOL.md §18), on every path: a
// ref's target must be a chat message of the same circle and channel; an edit is its author's
// only; a delete is its author's or the circle owner's, and erases the target (and the target's
// reactions and edits) from the store; nothing about a deleted message is stored again. A ref
// whose target is not here yet is kept: its target is judged when it arrives.
import { fromHex, fromUtf8 } from "../protocol/bytes.ts";
import { CONTROL_CHANNEL } from "../protocol/message.ts";
import { accept, ignore, reject, type Verdict } from "../protocol/verdict.ts";
import { openBody } from "../protocol/v2/channel-keys.ts";
import { nodeIdOf } from "../protocol/v2/keys.ts";
import type { SignedMessage } from "../protocol/v2/message.ts";
import {
  contentError,
  decodeRefBody,
  FORM_CLEAR,
  FORM_SEALED,
  isAnnotation,
  KIND_DELETE,
  KIND_EDIT,
  KIND_REPLY,
  refBodyError,
  rowText,
  type RefKind,
} from "../protocol/v2/refs.ts";
import type { StoredMessage, SyncStoreV2 } from "./store.ts";
import { useRefRules } from "./ref-hook.ts";

/** The circle owner's node id, when known. */
export function ownerNodeId(store: SyncStoreV2, circleId: string): string | undefined {
  const owner = store.getCircleOwner(circleId);
  return owner ? nodeIdOf(fromHex(owner)) : undefined;
}

/** The opened content of a ref (null: sealed under a key this peer lacks, or not valid once opened). */
export function refContent(store: SyncStoreV2, m: SignedMessage): string | null {
  const b = decodeRefBody(m.body);
  let text: string | null = null;
  if (b.form !== FORM_SEALED) text = fromUtf8(b.payload);
  else {
    const k = store.latestChannelKey(m.circleId, m.channelId);
    for (let v = k?.version ?? -1; v >= 0 && text === null; v--) {
      const key = store.getChannelKey(m.circleId, m.channelId, v);
      if (key) text = openBody(fromHex(key), m.circleId, m.channelId, b.payload);
    }
  }
  return text !== null && !contentError(m.kind as RefKind, text) ? text : null;
}

/** The row text of a ref ("" while sealed and not open). */
export const refRowText = (store: SyncStoreV2, m: SignedMessage): string =>
  rowText(m.kind as RefKind, refContent(store, m) ?? "");

/**
 * Whether a ref may be stored. Its target, when held here, must be a chat message of the same
 * circle and channel, not deleted (then the ref is ignored); an edit must be by the target's
 * author, a delete by the target's author or the circle owner. Returns the target when held.
 */
export function checkRef(store: SyncStoreV2, m: SignedMessage): Verdict<StoredMessage | null> {
  const bodyErr = refBodyError(m.kind as RefKind, m.body);
  if (bodyErr) return reject(bodyErr);
  const { targetId } = decodeRefBody(m.body);
  if (targetId === m.msgId) return reject("a message cannot refer to itself");
  const t = store.getMessage(targetId);
  if (!t) return accept(null);
  if (t.circleId !== m.circleId) return reject("target is a message of another circle");
  if (t.channelId !== m.channelId) return reject("target is in another channel");
  if (t.channelId === CONTROL_CHANNEL || isAnnotation(t.kind)) return reject("target is not a chat message");
  if (t.deleted) return ignore("target was deleted");
  if (m.kind === KIND_EDIT && t.authorNodeId !== m.authorNodeId) return reject("only the author may edit a message");
  if (m.kind === KIND_DELETE && t.authorNodeId !== m.authorNodeId && ownerNodeId(store, m.circleId) !== m.authorNodeId)
    return reject("only the author or the circle owner may delete a message");
  return accept(t);
}

/** A delete of this message by its author or the circle owner is already stored (it arrived first). */
export function deletedBefore(
  store: SyncStoreV2,
  m: { msgId: string; circleId: string; authorNodeId: string },
): boolean {
  const owner = ownerNodeId(store, m.circleId);
  return store
    .refsTo(m.circleId, [m.msgId])
    .some((r) => r.kind === KIND_DELETE && (r.authorNodeId === m.authorNodeId || r.authorNodeId === owner));
}

/** After a ref is stored: a delete erases its target (held now or, when it comes, never stored). */
export function applyRef(store: SyncStoreV2, m: SignedMessage, target: StoredMessage | null): void {
  if (m.kind === KIND_DELETE && target) store.eraseMessage(target.msgId);
}

useRefRules({
  before(store, m) {
    if (store.getMessage(m.msgId)?.deleted) return ignore("deleted");
    const r = m.kind >= 3 && m.kind <= 6 ? checkRef(store, m) : accept(null);
    if (!r.ok) return r;
    if (m.kind !== 2 && deletedBefore(store, m))
      return store.transaction(() => {
        store.eraseMessage(m.msgId); // its reactions and edits that came before it
        return ignore("deleted");
      });
    if (m.kind < 3 || m.kind > 6) return accept(null); // not a ref kind (text, sealed, control, attachment, DM)
    return accept({ targetId: decodeRefBody(m.body).targetId, target: r.value, text: refRowText(store, m) });
  },
  after: (store, m, plan) => applyRef(store, m, plan.target),
  givesV1: (m) => (m.kind === KIND_REPLY || m.kind === KIND_EDIT) && decodeRefBody(m.body).form === FORM_CLEAR,
});
