// What front ends see: plain data views of the node's state, shared by web and TUI.
import type { ChannelView, MessageView, SyncReport } from "../../src/peer/views.ts";
import type { MemberView } from "../../src/peer/member-list.ts";
import type { DeliveryUpdate } from "../../src/peer/delivery.ts";
import type { FillView } from "../../src/peer/fill-progress.ts";
import type { PeerRow } from "../../src/sync/store.ts";

export type AccessMode = "public" | "key" | "invite";
/** an owner's felund2 invite in the F2 dialog: id, created, expires, uses/max, state */
export type { InviteView } from "../../src/protocol/v2/invite.ts";
/** a message and a channel as the peer shows them (one definition for the node and the browser) */
export type { ChannelView, MessageView };
/** a page of search results: messages with a marked snippet, newest first (src/peer/search.ts) */
export type { SearchHit, SearchOpts, SearchPage } from "../../src/peer/search.ts";
/** a pinned message of a channel: who pinned it and when, the message when held (src/peer/pins.ts) */
export type { PinView } from "../../src/peer/pins.ts";
/** a direct-message conversation with one member (src/peer/dm.ts, docs/PROTOCOL.md §21) */
export type { DmView } from "../../src/peer/dm.ts";
/** a member of a circle: name, online now and by which path, last seen (src/peer/member-list.ts) */
export type { MemberView };

export interface NodeView {
  nodeId: string;
  displayName: string;
  relayBase: string;
  listenAddr?: string | null;
}
export interface CircleView {
  circleId: string;
  name: string;
  owned: boolean;
  /** compatible with original clients: felund1 codes (no route, expiry or use limit to choose) */
  legacy?: boolean;
  members: number;
  messages: number;
  channels: ChannelView[];
  /** a live path to another member of the circle now (a node's view; the relay-only browser uses its connection) */
  reachable?: boolean;
  /** a history streaming in now (docs/PROTOCOL.md §23) */
  fill?: FillView;
}
/** A peer of a circle as the front ends list it: the stored row and its best known name. */
export interface PeerView extends PeerRow {
  name: string;
}
/** A call in progress (docs/PROTOCOL.md §15). participants: in the order they joined, the host first. */
export interface CallView {
  sessionId: string;
  circleId: string;
  channelId: string;
  hostNodeId: string;
  participants: string[];
  /** receive-only viewers (only the host sends to them) */
  viewers?: string[];
  state: string;
  createdTs?: number;
  /** started by a signed event: only the host's signature ends it */
  signed?: boolean;
}
export type CallOp = "start" | "join" | "view" | "leave" | "end" | "revoke";
/** Kinds of call signal (docs/PROTOCOL.md §15). */
export type CallSignalType = "offer" | "answer" | "candidates" | "hello" | "bye" | "state";
export interface AppState {
  node: NodeView;
  circles: CircleView[];
  calls: CallView[];
}

export type BackendEvent =
  | { t: "message"; message: MessageView }
  | { t: "circles" }
  | { t: "peers"; circleId: string }
  /** who is online in a circle changed */
  | { t: "members"; circleId: string }
  | ({ t: "sync" } & SyncReport)
  | { t: "debug"; line: string }
  /** a history streaming in changed (src/peer/fill-progress.ts); done: it ended */
  | ({ t: "fill" } & FillView)
  | { t: "connection"; state: ConnectionState }
  /** one of our own messages is held by one more member or the relay (src/peer/delivery.ts) */
  | ({ t: "delivery" } & DeliveryUpdate)
  /** this peer has (or lost) a live path to another member of the circle (docs/PROTOCOL.md "Delivery state") */
  | { t: "reach"; circleId: string; reachable: boolean }
  /** who types in a channel now (node ids, in the order they started), after a change (docs/PROTOCOL.md §22) */
  | { t: "typing"; circleId: string; channelId: string; who: string[] }
  /** a call signal for this user, already opened and checked (sender's signature, recipient, replay) */
  | { t: "call-signal"; circleId: string; sessionId: string; from: string; type: CallSignalType; data: string };

export type ConnectionState = "connecting" | "live" | "offline";

/** An attachment as a front end shows it (docs/PROTOCOL.md §20); the file comes through the backend. */
export interface AttachmentView {
  msgId: string;
  circleId: string;
  name: string;
  size: number;
  mime: string;
  caption: string;
  /** base64 thumbnail, "" when none */
  thumb: string;
  thumbMime: string;
  chunks: number;
  /** chunks held here already */
  held: number;
}

/** A file to attach: its bytes, and for images a small thumbnail made by the front end. */
export interface FileUpload {
  name: string;
  mime: string;
  bytes: Uint8Array;
  caption?: string;
  thumb?: { mime: string; bytes: Uint8Array };
}

/** Progress of an upload or a download: parts done of the whole. */
export type Progress = (done: number, total: number) => void;
