// The one interface both front ends talk to. Two implementations: LocalBackend (a thin
// client of the local node's API) and, for browsers on a public relay, a relay-only peer.
import type { AccessMode, AppState, BackendEvent, ConnectionState, MessageView, PeerView } from "./types.ts";

export interface Backend {
  readonly kind: "local" | "relay";
  getState(): Promise<AppState>;
  listMessages(circleId: string, channelId: string, opts: { limit: number; before?: { sortTs: number; msgId: string } }): Promise<MessageView[]>;
  send(circleId: string, channelId: string, text: string): Promise<MessageView>;
  createCircle(name: string): Promise<{ circleId: string; code: string }>;
  joinCircle(code: string): Promise<{ circleId: string }>;
  leaveCircle(circleId: string): Promise<void>;
  renameCircle(circleId: string, name: string): Promise<void>;
  inviteCode(circleId: string): Promise<string>;
  createChannel(circleId: string, name: string, mode: AccessMode, key?: string): Promise<void>;
  joinChannel(circleId: string, name: string, key?: string): Promise<void>;
  leaveChannel(circleId: string, name: string): Promise<void>;
  listPeers(circleId: string): Promise<PeerView[]>;
  updateSettings(s: { displayName?: string; relayBase?: string }): Promise<void>;
  /** live events; the backend (re)connects while there are subscribers */
  subscribe(fn: (e: BackendEvent) => void): () => void;
  connection(): ConnectionState;
  close(): void;
}

/** Error with a message fit to show the user as-is. */
export class BackendError extends Error {
  constructor(message: string, readonly status = 0) {
    super(message);
    this.name = "BackendError";
  }
}
