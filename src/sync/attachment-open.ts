// Reading a kind-7 message (docs/PROTOCOL.md §20): its descriptor, opened with the channel's
// keys when the channel is sealed, and the text its row shows ("📎 name (size) caption").
import { fromBase64, fromHex } from "../protocol/bytes.ts";
import { type Attachment, attachmentLabel, openAttachment } from "../protocol/v2/attachment.ts";
import { decodeMessage, KIND_ATTACHMENT, type SignedMessage } from "../protocol/v2/message.ts";
import { setAttachmentReader } from "./attachment-hook.ts";
import { accept, reject, type Verdict } from "../protocol/verdict.ts";
import type { SyncStoreV2 } from "./store.ts";

/** The descriptor, or null when this store holds no channel key that opens it. Throws on a malformed body. */
export function attachmentOf(store: SyncStoreV2, m: SignedMessage): Attachment | null {
  const where = { circleId: m.circleId, channelId: m.channelId };
  const plain = openAttachment(m.body, where);
  if (plain || m.body[0] === 0) return plain;
  const k = store.latestChannelKey(m.circleId, m.channelId);
  for (let v = k?.version ?? -1; v >= 0; v--) {
    const key = store.getChannelKey(m.circleId, m.channelId, v);
    const a = key ? openAttachment(m.body, where, fromHex(key)) : null;
    if (a) return a;
  }
  return null;
}

/** Structure check of a kind-7 message on arrival, and its row text ("" while locked). Registered below. */
export function attachmentText(store: SyncStoreV2, m: SignedMessage): Verdict<string> {
  if (m.kind !== KIND_ATTACHMENT) return reject("not an attachment");
  try {
    const a = attachmentOf(store, m);
    return accept(a ? attachmentLabel(a) : "");
  } catch (e) {
    return reject((e as Error).message);
  }
}

setAttachmentReader(attachmentText);

/**
 * Give rows stored before the reader was loaded ("📎") their label (the relay-only browser,
 * once its attachment chunk is in). Returns how many changed.
 */
export function relabelAttachments(store: SyncStoreV2, rows: readonly { msgId: string; text: string }[]): number {
  let n = 0;
  for (const r of rows) {
    if (r.text !== "📎") continue;
    const w = store.getV2Wire(r.msgId);
    if (!w) continue;
    const t = attachmentText(store, decodeMessage(fromBase64(w)));
    store.setMessageText(r.msgId, t.ok ? t.value : "📎 (unreadable attachment)");
    n++;
  }
  return n;
}
