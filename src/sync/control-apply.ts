// Applies control events (reference §5) to the store. CALL_EVT sessions live in memory
// (CallRegistry), as in both originals.
import { parseControlEvent, type CallEvt, type ControlEvent } from "../protocol/control.ts";
import { CIRCLE_NAME_MAX, DISPLAY_NAME_MAX } from "../protocol/limits.ts";
import type { ChatMessage } from "../protocol/message.ts";
import type { SyncStore } from "./store.ts";

export interface CallSession {
  sessionId: string;
  circleId: string;
  channelId: string;
  hostNodeId: string;
  participants: Set<string>;
  state: "pending" | "active";
  createdTs: number;
}

export class CallRegistry {
  readonly sessions = new Map<string, CallSession>();
  apply(circleId: string, e: CallEvt, now: number, circleMembers: Set<string>): boolean {
    const s = this.sessions.get(e.sessionId);
    switch (e.op) {
      case "create": {
        if (s) return false;
        const host = e.hostNodeId || e.actorNodeId;
        if (!host) return false;
        this.sessions.set(e.sessionId, {
          sessionId: e.sessionId, circleId, channelId: e.channelId || "general", hostNodeId: host,
          participants: new Set([host]), state: "pending", createdTs: e.createdTs ?? now,
        });
        return true;
      }
      case "join": {
        const node = e.nodeId || e.actorNodeId;
        if (!s || !node) return false;
        if (circleMembers.size > 0 && !circleMembers.has(node) && node !== s.hostNodeId) return false;
        s.participants.add(node);
        if (s.participants.size > 1) s.state = "active";
        return true;
      }
      case "leave": {
        const node = e.nodeId || e.actorNodeId;
        if (!s || !node) return false;
        return s.participants.delete(node);
      }
      case "end": {
        if (!s) return false;
        if (e.actorNodeId && e.actorNodeId !== s.hostNodeId) return false;
        if (e.hostNodeId && e.hostNodeId !== s.hostNodeId) return false;
        this.sessions.delete(e.sessionId);
        return true;
      }
      default:
        return false;
    }
  }
  forCircle(circleId: string): CallSession[] {
    return [...this.sessions.values()].filter((s) => s.circleId === circleId);
  }
}

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
          circleId: cid, channelId: e.channelId, createdBy: creator, createdTs: e.createdTs ?? now,
          accessMode: e.accessMode, keyHash: e.accessMode === "key" ? e.keyHash : "",
        });
        if (creator) store.setChannelMember(cid, e.channelId, creator, "member");
        return e;
      }
      if (!store.getChannel(cid, e.channelId))
        store.createChannel({ circleId: cid, channelId: e.channelId, createdBy: e.actorNodeId, createdTs: now, accessMode: "public", keyHash: "" });
      if (e.op === "join" && e.nodeId) store.setChannelMember(cid, e.channelId, e.nodeId, "member");
      else if (e.op === "request" && e.nodeId) {
        const cur = store.channelMembers(cid, e.channelId).find((x) => x.nodeId === e.nodeId);
        if (!cur) store.setChannelMember(cid, e.channelId, e.nodeId, "requested");
      } else if (e.op === "approve" && e.targetNodeId) store.setChannelMember(cid, e.channelId, e.targetNodeId, "member");
      else if (e.op === "leave" && e.nodeId && e.channelId !== "general") store.setChannelMember(cid, e.channelId, e.nodeId, null);
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
      const members = new Set(store.listPeers(cid).map((p) => p.nodeId));
      calls.apply(cid, e, now, members);
      return e;
    }
  }
}

export function ensureGeneral(store: SyncStore, circleId: string, now: number): void {
  if (!store.getChannel(circleId, "general"))
    store.createChannel({ circleId, channelId: "general", createdBy: "", createdTs: now, accessMode: "public", keyHash: "" });
}
