// The signed v2 message (docs/PROTOCOL.md §5): every chat message and control event is signed
// by its author's Ed25519 key over the canonical encoding below; msg_id is derived from that
// encoding, so an id names exactly one content (no first-copy-wins squatting, PROTOCOL-V1.md W7).
//
//   core = str "felund2/msg" | u8 version | str circle_id | str channel_id | fixed32 author_key
//          | version 1: u64 created_ts | version 2: u64 created_ms | u32 author_seq
//          | u32 key_epoch | u8 kind | str display_name | bytes body | fixed16 salt
// Version 2 (what this implementation signs) dates a message to the millisecond and numbers it in
// its author's sequence, so readers can order an author's messages as they were written; its
// created_ts (what rows and v1 peers see) is floor(created_ms / 1000). Version 1 still decodes.
//   msg_id = hex(SHA-256(str "felund2/msg-id" | bytes core)[0:16])
//   wire   = core | fixed64 Ed25519(author, core)
import { fromUtf8, toHex, utf8, utf8Length } from "../bytes.ts";
import { CIRCLE_ID_RE } from "../ids.ts";
import { DISPLAY_NAME_WIRE_MAX, MAX_FUTURE_SKEW_S, MAX_TEXT_BYTES, V2_MESSAGE_MAX } from "../limits.ts";
import { CONTROL_CHANNEL, isChannelIdOrControl } from "../channel-id.ts";
import type { ChatMessage } from "../message.ts";
import { accept, reject, type Verdict } from "../verdict.ts";
import { Reader, TAG, V2DecodeError, Writer, tagged } from "./codec.ts";
import { h256, nodeIdOf, sign, verifySig } from "./keys.ts";
import type { SigCheck } from "../primitives.ts";
import type { RefKind } from "./refs.ts";

/** the version this implementation signs (version 1 is still decoded and verified) */
export const MSG_VERSION = 2;
export const KIND_TEXT = 0;
export const KIND_SEALED = 1;
export const KIND_CONTROL = 2;
/** an attachment (docs/PROTOCOL.md §20; the body is in attachment.ts) */
export const KIND_ATTACHMENT = 7;
/** a direct message (§21): its own rules are in dm.ts and src/sync/dm.ts */
export const KIND_DM = 8;
/** 3-6: reply, reaction, edit, delete (refs.ts, docs/PROTOCOL.md §18); 7: an attachment (§20); 8: a direct message (dm.ts, §21) */
export type MessageKind = 0 | 1 | 2 | RefKind | 7 | 8;
/** the highest kind this implementation knows */
export const KIND_MAX = 8;

export interface MessageFields {
  circleId: string;
  channelId: string;
  authorKey: Uint8Array;
  /** unix seconds; for a version-2 message, floor(createdMs / 1000) (decode derives it) */
  createdTs: number;
  /** version 2: the author's time in unix milliseconds, strictly increasing per author and circle */
  createdMs?: number;
  /** version 2: 1, 2, 3… per author and circle (control events count too) */
  authorSeq?: number;
  keyEpoch: number;
  kind: MessageKind;
  displayName: string;
  /** kind 0: UTF-8 text; kind 1: sealed channel body; kind 2: encoded control event; 3-6: ref body (refs.ts); kind 7: attachment; kind 8: sealed direct message */
  body: Uint8Array;
  salt: Uint8Array;
}

export interface SignedMessage extends MessageFields {
  msgId: string;
  authorNodeId: string;
  signature: Uint8Array;
  /** the exact bytes received or produced (core || signature) */
  wire: Uint8Array;
}

/** The fields of a version-2 message dated `createdMs`, number `authorSeq` of its author. */
export const orderFields = (createdMs: number, authorSeq: number) => ({
  createdTs: Math.floor(createdMs / 1000),
  createdMs,
  authorSeq,
});

/** Version 2 when the fields carry created_ms (give them with orderFields: created_ts is floor(created_ms / 1000)), else 1. */
export function encodeCore(m: MessageFields): Uint8Array {
  const v1 = m.createdMs === undefined;
  const w = tagged(TAG.msg)
    .u8(v1 ? 1 : 2)
    .str(m.circleId)
    .str(m.channelId)
    .fixed(m.authorKey, 32);
  if (v1) w.u64(m.createdTs);
  else w.u64(m.createdMs!).u32(m.authorSeq ?? 0);
  return w.u32(m.keyEpoch).u8(m.kind).str(m.displayName).bytes(m.body).fixed(m.salt, 16).finish();
}

export const msgIdOfCore = (core: Uint8Array): string =>
  toHex(h256(tagged(TAG.msgId).bytes(core).finish()).slice(0, 16));

/** Build and sign a message (the salt makes two identical texts in one second distinct). */
export function signMessage(edSecret: Uint8Array, m: MessageFields): SignedMessage {
  const core = encodeCore(m);
  const signature = sign(edSecret, core);
  return {
    ...m,
    msgId: msgIdOfCore(core),
    authorNodeId: nodeIdOf(m.authorKey),
    signature,
    wire: new Writer().raw(core).fixed(signature, 64).finish(),
  };
}

/** Parse the wire form (structure only; verifyMessage checks the signature and the rules). */
export function decodeMessage(wire: Uint8Array): SignedMessage {
  if (wire.length > V2_MESSAGE_MAX) throw new V2DecodeError("message too large");
  const r = new Reader(wire, "message");
  if (r.str(32) !== TAG.msg) throw new V2DecodeError("message: bad tag");
  const version = r.u8();
  if (version !== 1 && version !== 2) throw new V2DecodeError("message: unknown version");
  const circleId = r.str(64);
  const channelId = r.str(64);
  const authorKey = r.fixed(32);
  const order = version === 1 ? { createdTs: r.u64() } : orderFields(r.u64(), r.u32());
  const keyEpoch = r.u32();
  const kind = r.u8();
  if (kind > KIND_MAX) throw new V2DecodeError("message: unknown kind");
  const displayName = r.str(DISPLAY_NAME_WIRE_MAX * 4);
  const body = r.bytes(V2_MESSAGE_MAX);
  const salt = r.fixed(16);
  const coreLen = r.offset;
  const signature = r.fixed(64);
  r.end();
  const core = wire.subarray(0, coreLen);
  return {
    circleId,
    channelId,
    authorKey,
    ...order,
    keyEpoch,
    kind: kind as MessageKind,
    displayName,
    body,
    salt,
    msgId: msgIdOfCore(core),
    authorNodeId: nodeIdOf(authorKey),
    signature,
    wire: wire.slice(),
  };
}

/**
 * Field rules and the author's signature. `now` bounds the clock skew (W14): a message dated
 * more than MAX_FUTURE_SKEW_S ahead is refused on every path (it may be offered again later).
 */
export function verifyMessage(
  m: SignedMessage,
  circleId: string,
  now: number,
  /** the signature of these exact wire bytes was checked already (wireSigCheck, off the main thread): only the rules remain */
  sigChecked = false,
): Verdict<SignedMessage> {
  if (m.circleId !== circleId || !CIRCLE_ID_RE.test(m.circleId)) return reject("message of another circle");
  // a direct message's channel is "__dm_…" (dm.ts checks the rest), and no other kind's is
  const dm = m.kind === KIND_DM;
  if (dm ? !m.channelId.startsWith("__dm_") : !isChannelIdOrControl(m.channelId))
    return reject("channel_id is not valid");
  if ((m.kind === KIND_CONTROL) !== (m.channelId === CONTROL_CHANNEL))
    return reject("control events live in __control, and only they");
  if (m.displayName.length > DISPLAY_NAME_WIRE_MAX) return reject("display_name too long");
  if (m.kind === KIND_TEXT) {
    let text: string;
    try {
      text = fromUtf8(m.body);
    } catch {
      return reject("text is not UTF-8");
    }
    if (utf8Length(text) > MAX_TEXT_BYTES) return reject("text too long");
  }
  if (m.createdTs > now + MAX_FUTURE_SKEW_S) return reject("created_ts too far in the future");
  if (sigChecked) return accept(m);
  const c = signatureCheck(m);
  if (!verifySig(c.sig, c.msg, c.pub)) return reject("author signature does not verify");
  return accept(m);
}

/** What the author's signature covers: the message core (the wire form less the signature), under the author key. */
export const signatureCheck = (m: SignedMessage): SigCheck => ({
  sig: m.signature,
  msg: m.wire.subarray(0, m.wire.length - 64),
  pub: m.authorKey,
});

/**
 * The signature check of a message's wire form without decoding it (a batch handed to a
 * verifier before the engine decodes each message): the author key is the field after the tag,
 * version, circle and channel; the signature is the last 64 bytes, over all before them. For a
 * wire that decodes, this is exactly signatureCheck(decodeMessage(wire)); null when it is too
 * short to hold one (decodeMessage refuses it anyway).
 */
export function wireSigCheck(wire: Uint8Array): SigCheck | null {
  if (wire.length > V2_MESSAGE_MAX) return null;
  try {
    const r = new Reader(wire, "message");
    r.str(32);
    r.u8();
    r.str(64);
    r.str(64);
    const pub = r.fixed(32);
    if (wire.length - r.offset < 64) return null;
    return { sig: wire.subarray(wire.length - 64), msg: wire.subarray(0, wire.length - 64), pub };
  } catch {
    return null;
  }
}

/** The row the store keeps for a signed message; sealed bodies get their text once opened. */
export function toChatMessage(m: SignedMessage, text?: string): ChatMessage {
  let t = text ?? "";
  if (text === undefined && m.kind === KIND_TEXT) t = fromUtf8(m.body);
  return {
    msgId: m.msgId,
    circleId: m.circleId,
    channelId: m.channelId,
    authorNodeId: m.authorNodeId,
    displayName: m.displayName,
    createdTs: m.createdTs,
    text: t,
    mac: null,
  };
}

export const textBody = (text: string): Uint8Array => utf8(text);
