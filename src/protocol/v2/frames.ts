// Bodies of v2 session frames (docs/PROTOCOL.md §4.6), each sealed by session.ts:
//   u8 type | payload
//   0x01 RECON  ranges (recon.ts)
//   0x02 WANT   u32 n | n x fixed16 msg_id
//   0x03 MSGS   u8 flags (1 = pushed, unsolicited) | u32 n | n x (u8 form | bytes item)
//                form 1 = signed v2 message wire; form 0 = v1 message JSON with MAC (legacy circles only)
//   0x04 PEERS  u32 n | n x (str node_id | str addr | u64 last_seen)
//   0x05 ADMIT  circle credentials for a joiner admitted by invite (invite.ts)
//   0x06 CLOSE  str reason (an error or a goodbye; the sender closes after it)
//   0x07 SIGNAL u8 hops | str to node_id | str call session id | str payload (a sealed call signal, call-signal.ts)
//   0x08 HELD   u32 n | n x fixed16 msg_id (the receiver of MSGS now holds these: delivery state)
//   0x09 TYPING str circle_id | str channel_id (the session's peer is typing there; never stored, §22)
//   0x0A BLOB_WANT u32 n (≤ 64) | n x fixed16 chunk_id (attachment chunks, §20)
//   0x0B BLOB_DATA fixed16 chunk_id | u8 status (0 = held: bytes sealed chunk ≤ 64 KiB + 16 follows; 1 = not held here)
//   0x0C FILL / 0x0D MSGS_Z   a streamed fill: its progress, and compressed MSGS items (fill.ts, §23)
//   0x0E RECON2 ranges in the compact format (recon2.ts, §24), only to a peer that offered it
//   0x0F SKETCH coded symbols of the sender's whole set, or a request for more (sketch.ts, §28), only to a peer that offered it
import {
  ATTACH_SEALED_CHUNK_MAX,
  BLOB_WANT_MAX,
  PEERS_FRAME_MAX,
  RELAY_SIGNAL_PAYLOAD_MAX,
  V2_CALL_ID_MAX,
  V2_FRAME_MAX,
  V2_MESSAGE_MAX,
  V2_WANT_MAX,
} from "../limits.ts";
import { Reader, V2DecodeError, Writer } from "./codec.ts";
import { decodeRanges, encodeRanges, type Range } from "./recon.ts";
import { decodeRanges2, encodeRanges2 } from "./recon2.ts";
import { decodeSketch, encodeSketch, type SketchPart } from "./sketch.ts";

export const FRAME = {
  recon: 1,
  want: 2,
  msgs: 3,
  peers: 4,
  admit: 5,
  close: 6,
  signal: 7,
  held: 8,
  typing: 9,
  blob_want: 10,
  blob_data: 11,
  fill: 12,
  msgs_z: 13,
  recon2: 14,
  sketch: 15,
} as const;
export const FORM_V1 = 0;
export const FORM_V2 = 1;

export interface MsgItem {
  form: 0 | 1;
  data: Uint8Array;
}
export interface PeerItem {
  nodeId: string;
  addr: string;
  lastSeen: number;
}
export interface Admit {
  secret: Uint8Array;
  v2Only: boolean;
  epoch: number;
  epochKey: Uint8Array;
  ownerKey: Uint8Array;
  name: string;
}

export type Frame =
  | { t: "recon"; ranges: Range[] }
  | { t: "recon2"; ranges: Range[] }
  | { t: "sketch"; part: SketchPart }
  | { t: "want"; ids: Uint8Array[] }
  | { t: "msgs"; pushed: boolean; items: MsgItem[] }
  | { t: "peers"; peers: PeerItem[] }
  | { t: "admit"; admit: Admit }
  | { t: "close"; reason: string }
  /** the sender has stored these messages (an acknowledgement of MSGS) */
  | { t: "held"; ids: Uint8Array[] }
  /** attachment chunks asked for / one chunk (data null: the sender does not hold it) (§20) */
  | { t: "blob_want"; ids: Uint8Array[] }
  | { t: "blob_data"; id: Uint8Array; data: Uint8Array | null }
  | { t: "fill"; sent: number; total: number }
  | { t: "msgs_z"; rawLen: number; data: Uint8Array }
  /** the session's peer is typing in this channel (§22); the author is the peer, never a field */
  | { t: "typing"; circleId: string; channelId: string }
  | SignalFrame;

/** A call signal on its way: hops = 0 from its author, 1 once a node passed it on (never further). */
export interface SignalFrame {
  t: "signal";
  hops: number;
  to: string;
  sessionId: string;
  payload: string;
}

export function encodeFrame(f: Frame): Uint8Array {
  const w = new Writer();
  switch (f.t) {
    case "recon":
      return encodeRanges(w.u8(FRAME.recon), f.ranges).finish();
    case "recon2":
      return encodeRanges2(w.u8(FRAME.recon2), f.ranges).finish();
    case "sketch":
      return encodeSketch(w.u8(FRAME.sketch), f.part).finish();
    case "want":
    case "held":
    case "blob_want":
      w.u8(FRAME[f.t]).u32(f.ids.length);
      for (const id of f.ids) w.fixed(id, 16);
      return w.finish();
    case "msgs":
      w.u8(FRAME.msgs)
        .u8(f.pushed ? 1 : 0)
        .u32(f.items.length);
      for (const it of f.items) w.u8(it.form).bytes(it.data);
      return w.finish();
    case "peers":
      w.u8(FRAME.peers).u32(f.peers.length);
      for (const p of f.peers) w.str(p.nodeId).str(p.addr).u64(p.lastSeen);
      return w.finish();
    case "admit": {
      const a = f.admit;
      return w
        .u8(FRAME.admit)
        .fixed(a.secret, 32)
        .u8(a.v2Only ? 1 : 0)
        .u32(a.epoch)
        .fixed(a.epochKey, 32)
        .fixed(a.ownerKey, 32)
        .str(a.name)
        .finish();
    }
    case "close":
      return w.u8(FRAME.close).str(f.reason.slice(0, 200)).finish();
    case "blob_data":
      w.u8(FRAME.blob_data)
        .fixed(f.id, 16)
        .u8(f.data ? 0 : 1);
      return (f.data ? w.bytes(f.data) : w).finish();
    case "fill":
      return w.u8(FRAME.fill).u64(f.sent).u64(f.total).finish();
    case "msgs_z":
      return w.u8(FRAME.msgs_z).u32(f.rawLen).raw(f.data).finish();
    case "typing":
      return w.u8(FRAME.typing).str(f.circleId).str(f.channelId).finish();
    case "signal":
      return w.u8(FRAME.signal).u8(f.hops).str(f.to).str(f.sessionId).str(f.payload).finish();
  }
}

export function decodeFrame(b: Uint8Array): Frame {
  if (b.length > V2_FRAME_MAX) throw new V2DecodeError("frame too large");
  const r = new Reader(b, "frame");
  const type = r.u8();
  let f: Frame;
  switch (type) {
    case FRAME.recon:
      f = { t: "recon", ranges: decodeRanges(r) };
      break;
    case FRAME.recon2:
      f = { t: "recon2", ranges: decodeRanges2(r) };
      break;
    case FRAME.sketch:
      f = { t: "sketch", part: decodeSketch(r) };
      break;
    case FRAME.want:
    case FRAME.held: {
      const ids: Uint8Array[] = [];
      for (let n = r.count(V2_WANT_MAX); n > 0; n--) ids.push(r.fixed(16));
      f = type === FRAME.want ? { t: "want", ids } : { t: "held", ids };
      break;
    }
    case FRAME.msgs: {
      const flags = r.u8();
      if (flags > 1) throw new V2DecodeError("frame: unknown MSGS flags");
      const items: MsgItem[] = [];
      for (let n = r.count(); n > 0; n--) {
        const form = r.u8();
        if (form !== FORM_V1 && form !== FORM_V2) throw new V2DecodeError("frame: unknown message form");
        items.push({ form, data: r.bytes(V2_MESSAGE_MAX + 2048) });
      }
      f = { t: "msgs", pushed: flags === 1, items };
      break;
    }
    case FRAME.peers: {
      const peers: PeerItem[] = [];
      for (let n = r.count(PEERS_FRAME_MAX); n > 0; n--)
        peers.push({ nodeId: r.str(128), addr: r.str(300), lastSeen: r.u64() });
      f = { t: "peers", peers };
      break;
    }
    case FRAME.admit:
      f = {
        t: "admit",
        admit: {
          secret: r.fixed(32),
          v2Only: r.u8() === 1,
          epoch: r.u32(),
          epochKey: r.fixed(32),
          ownerKey: r.fixed(32),
          name: r.str(256),
        },
      };
      break;
    case FRAME.close:
      f = { t: "close", reason: r.str(1024) };
      break;
    case FRAME.blob_want: {
      const ids: Uint8Array[] = [];
      for (let n = r.count(BLOB_WANT_MAX); n > 0; n--) ids.push(r.fixed(16));
      f = { t: "blob_want", ids };
      break;
    }
    case FRAME.blob_data: {
      const id = r.fixed(16);
      const status = r.u8();
      if (status > 1) throw new V2DecodeError("frame: unknown BLOB_DATA status");
      f = { t: "blob_data", id, data: status === 0 ? r.bytes(ATTACH_SEALED_CHUNK_MAX) : null };
      break;
    }
    case FRAME.signal: {
      const hops = r.u8();
      if (hops > 1) throw new V2DecodeError("frame: signal passed on too often");
      f = {
        t: "signal",
        hops,
        to: r.str(128),
        sessionId: r.str(V2_CALL_ID_MAX),
        payload: r.str(RELAY_SIGNAL_PAYLOAD_MAX),
      };
      break;
    }
    case FRAME.fill: {
      const sent = r.u64();
      const total = r.u64();
      if (sent > total) throw new V2DecodeError("FILL: sent above total");
      f = { t: "fill", sent, total };
      break;
    }
    case FRAME.msgs_z:
      f = { t: "msgs_z", rawLen: r.u32(), data: r.rest() };
      break;
    case FRAME.typing:
      f = { t: "typing", circleId: r.str(128), channelId: r.str(128) };
      break;
    default:
      throw new V2DecodeError(`frame: unknown type ${type}`);
  }
  r.end();
  return f;
}
