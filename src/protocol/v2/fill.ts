// Streamed fill (docs/PROTOCOL.md §23): how a member serves a whole history to a peer that
// lacks most of it (a new member): newest first, a bounded page of rows at a time, in
// compressed MSGS frames, with the count announced so the joiner can show its progress.
//   0x0C FILL   u64 sent | u64 total   (total messages of this fill, sent so far; sent = total: done)
//   0x0D MSGS_Z u32 raw_len | deflate-raw(u32 n | n x (u8 form | bytes item))   (a MSGS frame's items, not pushed)
// Only a peer that offered V2_FILL_VERSION in its HELLO gets them (older peers get plain MSGS).
import { V2_FRAME_MAX, V2_MESSAGE_MAX } from "../limits.ts";
import { Reader, V2DecodeError, Writer } from "./codec.ts";

/** offered in HELLO's version list next to V2_VERSION: "I understand FILL and MSGS_Z" */
export const V2_FILL_VERSION = 2;
/** rows one database read of a fill returns (the serving side never holds more than a page and a frame) */
export const V2_FILL_PAGE = 512;
/** a reconciliation range the peer lists at most 256 ids of, where this side holds more than this: served as a fill */
export const V2_FILL_RANGE_MIN = 1024;
/**
 * MSGS_Z frames a receiver keeps opened while their signatures are checked off its main thread
 * (and the frames behind them); past this it stops reading the connection until they are stored,
 * so what waits in memory is bounded (a few MiB), not the history's size.
 */
export const V2_INBOX_FRAMES = 4;
/** a MSGS_Z frame this small (a fill's first one: ~100 messages) is checked inline, at once, not handed to workers */
export const V2_INBOX_INLINE_BYTES = 64 * 1024;
/** largest MSGS_Z payload once inflated (the receiver refuses a larger one before inflating it) */
export const V2_FILL_RAW_MAX = V2_FRAME_MAX;

/** deflate-raw, injected by the shell (node:zlib in the node); without it no fill is offered or sent compressed */
export interface Zip {
  deflate(b: Uint8Array): Uint8Array;
  /** inflate to at most `max` bytes; throws beyond */
  inflate(b: Uint8Array, max: number): Uint8Array;
}

export interface MsgItemLike {
  form: 0 | 1;
  data: Uint8Array;
}

/** The items of a MSGS_Z frame before compression. */
export function encodeItems(items: readonly MsgItemLike[]): Uint8Array {
  const w = new Writer().u32(items.length);
  for (const it of items) w.u8(it.form).bytes(it.data);
  return w.finish();
}

export function decodeItems(b: Uint8Array): MsgItemLike[] {
  const r = new Reader(b, "MSGS_Z");
  const items: MsgItemLike[] = [];
  for (let n = r.count(); n > 0; n--) {
    const form = r.u8();
    if (form !== 0 && form !== 1) throw new V2DecodeError("frame: unknown message form");
    items.push({ form, data: r.bytes(V2_MESSAGE_MAX + 2048) });
  }
  r.end();
  return items;
}

/** Inflate and decode a MSGS_Z body; a payload that inflates to another size than it declared is refused. */
export function openItems(zip: Zip, rawLen: number, data: Uint8Array): MsgItemLike[] {
  if (rawLen > V2_FILL_RAW_MAX) throw new V2DecodeError("MSGS_Z: payload too large");
  let raw: Uint8Array;
  try {
    raw = zip.inflate(data, rawLen);
  } catch {
    throw new V2DecodeError("MSGS_Z: does not inflate to its declared size");
  }
  if (raw.length !== rawLen) throw new V2DecodeError("MSGS_Z: does not inflate to its declared size");
  return decodeItems(raw);
}
