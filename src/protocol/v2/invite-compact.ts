// The compact form of a felund2. code's payload (docs/PROTOCOL.md §10.3): the same invite and the
// same owner signature (made over the long form's body, §10), packed tighter so a code is
// shorter to paste: the circle id as 12 bytes instead of 24 hex with a u32 length, varint
// lengths and integers, the expiry as a lifetime, and the peer typed (an IPv4 host:port is 6
// bytes, a relay URL drops its scheme). The decoder rebuilds the long body and checks the
// signature over it (invite.ts), so both forms of one invite decode to the same thing.
//
//   payload = u8 3 | fixed16 invite_id | fixed32 ticket | fixed12 circle_id | uvar len | circle_name
//             | fixed32 owner_key | peer | uvar issued_ts | uvar (expires_ts - issued_ts) | uvar max_uses
//             | fixed64 signature
//   peer    = u8 0 | uvar len | text               (any other peer, as written)
//           | u8 1 | fixed4 IPv4 | u16 port         (exactly "a.b.c.d:port", decimal, no leading zeros)
//           | u8 2 | uvar len | text               ("https://" + text)
//           | u8 3 | uvar len | text               ("http://" + text)
import { fromHex, fromUtf8, toHex, utf8 } from "../bytes.ts";
import { CIRCLE_ID_RE } from "../ids.ts";
import { Reader, V2DecodeError, Writer } from "./codec.ts";

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

/** Whether an invite can be packed (its circle id is the usual 24 lowercase hex). */
export const packable = (i: Invite2): boolean => CIRCLE_ID_RE.test(i.circleId);

export function packCompact(i: Invite2, sig: Uint8Array): Uint8Array {
  const w = new Writer().u8(COMPACT_VERSION).fixed(i.inviteId, 16).fixed(i.ticket, 32).fixed(fromHex(i.circleId), 12);
  text(w, i.circleName).fixed(i.ownerKey, 32);
  writePeer(w, i.peer);
  return w
    .uvar(i.issuedTs)
    .uvar(i.expiresTs - i.issuedTs)
    .uvar(i.maxUses)
    .fixed(sig, 64)
    .finish();
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

/** Unpack a compact payload (its first byte already known to be COMPACT_VERSION); throws V2DecodeError. */
export function unpackCompact(raw: Uint8Array): { inv: Invite2; sig: Uint8Array } {
  const r = new Reader(raw, "invite");
  r.u8();
  const inviteId = r.fixed(16);
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
  const sig = r.fixed(64);
  r.end();
  return { inv: { inviteId, ticket, circleId, circleName, ownerKey, peer, issuedTs, expiresTs, maxUses }, sig };
}
