// Control events carried as messages in the "__control" channel (PROTOCOL-V1.md §5): builders
// emit Python's form (sorted keys, ASCII escapes); the parser recognises CHANNEL_EVT,
// CIRCLE_NAME_EVT, ANCHOR_ANNOUNCE and CALL_EVT and type-checks every field it uses.
import { jsonPython } from "./json-python.ts";
import { sha256Hex } from "./crypto.ts";
import { isValidChannelId, normalizeChannelId } from "./channel-id.ts";

export type AccessMode = "public" | "key" | "invite";
export const ACCESS_MODES: readonly AccessMode[] = ["public", "key", "invite"];
export const CHANNEL_OPS = ["create", "join", "request", "approve", "leave", "rename"] as const;
export type ChannelOp = (typeof CHANNEL_OPS)[number];
export const CALL_OPS = [
  "create",
  "invite",
  "join",
  "leave",
  "end",
  "signal.offer",
  "signal.answer",
  "signal.candidate",
  "view",
  "revoke",
] as const;
export type CallOp = (typeof CALL_OPS)[number];

export interface ChannelEvt {
  t: "CHANNEL_EVT";
  op: ChannelOp;
  circleId: string;
  channelId: string; // normalised; "" for rename
  accessMode: AccessMode;
  keyHash: string;
  actorNodeId: string;
  createdBy: string;
  createdTs: number | null;
  nodeId: string;
  targetNodeId: string;
  displayName: string;
}
export interface CircleNameEvt {
  t: "CIRCLE_NAME_EVT";
  circleId: string;
  name: string;
}
export interface AnchorAnnounce {
  t: "ANCHOR_ANNOUNCE";
  nodeId: string;
  announcedAt: number;
  capabilities: Record<string, boolean>;
}
export interface CallEvt {
  t: "CALL_EVT";
  op: CallOp;
  sessionId: string;
  hostNodeId: string;
  circleId: string;
  channelId: string;
  nodeId: string;
  actorNodeId: string;
  createdTs: number | null;
  /** revoke: the viewer (or participant) the host removes */
  targetNodeId?: string;
}
export type ControlEvent = ChannelEvt | CircleNameEvt | AnchorAnnounce | CallEvt;

/** key_hash = sha256hex(circle_id|channel_id|key) (PROTOCOL-V1.md §5.2; weak by design of v1, W4). */
export const channelKeyHash = (circleId: string, channelId: string, key: string): string =>
  sha256Hex(`${circleId}|${channelId}|${key}`);

const s = (v: unknown): string => (typeof v === "string" ? v : "");
const int = (v: unknown): number | null => (typeof v === "number" && Number.isSafeInteger(v) ? v : null);

/** Parse a control message text; null when it is no event we know (ignored, as Python does). */
export function parseControlEvent(text: string): ControlEvent | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  switch (o.t) {
    case "CHANNEL_EVT": {
      if (!CHANNEL_OPS.includes(o.op as ChannelOp)) return null;
      const op = o.op as ChannelOp;
      const channelId = normalizeChannelId(s(o.channel_id));
      if (op !== "rename" && !isValidChannelId(channelId)) return null;
      const mode = ACCESS_MODES.includes(o.access_mode as AccessMode) ? (o.access_mode as AccessMode) : "public";
      return {
        t: "CHANNEL_EVT",
        op,
        circleId: s(o.circle_id),
        channelId,
        accessMode: mode,
        keyHash: s(o.key_hash),
        actorNodeId: s(o.actor_node_id),
        createdBy: s(o.created_by),
        createdTs: int(o.created_ts),
        nodeId: s(o.node_id),
        targetNodeId: s(o.target_node_id),
        displayName: s(o.display_name),
      };
    }
    case "CIRCLE_NAME_EVT":
      return { t: "CIRCLE_NAME_EVT", circleId: s(o.circle_id), name: s(o.name) };
    case "ANCHOR_ANNOUNCE": {
      const caps: Record<string, boolean> = {};
      if (o.capabilities && typeof o.capabilities === "object")
        for (const [k, val] of Object.entries(o.capabilities)) if (typeof val === "boolean") caps[k] = val;
      return { t: "ANCHOR_ANNOUNCE", nodeId: s(o.node_id), announcedAt: int(o.announced_at) ?? 0, capabilities: caps };
    }
    case "CALL_EVT": {
      if (!CALL_OPS.includes(o.op as CallOp) || !s(o.session_id)) return null;
      return {
        t: "CALL_EVT",
        op: o.op as CallOp,
        sessionId: s(o.session_id),
        hostNodeId: s(o.host_node_id),
        circleId: s(o.circle_id),
        channelId: s(o.channel_id),
        nodeId: s(o.node_id),
        actorNodeId: s(o.actor_node_id),
        createdTs: int(o.created_ts),
        targetNodeId: s(o.target_node_id) || undefined,
      };
    }
    default:
      return null;
  }
}

// ---- builders (Python's field sets, PROTOCOL-V1.md §5.2-5.5) ----

export const channelCreateText = (a: {
  circleId: string;
  channelId: string;
  accessMode: AccessMode;
  keyHash: string;
  actor: string;
  ts: number;
}): string =>
  jsonPython({
    t: "CHANNEL_EVT",
    op: "create",
    circle_id: a.circleId,
    channel_id: a.channelId,
    access_mode: a.accessMode,
    key_hash: a.accessMode === "key" ? a.keyHash : "",
    actor_node_id: a.actor,
    created_by: a.actor,
    created_ts: a.ts,
  });

export const channelMemberText = (
  op: "join" | "request" | "leave",
  a: { circleId: string; channelId: string; nodeId: string; actor: string; ts: number },
): string =>
  jsonPython({
    t: "CHANNEL_EVT",
    op,
    circle_id: a.circleId,
    channel_id: a.channelId,
    node_id: a.nodeId,
    actor_node_id: a.actor,
    created_ts: a.ts,
  });

export const channelApproveText = (a: {
  circleId: string;
  channelId: string;
  target: string;
  actor: string;
  ts: number;
}): string =>
  jsonPython({
    t: "CHANNEL_EVT",
    op: "approve",
    circle_id: a.circleId,
    channel_id: a.channelId,
    target_node_id: a.target,
    actor_node_id: a.actor,
    created_ts: a.ts,
  });

export const renameText = (a: { circleId: string; nodeId: string; displayName: string; ts: number }): string =>
  jsonPython({
    t: "CHANNEL_EVT",
    op: "rename",
    circle_id: a.circleId,
    node_id: a.nodeId,
    display_name: a.displayName,
    actor_node_id: a.nodeId,
    created_ts: a.ts,
  });

export const circleNameText = (circleId: string, name: string): string =>
  jsonPython({ t: "CIRCLE_NAME_EVT", circle_id: circleId, name });

export const anchorAnnounceText = (
  nodeId: string,
  announcedAt: number,
  caps: { can_anchor: boolean; is_mobile: boolean; public_reachable: boolean },
): string => jsonPython({ t: "ANCHOR_ANNOUNCE", node_id: nodeId, announced_at: announcedAt, capabilities: caps });

/** CALL_EVT in the web client's field order (JSON.stringify, not sorted). */
export function callEventText(
  op: CallOp,
  a: {
    sessionId: string;
    actor: string;
    hostNodeId?: string;
    circleId?: string;
    channelId?: string;
    nodeId?: string;
    targetNodeId?: string;
    ts?: number;
  },
): string {
  switch (op) {
    case "create":
      return JSON.stringify({
        t: "CALL_EVT",
        op,
        session_id: a.sessionId,
        host_node_id: a.hostNodeId ?? a.actor,
        circle_id: a.circleId,
        channel_id: a.channelId,
        created_ts: a.ts,
        actor_node_id: a.actor,
      });
    case "join":
    case "view":
      return JSON.stringify({
        t: "CALL_EVT",
        op,
        session_id: a.sessionId,
        node_id: a.nodeId ?? a.actor,
        actor_node_id: a.actor,
      });
    case "leave":
      return JSON.stringify({
        t: "CALL_EVT",
        op,
        session_id: a.sessionId,
        node_id: a.nodeId ?? a.actor,
        reason: "user_left",
        actor_node_id: a.actor,
      });
    case "end":
      return JSON.stringify({
        t: "CALL_EVT",
        op,
        session_id: a.sessionId,
        host_node_id: a.hostNodeId ?? a.actor,
        actor_node_id: a.actor,
      });
    case "revoke":
      return JSON.stringify({
        t: "CALL_EVT",
        op,
        session_id: a.sessionId,
        target_node_id: a.targetNodeId,
        actor_node_id: a.actor,
      });
    default:
      return JSON.stringify({ t: "CALL_EVT", op, session_id: a.sessionId, actor_node_id: a.actor });
  }
}
