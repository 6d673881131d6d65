// Writing v2 control events (docs/PROTOCOL.md §6; their types, reading and authority are in
// control.ts). Apart from control.ts because only authors need it: a peer that reads (the
// relay-only browser's first load: timeline lines, checks on arrival) loads no writer.
import { fromHex } from "../bytes.ts";
import { Writer } from "./codec.ts";
import { CALL_OP_CODES, EVT, MODE_CODES, type V2Event } from "./control.ts";

export function encodeEvent(e: V2Event): Uint8Array {
  const w = new Writer();
  switch (e.t) {
    case "card":
      return w.u8(EVT.card).fixed(e.xKey, 32).str(e.displayName).finish();
    case "channel_create":
      return w
        .u8(EVT.channelCreate)
        .str(e.channelId)
        .u8(MODE_CODES[e.mode])
        .u8(e.scryptLogN)
        .fixed(e.keyCheck, 16)
        .finish();
    case "channel_request":
      return w.u8(EVT.channelRequest).str(e.channelId).finish();
    case "channel_join":
      return w.u8(EVT.channelJoin).str(e.channelId).finish();
    case "channel_leave":
      return w.u8(EVT.channelLeave).str(e.channelId).finish();
    case "channel_approve":
      return w
        .u8(EVT.channelApprove)
        .str(e.channelId)
        .fixed(e.target, 32)
        .u32(e.keyVersion)
        .bytes(e.sealedKey)
        .finish();
    case "rename":
      return w.u8(EVT.rename).str(e.displayName).finish();
    case "circle_name":
      return w.u8(EVT.circleName).str(e.name).finish();
    case "rekey": {
      w.u8(EVT.rekey)
        .u32(e.epoch)
        .u8(e.v2Only ? 1 : 0)
        .u32(e.removed.length);
      for (const id of e.removed) w.str(id);
      w.u32(e.seals.length);
      for (const s of e.seals) w.fixed(s.recipient, 32).bytes(s.box);
      return w.finish();
    }
    case "pin":
      return w
        .u8(EVT.pin)
        .u8(e.pinned ? 1 : 0)
        .str(e.channelId)
        .fixed(fromHex(e.msgId), 16)
        .finish();
    case "history":
      return w
        .u8(EVT.history)
        .u8(e.days === null ? 0 : e.days ? 2 : 1)
        .u32(e.days ?? 0)
        .finish();
    case "call":
      w.u8(EVT.call).u8(CALL_OP_CODES[e.op]).str(e.sessionId).str(e.channelId);
      return (e.op === "revoke" ? w.str(e.target!) : w).finish();
  }
}
