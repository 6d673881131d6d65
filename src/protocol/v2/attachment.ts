// Attachments (docs/PROTOCOL.md §20): the body of a kind-7 signed message, and the sealed,
// content-addressed chunks of the file it describes.
//
//   body       = u8 0 | descriptor                                           (public channel)
//              | u8 1 | u32 key_version | fixed12 nonce | bytes AEAD(K, nonce, descriptor, aad)
//                 with the channel key and aad of a sealed kind-1 body (§7)  (access-controlled channel)
//   descriptor = str name | u64 size | str mime | fixed32 file_key | u32 n | n × fixed16 chunk_id
//                | str caption | str thumb_mime | bytes thumbnail (may be empty)
//   chunk i    = AES-256-GCM(file_key, nonce = 0^8 | u32 i, file[i·64 KiB, (i+1)·64 KiB), aad = str "felund2/blob" | u32 i)
//   chunk_id   = SHA-256(sealed chunk)[0:16]
// The file key is random per file and travels only inside the signed (and in sealed channels
// sealed) message, so relays and non-members hold opaque chunks they cannot read.
import { fromHex, toHex, utf8Length } from "../bytes.ts";
import {
  ATTACH_CAPTION_MAX,
  ATTACH_CHUNK_BYTES,
  ATTACH_CHUNKS_MAX,
  ATTACH_MIME_MAX,
  ATTACH_NAME_MAX,
  ATTACH_PROTOCOL_MAX,
  ATTACH_SEALED_CHUNK_MAX,
  ATTACH_THUMB_MAX,
} from "../limits.ts";
import { bodyAad, decodeSealedBody } from "./channel-keys.ts";
import { Reader, V2DecodeError, Writer, tagged } from "./codec.ts";
import { aeadOpen, aeadSeal, h256 } from "./keys.ts";

export { KIND_ATTACHMENT } from "./message.ts";
const FORM_PLAIN = 0;
const FORM_SEALED = 1;

export interface Attachment {
  name: string;
  size: number;
  mime: string;
  key: Uint8Array;
  /** hex ids of the sealed chunks, in file order */
  chunks: string[];
  caption: string;
  thumbMime: string;
  thumb: Uint8Array;
}

export const chunkCount = (size: number): number => Math.ceil(size / ATTACH_CHUNK_BYTES);

export function encodeDescriptor(a: Attachment): Uint8Array {
  const w = new Writer().str(a.name).u64(a.size).str(a.mime).fixed(a.key, 32).u32(a.chunks.length);
  for (const id of a.chunks) w.fixed(fromHex(id), 16);
  return w.str(a.caption).str(a.thumbMime).bytes(a.thumb).finish();
}

const bad = (why: string): never => {
  throw new V2DecodeError(`attachment: ${why}`);
};

export function decodeDescriptor(b: Uint8Array): Attachment {
  const r = new Reader(b, "attachment");
  const name = r.str(ATTACH_NAME_MAX);
  const size = r.u64();
  const mime = r.str(ATTACH_MIME_MAX);
  const key = r.fixed(32);
  const chunks: string[] = [];
  for (let n = r.count(ATTACH_CHUNKS_MAX); n > 0; n--) chunks.push(toHex(r.fixed(16)));
  const caption = r.str(ATTACH_CAPTION_MAX);
  const thumbMime = r.str(ATTACH_MIME_MAX);
  const thumb = r.bytes(ATTACH_THUMB_MAX);
  r.end();
  const a = { name, size, mime, key, chunks, caption, thumbMime, thumb };
  const why = descriptorError(a);
  if (why) bad(why);
  return a;
}

/** Field rules shared by the encoder's callers and the decoder; null when the descriptor is sound. */
export function descriptorError(a: Attachment): string | null {
  if (!a.name || a.name.includes("/") || a.name.includes("\\") || a.name.includes("\0")) return "bad file name";
  if (utf8Length(a.name) > ATTACH_NAME_MAX) return "file name too long";
  if (!Number.isSafeInteger(a.size) || a.size < 1 || a.size > ATTACH_PROTOCOL_MAX) return "bad size";
  if (a.chunks.length !== chunkCount(a.size)) return "chunk count does not match the size";
  if (!/^[\w.+-]+\/[\w.+-]+$/.test(a.mime) || a.mime.length > ATTACH_MIME_MAX) return "bad MIME type";
  if (utf8Length(a.caption) > ATTACH_CAPTION_MAX) return "caption too long";
  if ((a.thumb.length === 0) !== (a.thumbMime === "")) return "thumbnail without its type";
  if (a.thumb.length > ATTACH_THUMB_MAX) return "thumbnail too large";
  if (a.thumbMime && !/^image\/(jpeg|webp|png)$/.test(a.thumbMime)) return "thumbnail is not JPEG, WebP or PNG";
  return null;
}

/** The kind-7 body: plain, or sealed under a channel key like a kind-1 text. */
export function attachmentBody(
  a: Attachment,
  seal?: { key: Uint8Array; circleId: string; channelId: string; keyVersion: number; nonce: Uint8Array },
): Uint8Array {
  const d = encodeDescriptor(a);
  if (!seal) return new Writer().u8(FORM_PLAIN).raw(d).finish();
  const ct = aeadSeal(seal.key, seal.nonce, d, bodyAad(seal.circleId, seal.channelId, seal.keyVersion));
  return new Writer().u8(FORM_SEALED).u32(seal.keyVersion).fixed(seal.nonce, 12).bytes(ct).finish();
}

export const isSealedAttachment = (body: Uint8Array): boolean => body[0] === FORM_SEALED;

/** The key version a sealed attachment body needs (null for a plain one). */
export const sealedKeyVersion = (body: Uint8Array): number | null =>
  isSealedAttachment(body) ? decodeSealedBody(body).keyVersion : null;

/**
 * The descriptor of a kind-7 body. Sealed bodies need `key` (the channel key of their version):
 * null when it does not open them. Throws V2DecodeError on a malformed body.
 */
export function openAttachment(
  body: Uint8Array,
  where: { circleId: string; channelId: string },
  key?: Uint8Array,
): Attachment | null {
  if (body.length === 0) bad("empty body");
  if (body[0] === FORM_PLAIN) return decodeDescriptor(body.subarray(1));
  if (body[0] !== FORM_SEALED) bad("unknown body form");
  const sb = decodeSealedBody(body);
  if (!key) return null;
  const pt = aeadOpen(key, sb.nonce, sb.ct, bodyAad(where.circleId, where.channelId, sb.keyVersion));
  return pt ? decodeDescriptor(pt) : null;
}

// ---- chunks ----

const chunkNonce = (i: number) => new Writer().u32(0).u32(0).u32(i).finish();
const chunkAad = (i: number) => tagged("felund2/blob").u32(i).finish();

export const chunkId = (sealed: Uint8Array): string => toHex(h256(sealed).slice(0, 16));

export const sealChunk = (key: Uint8Array, i: number, plain: Uint8Array): Uint8Array =>
  aeadSeal(key, chunkNonce(i), plain, chunkAad(i));

/** The plaintext of chunk i, or null when it is not this file's chunk i. */
export function openChunk(key: Uint8Array, i: number, sealed: Uint8Array): Uint8Array | null {
  if (sealed.length > ATTACH_SEALED_CHUNK_MAX) return null;
  return aeadOpen(key, chunkNonce(i), sealed, chunkAad(i));
}

/** Split and seal a file: its sealed chunks and their ids, in order. */
export function sealFile(key: Uint8Array, file: Uint8Array): { chunks: Uint8Array[]; ids: string[] } {
  const chunks: Uint8Array[] = [];
  for (let i = 0, o = 0; o < file.length; i++, o += ATTACH_CHUNK_BYTES)
    chunks.push(sealChunk(key, i, file.subarray(o, o + ATTACH_CHUNK_BYTES)));
  return { chunks, ids: chunks.map(chunkId) };
}

/**
 * Check one chunk received for an attachment: its size bound, then its id (the hash of what
 * arrived). Null when it is the listed chunk, else the reason it is refused.
 */
export function chunkError(expectedId: string, sealed: Uint8Array): string | null {
  if (sealed.length > ATTACH_SEALED_CHUNK_MAX) return "chunk too large";
  if (sealed.length < 17) return "chunk too small";
  return chunkId(sealed) === expectedId ? null : "chunk does not match its id";
}

/** Open every chunk in order and join them: the file, or null if any chunk fails or the size differs. */
export function openFile(a: Attachment, sealed: Uint8Array[]): Uint8Array | null {
  if (sealed.length !== a.chunks.length) return null;
  const out = new Uint8Array(a.size);
  let o = 0;
  for (let i = 0; i < sealed.length; i++) {
    const p = openChunk(a.key, i, sealed[i]!);
    if (!p || o + p.length > a.size) return null;
    out.set(p, o);
    o += p.length;
  }
  return o === a.size ? out : null;
}

/** How a row shows an attachment where only text fits (TUI, notifications, older clients): "📎 name (size)". */
export function attachmentLabel(a: Pick<Attachment, "name" | "size" | "caption">): string {
  const label = `📎 ${a.name} (${formatSize(a.size)})`;
  return a.caption ? `${label} ${a.caption}` : label;
}

export function formatSize(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1000 * 1000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)} kB`;
  return `${(n / 1e6).toFixed(n < 10e6 ? 1 : 0)} MB`;
}
