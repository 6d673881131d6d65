// The one interface both front ends talk to. Two implementations: LocalBackend (a thin
// client of the local node's API) and, for browsers on a public relay, a relay-only peer.
// What a user cannot do, either throws as a FelundError (src/protocol/errors.ts).
import type {
  AccessMode,
  AttachmentView,
  FileUpload,
  Progress,
  AppState,
  InviteView,
  MemberView,
  BackendEvent,
  CallOp,
  CallSignalType,
  CallView,
  ConnectionState,
  DmView,
  MessageView,
  PeerView,
  PinView,
  SearchOpts,
  SearchPage,
} from "./types.ts";
import type { NotifyPrefs } from "../../src/peer/notify-prefs.ts";

export type InviteRoute = "lan" | "relay";
export interface InviteOptions {
  ttlS?: number;
  maxUses?: number;
  route?: InviteRoute;
}

/** What a user does to a message (docs/PROTOCOL.md §18): answer it, react (add absent: toggle), edit or delete it. */
export type RefOp =
  | { op: "reply"; text: string }
  | { op: "react"; emoji: string; add?: boolean }
  | { op: "edit"; text: string }
  | { op: "delete" };

export interface Backend {
  readonly kind: "local" | "relay";
  getState(): Promise<AppState>;
  listMessages(
    circleId: string,
    channelId: string,
    opts: { limit: number; before?: { sortMs: number; seq: number } },
  ): Promise<MessageView[]>;
  send(circleId: string, channelId: string, text: string): Promise<MessageView>;
  /** this user types in a channel: the others see "… is typing" (throttled by the peer; none in legacy circles) */
  typing?(circleId: string, channelId: string): Promise<void>;
  /** reply to, react to, edit or delete a message; the message as it now shows (for a reply: the reply) */
  refAction?(circleId: string, msgId: string, a: RefOp): Promise<MessageView>;
  /** full-text search of a circle's history (words all match, the last as a prefix, "quoted phrases"), newest first */
  search?(circleId: string, query: string, opts?: SearchOpts): Promise<SearchPage>;
  /** send a file (v2 circles only); its chunks go to members and the circle's relay */
  attach?(circleId: string, channelId: string, file: FileUpload, progress?: Progress): Promise<MessageView>;
  /** what an attachment message describes (name, size, thumbnail…) */
  attachmentInfo?(circleId: string, msgId: string): Promise<AttachmentView>;
  /** the file of an attachment, fetched on demand (chunks held are not fetched again) */
  fetchAttachment?(circleId: string, msgId: string, progress?: Progress): Promise<Uint8Array>;
  /** legacy: compatible with original clients (felund1. codes, v1 on the wire); default v2-only */
  createCircle(name: string, opts?: { legacy?: boolean }): Promise<{ circleId: string; code: string }>;
  joinCircle(code: string): Promise<{ circleId: string }>;
  leaveCircle(circleId: string): Promise<void>;
  renameCircle(circleId: string, name: string): Promise<void>;
  /** owner only (v2 circles): how much history a new member receives, "all" | "none" | "<N>d"; answers the policy now */
  setHistory?(circleId: string, policy: string): Promise<string>;
  /**
   * The circle's invite code. `route` (felund2 codes): "lan" names this node's own address (a
   * joiner must be able to dial it), "relay" names its relay (joiners anywhere; the relay-only
   * browser has only this one); absent: the backend's default (the node: its address).
   */
  inviteCode(circleId: string, opts?: InviteOptions): Promise<string>;
  /** owner only: the felund2 invites issued for a circle, newest first (none for a legacy circle) */
  listInvites?(circleId: string): Promise<InviteView[]>;
  /** owner only: revoke an invite; its code admits no one after (a kick revokes them all) */
  revokeInvite?(circleId: string, inviteId: string): Promise<void>;
  /** owner only: remove members; the circle moves to a new key they do not get (v2) */
  kickMembers?(circleId: string, members: string[]): Promise<void>;
  /** channel owner only: let a member into an invite channel */
  approveMember?(circleId: string, channel: string, member: string): Promise<void>;
  /** the notification settings this backend keeps (the node's; src/peer/notify-prefs.ts) */
  getNotify?(): Promise<NotifyPrefs>;
  setNotify?(p: NotifyPrefs): Promise<void>;
  /** a channel's pinned messages, oldest pin first (v2 circles) */
  listPins?(circleId: string, channelId: string): Promise<PinView[]>;
  /** circle owner (or the owner of a key/invite channel): pin or unpin a message of the channel */
  pin?(circleId: string, channelId: string, msgId: string, pinned: boolean): Promise<void>;
  createChannel(circleId: string, name: string, mode: AccessMode, key?: string): Promise<void>;
  joinChannel(circleId: string, name: string, key?: string): Promise<void>;
  leaveChannel(circleId: string, name: string): Promise<void>;
  listPeers(circleId: string): Promise<PeerView[]>;
  /** the circle's members, you among them, by name: the same list on every member's screen */
  listMembers(circleId: string): Promise<MemberView[]>;
  /** this user's direct-message conversations in a circle that hold a message, newest first (writing in one: send with its channelId) */
  listDms?(circleId: string): Promise<DmView[]>;
  /** the conversation with a member (node id, id prefix or name); refused in legacy circles and for removed members */
  openDm?(circleId: string, member: string): Promise<DmView>;
  /** the unsent draft this backend keeps for a channel ("" for none; the node's store, for the TUI) */
  getDraft?(circleId: string, channelId: string): Promise<string>;
  /** keep (or with "" clear) a channel's draft */
  saveDraft?(circleId: string, channelId: string, text: string): Promise<void>;
  updateSettings(s: { displayName?: string; relayBase?: string }): Promise<void>;
  // ---- calls (docs/PROTOCOL.md §15); a backend without them offers no calls ----
  /** start (in `channel`), join, view, leave or end a call, or revoke `target` (host); the call afterwards, or null once it is over */
  callAction?(
    circleId: string,
    op: CallOp,
    a: { sessionId?: string; channel?: string; target?: string },
  ): Promise<CallView | null>;
  /** send a signal to another participant (sealed and signed on its way; arrives as a "call-signal" event) */
  callSignal?(circleId: string, sessionId: string, to: string, type: CallSignalType, data: string): Promise<void>;
  /** this page still runs the call (without it, the node leaves the call for the user after a while) */
  callAlive?(circleId: string, sessionId: string): Promise<void>;
  /** live events; the backend (re)connects while there are subscribers */
  subscribe(fn: (e: BackendEvent) => void): () => void;
  connection(): ConnectionState;
  close(): void;
}
