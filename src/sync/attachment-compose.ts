// Sending a file (docs/PROTOCOL.md §20): seal it under a fresh random key in 64 KiB chunks,
// sign a kind-7 message that lists them (sealed under the channel key in access-controlled
// channels), store it like any message, and keep the chunks for members who fetch them.
import { fromHex } from "../protocol/bytes.ts";
import { ATTACH_PROTOCOL_MAX } from "../protocol/limits.ts";
import { type Attachment, attachmentBody, descriptorError, sealFile } from "../protocol/v2/attachment.ts";
import { KIND_ATTACHMENT, type SignedMessage } from "../protocol/v2/message.ts";
import { accept, reject, type Verdict } from "../protocol/verdict.ts";
import type { BlobStore } from "./blobs.ts";
import type { StoredMessage } from "./store.ts";
import { acceptSigned, type Compose, isLegacy, signOwn, type V2Ctx } from "./v2-apply.ts";

export interface FileToSend {
  name: string;
  mime: string;
  bytes: Uint8Array;
  caption?: string;
  /** a small image preview (≤ 8 KiB JPEG/WebP/PNG), or none */
  thumb?: { mime: string; bytes: Uint8Array };
}

export interface Attached {
  signed: SignedMessage;
  row: StoredMessage;
  attachment: Attachment;
  /** the sealed chunks, in order (already in `blobs`; the shell also uploads them to the relay) */
  chunks: { id: string; data: Uint8Array }[];
}

/** Check the limits, seal the file, sign and store the message, keep its chunks. */
export function composeAttachment(
  ctx: V2Ctx,
  blobs: BlobStore,
  c: Compose & { file: FileToSend; maxBytes: number },
): Verdict<Attached> {
  const circle = ctx.store.getCircle(c.circleId);
  if (!circle) return reject("unknown circle");
  if (isLegacy(circle)) return reject("attachments need a v2 circle: this circle also has original (v1) members");
  const f = c.file;
  const max = Math.min(c.maxBytes, ATTACH_PROTOCOL_MAX);
  if (f.bytes.length > max) return reject(`file too large (${f.bytes.length} bytes; the limit is ${max})`);
  if (f.bytes.length === 0) return reject("file is empty");
  const key = c.rng(32);
  const sealed = sealFile(key, f.bytes);
  const attachment: Attachment = {
    name: f.name,
    size: f.bytes.length,
    mime: f.mime || "application/octet-stream",
    key,
    chunks: sealed.ids,
    caption: f.caption ?? "",
    thumbMime: f.thumb?.mime ?? "",
    thumb: f.thumb?.bytes ?? new Uint8Array(0),
  };
  const why = descriptorError(attachment);
  if (why) return reject(why);
  const ch = ctx.store.getV2Channel(c.circleId, c.channelId);
  let seal: Parameters<typeof attachmentBody>[1];
  if (ch && ch.mode !== "public") {
    const k = ctx.store.latestChannelKey(c.circleId, c.channelId);
    if (!k) return reject("no key for this channel");
    seal = {
      key: fromHex(k.keyHex),
      circleId: c.circleId,
      channelId: c.channelId,
      keyVersion: k.version,
      nonce: c.rng(12),
    };
  }
  const signed = signOwn(ctx, circle, c, KIND_ATTACHMENT, attachmentBody(attachment, seal));
  const r = acceptSigned({ ...ctx, now: c.now }, circle, signed.wire, "local");
  if (!r.ok) return r;
  const chunks = sealed.ids.map((id, i) => ({ id, data: sealed.chunks[i]! }));
  for (const x of chunks) blobs.putChunk(c.circleId, x.id, x.data, c.now);
  blobs.listChunks(c.circleId, signed.msgId, sealed.ids);
  return accept({ signed, row: r.value, attachment, chunks });
}
