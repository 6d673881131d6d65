// v2 control events (docs/PROTOCOL.md §6): the body of a signed message of kind 2 in the
// "__control" channel. The author is the message signer, so events about "me" (card, join,
// leave, rename, request) carry no node id at all and cannot be written for someone else;
// events with authority (approve, circle name, rekey, call end and revoke) are checked against the
// signer by authorityOf() in src/sync/v2-control-effects.ts.
import { isValidChannelId } from "../channel-id.ts";
import {
  CIRCLE_NAME_MAX,
  DISPLAY_NAME_WIRE_MAX,
  V2_CALL_ID_MAX,
  V2_MAX_MEMBERS,
  V2_SCRYPT_LOGN_MAX,
  V2_SCRYPT_LOGN_MIN,
} from "../limits.ts";
import { toHex } from "../bytes.ts";
import { Reader, V2DecodeError } from "./codec.ts";

export const EVT = {
  card: 1,
  channelCreate: 2,
  channelRequest: 3,
  channelApprove: 4,
  channelJoin: 5,
  channelLeave: 6,
  rename: 7,
  circleName: 8,
  rekey: 9,
  call: 10,
  pin: 11,
  history: 12,
} as const;
/** The longest "last N days" history policy (§24.2): a hundred years. */
export const HISTORY_DAYS_MAX = 36_500;

export const MODE_CODES = { public: 0, key: 1, invite: 2 } as const;
export type V2AccessMode = keyof typeof MODE_CODES;
export const CALL_OP_CODES = { create: 0, join: 1, leave: 2, end: 3, view: 4, revoke: 5 } as const;
export type V2CallOp = keyof typeof CALL_OP_CODES;

export interface MemberCardEvt {
  t: "card";
  xKey: Uint8Array;
  displayName: string;
}
export interface ChannelCreateEvt {
  t: "channel_create";
  channelId: string;
  mode: V2AccessMode;
  scryptLogN: number;
  keyCheck: Uint8Array;
}
export interface ChannelSelfEvt {
  t: "channel_request" | "channel_join" | "channel_leave";
  channelId: string;
}
export interface ChannelApproveEvt {
  t: "channel_approve";
  channelId: string;
  target: Uint8Array;
  keyVersion: number;
  sealedKey: Uint8Array;
}
export interface RenameEvt {
  t: "rename";
  displayName: string;
}
export interface CircleNameEvt {
  t: "circle_name";
  name: string;
}
export interface RekeySeal {
  recipient: Uint8Array;
  box: Uint8Array;
}
export interface RekeyEvt {
  t: "rekey";
  epoch: number;
  removed: string[];
  seals: RekeySeal[];
  v2Only: boolean;
}
export interface CallEvtV2 {
  t: "call";
  op: V2CallOp;
  sessionId: string;
  channelId: string;
  /** revoke only: the node id the host removes from its call (a viewer, or a participant) */
  target?: string;
}
/** Pin or unpin a message of a channel (docs/PROTOCOL.md §19): the circle owner, or the owner of a key/invite channel. */
export interface PinEvt {
  t: "pin";
  pinned: boolean;
  channelId: string;
  msgId: string;
}
/**
 * How much history a member who joins receives (docs/PROTOCOL.md §24.2): days = null all of it,
 * 0 none from before it joined, N the last N days before it joined. Circle owner only.
 */
export interface HistoryEvt {
  t: "history";
  days: number | null;
}
export type V2Event =
  | HistoryEvt
  | PinEvt
  | MemberCardEvt
  | ChannelCreateEvt
  | ChannelSelfEvt
  | ChannelApproveEvt
  | RenameEvt
  | CircleNameEvt
  | RekeyEvt
  | CallEvtV2;

const modeName = (c: number): V2AccessMode => {
  const m = (Object.keys(MODE_CODES) as V2AccessMode[]).find((k) => MODE_CODES[k] === c);
  if (!m) throw new V2DecodeError("control: unknown access mode");
  return m;
};
const callOpName = (c: number): V2CallOp => {
  const m = (Object.keys(CALL_OP_CODES) as V2CallOp[]).find((k) => CALL_OP_CODES[k] === c);
  if (!m) throw new V2DecodeError("control: unknown call op");
  return m;
};
const channel = (r: Reader): string => {
  const c = r.str(64);
  if (!isValidChannelId(c)) throw new V2DecodeError("control: channel_id is not valid");
  return c;
};

export function decodeEvent(b: Uint8Array): V2Event {
  const r = new Reader(b, "control event");
  const type = r.u8();
  let e: V2Event;
  switch (type) {
    case EVT.card:
      e = { t: "card", xKey: r.fixed(32), displayName: r.str(DISPLAY_NAME_WIRE_MAX * 4) };
      break;
    case EVT.channelCreate: {
      const channelId = channel(r);
      const mode = modeName(r.u8());
      const scryptLogN = r.u8();
      const keyCheck = r.fixed(16);
      if (mode === "key" ? scryptLogN < V2_SCRYPT_LOGN_MIN || scryptLogN > V2_SCRYPT_LOGN_MAX : scryptLogN !== 0)
        throw new V2DecodeError("control: scrypt cost out of range");
      e = { t: "channel_create", channelId, mode, scryptLogN, keyCheck };
      break;
    }
    case EVT.channelRequest:
      e = { t: "channel_request", channelId: channel(r) };
      break;
    case EVT.channelJoin:
      e = { t: "channel_join", channelId: channel(r) };
      break;
    case EVT.channelLeave:
      e = { t: "channel_leave", channelId: channel(r) };
      break;
    case EVT.channelApprove:
      e = {
        t: "channel_approve",
        channelId: channel(r),
        target: r.fixed(32),
        keyVersion: r.u32(),
        sealedKey: r.bytes(256),
      };
      break;
    case EVT.rename:
      e = { t: "rename", displayName: r.str(DISPLAY_NAME_WIRE_MAX * 4) };
      break;
    case EVT.circleName:
      e = { t: "circle_name", name: r.str(CIRCLE_NAME_MAX * 4) };
      break;
    case EVT.rekey: {
      const epoch = r.u32();
      const flags = r.u8();
      if (flags > 1) throw new V2DecodeError("control: unknown rekey flags");
      const removed: string[] = [];
      for (let i = r.count(V2_MAX_MEMBERS); i > 0; i--) removed.push(r.str(128));
      const seals: RekeySeal[] = [];
      for (let i = r.count(V2_MAX_MEMBERS); i > 0; i--) seals.push({ recipient: r.fixed(32), box: r.bytes(256) });
      if (epoch === 0) throw new V2DecodeError("control: rekey to epoch 0");
      e = { t: "rekey", epoch, removed, seals, v2Only: flags === 1 };
      break;
    }
    case EVT.call: {
      const op = callOpName(r.u8());
      const sessionId = r.str(V2_CALL_ID_MAX);
      if (!sessionId) throw new V2DecodeError("control: empty call session id");
      const channelId = r.str(64);
      if (channelId && !isValidChannelId(channelId)) throw new V2DecodeError("control: channel_id is not valid");
      e = { t: "call", op, sessionId, channelId };
      // (an empty target names nobody: the registry ignores it)
      if (op === "revoke") e.target = r.str(V2_CALL_ID_MAX);
      break;
    }
    case EVT.pin: {
      const flag = r.u8();
      if (flag > 1) throw new V2DecodeError("control: unknown pin flags");
      e = { t: "pin", pinned: flag === 1, channelId: channel(r), msgId: toHex(r.fixed(16)) };
      break;
    }
    case EVT.history: {
      // u8 mode (0 all, 1 none, 2 last N days) | u32 N (0 unless mode 2)
      const mode = r.u8();
      const days = r.u32();
      if (mode > 2 || (mode < 2 ? days : !days || days > HISTORY_DAYS_MAX))
        throw new V2DecodeError("control: bad history policy");
      e = { t: "history", days: mode ? (mode > 1 ? days : 0) : null };
      break;
    }
    default:
      throw new V2DecodeError(`control: unknown event type ${type}`);
  }
  r.end();
  return e;
}
