// The relay-only backend's shape (relay-backend.ts): its options, and the Backend methods the
// relay-actions.ts chunk serves (bound in its constructor).
import type { FetchLike, RelayEndpoint } from "../../../../src/peer/relay/api.ts";
import type { WsCtor } from "../../../../src/peer/relay/sync.ts";
import type { Rng } from "../../../../src/protocol/crypto.ts";
import type { Persistence } from "./persist.ts";

export interface RelayBackendOptions {
  /** the relay to use until the user sets another (default: the page's origin) */
  relayBase: string;
  persist: Persistence;
  fetch?: FetchLike;
  WebSocketImpl?: WsCtor;
  rng?: Rng;
  nowMs?: () => number;
  /** what presence announces (the page's host and port) */
  endpoint?: RelayEndpoint | null;
  /** poll interval while a WebSocket is down (the original's 5 s), and while all are up */
  pollMs?: number;
  idlePollMs?: number;
  reconnectMs?: number;
}

/** The Backend methods relay-actions.ts serves. */
export const SERVED = [
  "createCircle",
  "joinCircle",
  "renameCircle",
  "inviteCode",
  "createChannel",
  "joinChannel",
  "leaveChannel",
  "listInvites",
  "revokeInvite",
  "kickMembers",
  "approveMember",
  "updateSettings",
  "search",
  "listPins",
  "pin",
  "openDm",
  "listDms",
  "refAction",
  "attach",
  "attachmentInfo",
  "fetchAttachment",
] as const;
