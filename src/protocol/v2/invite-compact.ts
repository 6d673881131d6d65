// The compact form of a felund2. code's payload (docs/PROTOCOL.md §10.3): the same invite,
// packed for pasting. It carries no signature and no invite id: the code's fields are not
// trusted on a signature's word (the ticket-keyed handshake proves the owner's key, and the
// issuing node enforces expiry, uses and revocation from its own record), the invite id is
// derived from the ticket, and a 4-byte check value makes a mistyped or cut code say so.
// Fixed-size binary ids and keys, varint lengths and integers, the expiry as a lifetime, the
// peer typed (an IPv4 host:port is 6 bytes, a relay URL drops its scheme).
//
//   payload = u8 3 | fixed32 ticket | fixed12 circle_id | uvar len | circle_name | fixed32 owner_key
//             | peer | uvar issued_ts | uvar (expires_ts - issued_ts) | uvar max_uses | fixed4 check
//   check   = SHA-256(str "felund2/invite-check" | payload before the check)[0:4]
//   invite_id = SHA-256(str "felund2/invite-id" | ticket)[0:16]
//   peer    = u8 0 | uvar len | text               (any other peer, as written)
//           | u8 1 | fixed4 IPv4 | u16 port         (exactly "a.b.c.d:port", decimal, no leading zeros)
//           | u8 2 | uvar len | text               ("https://" + text)
//           | u8 3 | uvar len | text               ("http://" + text)
import { fromHex, fromUtf8, toHex, utf8 } from "../bytes.ts";
import { CIRCLE_ID_RE } from "../ids.ts";
import { Reader, TAG, V2DecodeError, Writer, tagged } from "./codec.ts";
import { inviteIdOf } from "./invite-id.ts";
import { bytesEqual, h256 } from "./keys.ts";

/** A felund2 invite (invite.ts re-exports it: the codec of both forms is there). */
export interface Invite2 {
  inviteId: Uint8Array;
  ticket: Uint8Array;
  circleId: string;
  circleName: string;
  ownerKey: Uint8Array;
  peer: string;
  issuedTs: number;
  expiresTs: number;
  /** 0 = unlimited */
  maxUses: number;
}

export const COMPACT_VERSION = 3;
const CHECK_LEN = 4;
const NAME_MAX = 160;
const PEER_MAX = 300;
const IPV4_PORT = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}:([1-9]\d{0,4})$/;

const text = (w: Writer, s: string) => {
  const b = utf8(s);
  return w.uvar(b.length).raw(b);
};

function writePeer(w: Writer, peer: string): void {
  const m = IPV4_PORT.exec(peer);
  const port = m ? Number(m[3]) : 0;
  if (m && port <= 0xffff) {
    const ip = peer.slice(0, peer.lastIndexOf(":")).split(".").map(Number);
    w.u8(1).raw(Uint8Array.from(ip)).u16(port);
  } else if (peer.startsWith("https://")) text(w.u8(2), peer.slice(8));
  else if (peer.startsWith("http://")) text(w.u8(3), peer.slice(7));
  else text(w.u8(0), peer);
}

const checkOf = (b: Uint8Array): Uint8Array => h256(tagged(TAG.inviteCheck).raw(b).finish()).slice(0, CHECK_LEN);

/** Whether an invite can be packed: the usual 24 lowercase hex circle id and the id its ticket gives. */
export const packable = (i: Invite2): boolean =>
  CIRCLE_ID_RE.test(i.circleId) && bytesEqual(i.inviteId, inviteIdOf(i.ticket));

export function packCompact(i: Invite2): Uint8Array {
  const w = new Writer().u8(COMPACT_VERSION).fixed(i.ticket, 32).fixed(fromHex(i.circleId), 12);
  text(w, i.circleName).fixed(i.ownerKey, 32);
  writePeer(w, i.peer);
  const b = w
    .uvar(i.issuedTs)
    .uvar(i.expiresTs - i.issuedTs)
    .uvar(i.maxUses)
    .finish();
  return new Writer().raw(b).raw(checkOf(b)).finish();
}

/** Whether a compact payload is whole: its check value matches (a mistyped, cut or padded code does not). */
export function compactIntact(raw: Uint8Array): boolean {
  if (raw.length <= CHECK_LEN) return false;
  return bytesEqual(checkOf(raw.subarray(0, raw.length - CHECK_LEN)), raw.subarray(raw.length - CHECK_LEN));
}

const readText = (r: Reader, max: number, what: string): string => {
  const n = r.uvar();
  if (n > max) throw new V2DecodeError(`invite: ${what} too long`);
  try {
    return fromUtf8(r.fixed(n));
  } catch (e) {
    if (e instanceof V2DecodeError) throw e;
    throw new V2DecodeError(`invite: ${what} is not UTF-8`);
  }
};

function readPeer(r: Reader): string {
  const kind = r.u8();
  if (kind === 1) {
    const ip = r.fixed(4);
    const port = r.u16();
    if (port === 0) throw new V2DecodeError("invite: port 0");
    return `${ip.join(".")}:${port}`;
  }
  if (kind === 0) return readText(r, PEER_MAX, "peer");
  if (kind === 2) return "https://" + readText(r, PEER_MAX - 8, "peer");
  if (kind === 3) return "http://" + readText(r, PEER_MAX - 7, "peer");
  throw new V2DecodeError(`invite: unknown peer kind ${kind}`);
}

/** Unpack a compact payload (first byte COMPACT_VERSION, compactIntact already checked); throws V2DecodeError. */
export function unpackCompact(raw: Uint8Array): Invite2 {
  const r = new Reader(raw.subarray(0, raw.length - CHECK_LEN), "invite");
  r.u8();
  const ticket = r.fixed(32);
  const circleId = toHex(r.fixed(12));
  const circleName = readText(r, NAME_MAX, "circle name");
  const ownerKey = r.fixed(32);
  const peer = readPeer(r);
  const issuedTs = r.uvar();
  const expiresTs = issuedTs + r.uvar();
  if (!Number.isSafeInteger(expiresTs)) throw new V2DecodeError("invite: expiry too large");
  const maxUses = r.uvar();
  if (maxUses > 0xffffffff) throw new V2DecodeError("invite: use limit too large");
  r.end();
  return { inviteId: inviteIdOf(ticket), ticket, circleId, circleName, ownerKey, peer, issuedTs, expiresTs, maxUses };
}
