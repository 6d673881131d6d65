// Applies v1 control events (PROTOCOL-V1.md §5) to the store; call events go to the CallRegistry
// (call-registry.ts), which signed v2 "call" events (v2-apply.ts) feed too.
import { parseControlEvent, type ControlEvent } from "../protocol/control.ts";
import { CIRCLE_NAME_MAX, DISPLAY_NAME_MAX } from "../protocol/limits.ts";
import type { ChatMessage } from "../protocol/message.ts";
import type { CallRegistry } from "./call-registry.ts";
import { ensureGeneral, type SyncStore, type SyncStoreV2 } from "./store.ts";

export { CallRegistry, callView, type CallApplyOptions, type CallSession } from "./call-registry.ts";
export { ensureGeneral };

/** Apply the control event carried by `m` (a __control message of circle m.circleId). */
export function applyControl(store: SyncStore, calls: CallRegistry, m: ChatMessage, now: number): ControlEvent | null {
  const e = parseControlEvent(m.text);
  if (!e) return null;
  const cid = m.circleId;
  ensureGeneral(store, cid, now);
  switch (e.t) {
    case "CHANNEL_EVT": {
      if (e.op === "rename") {
        const name = e.displayName.trim().slice(0, DISPLAY_NAME_MAX);
        if (e.nodeId && name) store.setDisplayName(e.nodeId, name, now);
        return e;
      }
      if (e.op === "create") {
        const creator = e.actorNodeId || e.createdBy;
        store.createChannel({
          circleId: cid,
          channelId: e.channelId,
          createdBy: creator,
          createdTs: e.createdTs ?? now,
          accessMode: e.accessMode,
          keyHash: e.accessMode === "key" ? e.keyHash : "",
        });
        if (creator) store.setChannelMember(cid, e.channelId, creator, "member");
        return e;
      }
      if (!store.getChannel(cid, e.channelId))
        store.createChannel({
          circleId: cid,
          channelId: e.channelId,
          createdBy: e.actorNodeId,
          createdTs: now,
          accessMode: "public",
          keyHash: "",
        });
      if (e.op === "join" && e.nodeId) store.setChannelMember(cid, e.channelId, e.nodeId, "member");
      else if (e.op === "request" && e.nodeId) {
        const cur = store.channelMembers(cid, e.channelId).find((x) => x.nodeId === e.nodeId);
        if (!cur) store.setChannelMember(cid, e.channelId, e.nodeId, "requested");
      } else if (e.op === "approve" && e.targetNodeId)
        store.setChannelMember(cid, e.channelId, e.targetNodeId, "member");
      else if (e.op === "leave" && e.nodeId && e.channelId !== "general")
        store.setChannelMember(cid, e.channelId, e.nodeId, null);
      return e;
    }
    case "CIRCLE_NAME_EVT": {
      const name = e.name.trim().slice(0, CIRCLE_NAME_MAX);
      if (!name || !e.circleId) return null;
      const c = store.getCircle(cid);
      if (c && c.name !== name) store.setCircleName(cid, name);
      return e;
    }
    case "ANCHOR_ANNOUNCE": {
      if (!e.nodeId) return null;
      store.upsertAnchor(cid, e.nodeId, JSON.stringify(e.capabilities), e.announcedAt, now);
      return e;
    }
    case "CALL_EVT": {
      // unsigned (v1) call event: believed only about nodes that do not speak v2 (originals)
      const v2 = store as Partial<SyncStoreV2>;
      const isV2Node = (id: string) => store.getPeer(cid, id)?.proto === "v2" || !!v2.getMemberCard?.(cid, id);
      calls.apply(cid, e, now, undefined, { eventTs: m.createdTs, isV2Node });
      return e;
    }
  }
}
