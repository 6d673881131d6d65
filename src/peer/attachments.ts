// Attachments as a member handles them (docs/PROTOCOL.md §20), for the node and the relay-only
// browser alike: send a file, index the chunks of every stored attachment message (only those
// are served), describe one for the front ends, and fetch a file on demand from the sources the
// shell offers (live sessions, the circle's relay) with resume: chunks held are never asked again.
import { fromBase64, toBase64 } from "../protocol/bytes.ts";
import { normalizeChannelId } from "../protocol/channel-id.ts";
import { FelundError } from "../protocol/errors.ts";
import { ATTACH_PROTOCOL_MAX } from "../protocol/limits.ts";
import { type Attachment, chunkError, openFile } from "../protocol/v2/attachment.ts";
import { decodeMessage, KIND_ATTACHMENT, type SignedMessage } from "../protocol/v2/message.ts";
import { attachmentOf } from "../sync/attachment-open.ts";
import { type Attached, composeAttachment, type FileToSend } from "../sync/attachment-compose.ts";
import type { BlobStore } from "../sync/blobs.ts";
import type { StoredMessage, SyncStoreV2 } from "../sync/store.ts";
import { type PeerCtx, requireCircle, v2Ctx } from "./ctx.ts";

export type { FileToSend } from "../sync/attachment-compose.ts";

/** What a front end shows of an attachment (no key: the file is fetched through the peer). */
export interface AttachmentInfo {
  msgId: string;
  circleId: string;
  name: string;
  size: number;
  mime: string;
  caption: string;
  /** the thumbnail, base64 ("" when none) */
  thumb: string;
  thumbMime: string;
  chunks: number;
  /** chunks held here already */
  held: number;
}

/** Sign and store an attachment message; its chunks are kept in `blobs`. The shell publishes the row. */
export function sendAttachment(
  ctx: PeerCtx,
  blobs: BlobStore,
  circleId: string,
  channel: string,
  file: FileToSend,
  maxBytes: number,
): Attached {
  const c = requireCircle(ctx, circleId);
  const ch = normalizeChannelId(channel || "general");
  if (!ctx.store.getChannel(c.circleId, ch))
    throw new FelundError("E_UNKNOWN_CHANNEL", `unknown channel: #${ch} (create it first)`);
  if (!ctx.v2 || c.mode !== "v2")
    throw new FelundError(
      "E_REFUSED",
      "attachments need a v2 circle: this circle is legacy-compatible (original members would see nothing)",
    );
  if (file.bytes.length > Math.min(maxBytes, ATTACH_PROTOCOL_MAX))
    throw new FelundError("E_TOO_LONG", `file too large: ${file.bytes.length} bytes (limit ${maxBytes})`);
  const r = composeAttachment(v2Ctx(ctx), blobs, {
    circleId: c.circleId,
    channelId: ch,
    displayName: ctx.me().displayName,
    now: ctx.now(),
    nowMs: ctx.nowMs?.(),
    rng: ctx.rng,
    file,
    maxBytes,
  });
  if (!r.ok) throw new FelundError(r.reason === "no key for this channel" ? "E_NO_KEY" : "E_REFUSED", r.reason);
  return r.value;
}

/** The signed kind-7 message behind a row, or null for any other row. */
export function attachmentMessage(store: SyncStoreV2, msgId: string): SignedMessage | null {
  const w = store.getV2Wire(msgId);
  if (!w) return null;
  const m = decodeMessage(fromBase64(w));
  return m.kind === KIND_ATTACHMENT ? m : null;
}

/**
 * Note the chunks of the attachment messages among stored rows (every arrival path calls this
 * through its shell): from then on this peer serves those chunks to the circle's members.
 */
export function indexAttachments(store: SyncStoreV2, blobs: BlobStore, rows: readonly StoredMessage[]): void {
  for (const r of rows) {
    // a kind-7 row's text is its label ("📎 …"), or "" while its sealed channel is locked
    if (r.text && !r.text.startsWith("📎")) continue;
    const m = attachmentMessage(store, r.msgId);
    const a = m ? attachmentOf(store, m) : null;
    if (a) blobs.listChunks(r.circleId, r.msgId, a.chunks);
  }
}

function requireAttachment(store: SyncStoreV2, circleId: string, msgId: string): Attachment {
  const m = attachmentMessage(store, msgId);
  if (!m || m.circleId !== circleId) throw new FelundError("E_NOT_FOUND", `no attachment ${msgId.slice(0, 12)} here`);
  const a = attachmentOf(store, m);
  if (!a) throw new FelundError("E_NO_KEY", "this attachment is in a channel you hold no key for");
  return a;
}

export function attachmentInfo(store: SyncStoreV2, blobs: BlobStore, circleId: string, msgId: string): AttachmentInfo {
  const a = requireAttachment(store, circleId, msgId);
  return {
    msgId,
    circleId,
    name: a.name,
    size: a.size,
    mime: a.mime,
    caption: a.caption,
    thumb: a.thumb.length ? toBase64(a.thumb) : "",
    thumbMime: a.thumbMime,
    chunks: a.chunks.length,
    held: blobs.held(circleId, a.chunks).size,
  };
}

/** Where chunks can come from: a live session with a member, or the circle's relay. */
export interface ChunkSource {
  name: string;
  /** the sealed chunks this source holds among `ids` (absent: not held there) */
  get(ids: string[]): Promise<Map<string, Uint8Array>>;
}

export interface FetchDeps {
  store: SyncStoreV2;
  blobs: BlobStore;
  sources: ChunkSource[];
  maxBytes: number;
  now(): number;
  /** chunks held so far of the whole file */
  progress?(held: number, total: number): void;
}

/** Chunks asked of one source at once: bounds the memory and the queue a fetch fills. */
const WINDOW = 16;

/**
 * Fetch an attachment's missing chunks (the declared size is checked against the limit before
 * anything is asked; every chunk against its id and size) and return the file. A fetch that is
 * interrupted keeps what arrived: the next one asks only for the rest.
 */
export async function fetchAttachment(d: FetchDeps, circleId: string, msgId: string): Promise<Uint8Array> {
  const a = requireAttachment(d.store, circleId, msgId);
  if (a.size > d.maxBytes)
    throw new FelundError("E_TOO_LONG", `attachment too large: ${a.size} bytes (limit ${d.maxBytes})`);
  d.blobs.listChunks(circleId, msgId, a.chunks);
  const total = a.chunks.length;
  let missing = a.chunks.filter((id) => !d.blobs.held(circleId, [id]).size);
  d.progress?.(total - missing.length, total);
  for (const src of d.sources) {
    for (let i = 0; i < missing.length; i += WINDOW) {
      const ask = missing.slice(i, i + WINDOW);
      let got: Map<string, Uint8Array>;
      try {
        got = await src.get(ask);
      } catch {
        break; // this source failed: try the next one for what is still missing
      }
      for (const id of ask) {
        const data = got.get(id);
        if (!data || d.blobs.held(circleId, [id]).size) continue;
        if (chunkError(id, data)) continue; // never stored: a wrong or oversize chunk
        d.blobs.putChunk(circleId, id, data, d.now());
      }
      d.progress?.(d.blobs.held(circleId, a.chunks).size, total);
    }
    missing = missing.filter((id) => !d.blobs.held(circleId, [id]).size);
    if (!missing.length) break;
  }
  if (missing.length)
    throw new FelundError(
      "E_UNREACHABLE",
      `${missing.length} of ${total} chunks could not be fetched yet (try again later)`,
    );
  return assemble(d.store, d.blobs, circleId, msgId);
}

/** The file from held chunks (all must be held). */
export function assemble(store: SyncStoreV2, blobs: BlobStore, circleId: string, msgId: string): Uint8Array {
  const a = requireAttachment(store, circleId, msgId);
  const sealed = a.chunks.map((id) => blobs.getChunk(circleId, id));
  if (sealed.some((s) => !s)) throw new FelundError("E_NOT_FOUND", "attachment not fetched yet");
  const file = openFile(a, sealed as Uint8Array[]);
  if (!file) throw new FelundError("E_INVALID", "attachment chunks do not open: the file is damaged");
  return file;
}

/** The name an attachment is saved under: its own, never a path. */
export const attachmentName = (store: SyncStoreV2, circleId: string, msgId: string): string =>
  requireAttachment(store, circleId, msgId).name;
