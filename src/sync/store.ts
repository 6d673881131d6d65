// The store as the sync engine sees it. Synchronous (bun:sqlite is), injected, so the
// engine does no I/O of its own. Implemented over SQLite by db/node-store.ts.
import type { ChatMessage } from "../protocol/message.ts";
import type { AccessMode } from "../protocol/control.ts";

export interface CircleRow {
  circleId: string;
  secretHex: string;
  name: string;
  owned: boolean;
  bootstrap: string;
  mode: string;
  keyEpoch: number;
  joinedAt: number;
}

export interface StoredMessage extends ChatMessage {
  seq: number;
  sortTs: number;
  origin: string;
  receivedAt: number;
}

export interface PeerRow {
  circleId: string;
  nodeId: string;
  addr: string;
  lastSeen: number;
  lastOk: number;
  failures: number;
  source: string;
  proto: string;
}

export interface ChannelRow {
  circleId: string;
  channelId: string;
  createdBy: string;
  createdTs: number;
  accessMode: AccessMode;
  keyHash: string;
}

export interface MessageMeta { origin: string; receivedAt: number; sortTs: number }

export interface SyncStore {
  transaction<T>(fn: () => T): T;

  getCircle(circleId: string): CircleRow | undefined;
  listCircles(): CircleRow[];
  setCircleName(circleId: string, name: string): void;

  hasMessage(msgId: string): boolean;
  /** the subset of `ids` not stored */
  missingIds(ids: string[]): string[];
  /** ids of a circle, newest (created_ts, msg_id) first; optionally only created_ts >= minCreatedTs, at most `limit` */
  offerIds(circleId: string, opts: { minCreatedTs?: number; limit?: number }): string[];
  /** messages of a circle with these ids, in the order given (unknown ids skipped) */
  getMessages(circleId: string, ids: string[]): StoredMessage[];
  /** insert unless the msg_id exists; returns the stored row or null */
  insertMessage(m: ChatMessage, meta: MessageMeta): StoredMessage | null;
  setMac(msgId: string, mac: string): void;

  listPeers(circleId: string): PeerRow[];
  getPeer(circleId: string, nodeId: string): PeerRow | undefined;
  putPeer(p: PeerRow): void;
  deletePeer(circleId: string, nodeId: string): void;

  getChannel(circleId: string, channelId: string): ChannelRow | undefined;
  listChannels(circleId: string): ChannelRow[];
  /** create if absent; returns true when created */
  createChannel(c: ChannelRow): boolean;
  setChannelMember(circleId: string, channelId: string, nodeId: string, state: "member" | "requested" | null): void;
  channelMembers(circleId: string, channelId: string): { nodeId: string; state: string }[];

  setDisplayName(nodeId: string, name: string, now: number): void;
  getDisplayName(nodeId: string): string | undefined;

  upsertAnchor(circleId: string, nodeId: string, caps: string, announcedAt: number, now: number): void;
}
