// The store as the sync engine sees it. Synchronous (bun:sqlite is), injected, so the
// engine does no I/O of its own. Implemented twice: over SQLite by db/node-store.ts (the node)
// and in memory by ui/web/src/relay/mem-store.ts (the relay-only browser); the contract below
// holds for both, method by method (tests/peer/store-port.test.ts). Rows read are snapshots:
// a later write does not change a row already read, and changing a row read changes nothing.
import { CONTROL_CHANNEL, DEFAULT_CHANNEL } from "../protocol/channel-id.ts";
import type { ChatMessage } from "../protocol/message.ts";
import type { AccessMode } from "../protocol/control.ts";
import type { InviteRecord } from "../protocol/v2/invite.ts";
import type { ItemSet } from "../protocol/v2/recon-set.ts";
import type { SearchQuery } from "./search.ts";
import { DISPLAY_NAME_MAX, LATE_AFTER_S, MAX_FUTURE_SKEW_S } from "../protocol/limits.ts";

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
  /** display order: (sortMs, then seq); sortMs is created_ms (v2) or created_ts * 1000 (v1), clamped like sortTs */
  sortMs: number;
  /** 1 when it arrived well after a later message of its channel was stored (placeOf) */
  late?: number | boolean;
  /** version-2 signed messages: the author's millisecond time and sequence number (null otherwise) */
  createdMs?: number | null;
  authorSeq?: number | null;
  origin: string;
  receivedAt: number;
  /** 1 when the author's v2 signature is stored (read-only; set by the v2 path) */
  signed?: number | boolean;
  /** the v2 kind (0-6; null for a v1-only row); kinds 3-6 name their target (docs/PROTOCOL.md §18) */
  kind?: number | null;
  targetId?: string | null;
  /** 1: a tombstone (deleted by its author or the circle owner: text, MAC and wires are erased) */
  deleted?: number | boolean;
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

export interface MessageMeta {
  origin: string;
  receivedAt: number;
  sortTs: number;
  sortMs: number;
  late?: boolean;
}

/** A place in a channel's display order (a paging cursor: rows strictly before it). */
export interface OrderKey {
  sortMs: number;
  seq: number;
}

export interface SyncStore {
  /** Run `fn` as one unit against other writers and return its value; nested calls run inline. A function that
   * throws is a bug (callers abort with a verdict, not an exception): SQLite rolls its writes back, the memory
   * store cannot and keeps them. */
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
  /** insert unless the msg_id exists; returns the stored row (`signed` 0) or null. `seq` grows with each
   * insert, in arrival order; SQLite may skip numbers (a refused duplicate uses one up) */
  insertMessage(m: ChatMessage, meta: MessageMeta): StoredMessage | null;
  /** give a row its v1 MAC, unless it has one */
  setMac(msgId: string, mac: string): void;
  /** A newer original's schema-2 object as received (compact JSON), kept with its row so v1 exchanges can offer it
   * unchanged to newer originals (PROTOCOL-V1.md, schema-2 objects). Optional: a store that serves no v1 TCP peer
   * (the relay-only browser's) keeps none. The first one set stays. */
  setV1Wire?(msgId: string, json: string): void;
  getV1Wire?(msgId: string): string | undefined;
  getMessage(msgId: string): StoredMessage | undefined;
  /** a page of one channel in display order (sortMs, then seq), oldest first: the newest `limit` rows before
   * `before` (exclusive). Reactions, edits and deletes (kinds 4-6: they annotate another row) are not listed. */
  channelMessages(circleId: string, channelId: string, opts: { limit: number; before?: OrderKey }): StoredMessage[];
  /** Full-text search (src/sync/search.ts): the circle's rows a user can read (not __control, text not empty) that
   * match the query, optionally of one channel, newest (sortMs, seq) first, strictly before `before`, at most `limit` */
  searchMessages(
    circleId: string,
    q: SearchQuery,
    opts: { channelId?: string; limit: number; before?: OrderKey },
  ): StoredMessage[];
  /** what users call messages: the circle's rows outside the __control channel */
  countChatMessages(circleId: string): number;
  /** every author of a circle's rows (control events too) with the created_ts of their newest row, by node id */
  circleAuthors(circleId: string): { nodeId: string; lastTs: number }[];

  /** A store may keep no peers (the relay-only browser dials no one; presence comes from the relay): then
   * it lists none and forgets what it is given. The node lists them by last_ok, then last_seen, newest first. */
  listPeers(circleId: string): PeerRow[];
  getPeer(circleId: string, nodeId: string): PeerRow | undefined;
  putPeer(p: PeerRow): void;
  deletePeer(circleId: string, nodeId: string): void;

  getChannel(circleId: string, channelId: string): ChannelRow | undefined;
  /** #general first, then by channel id */
  listChannels(circleId: string): ChannelRow[];
  /** create if absent; returns true when created */
  createChannel(c: ChannelRow): boolean;
  setChannelMember(circleId: string, channelId: string, nodeId: string, state: "member" | "requested" | null): void;
  /** by node id */
  channelMembers(circleId: string, channelId: string): { nodeId: string; state: string }[];

  /** the last name set wins (the caller decides which name is newer) */
  setDisplayName(nodeId: string, name: string, now: number): void;
  getDisplayName(nodeId: string): string | undefined;

  upsertAnchor(circleId: string, nodeId: string, caps: string, announcedAt: number, now: number): void;
}

// ---- felund v2 (docs/PROTOCOL.md): added for the v2 engine; the methods above are unchanged ----

/** v2 columns of a message row: author key, signature (hex), key epoch, the signed wire (base64). */
export interface V2MessageCols {
  authorKey: string;
  signature: string;
  keyEpoch: number;
  kind: number;
  wire: string;
  /** version-2 messages only */
  createdMs?: number;
  authorSeq?: number;
  /** kinds 3-6: the message referred to */
  targetId?: string;
}
/** A point in reconciliation order: (created_ts, msg_id as 32 lowercase hex). */
export interface FillPoint {
  ts: number;
  id: string;
}
export interface FillQuery {
  maxEpoch: number;
  legacy: boolean;
  lower: FillPoint;
  /** null: no upper bound */
  upper: FillPoint | null;
  /** the last row of the previous page (exclusive), null on the first */
  below: FillPoint | null;
  limit: number;
}
/** wire: the signed message (base64), null for a MAC-only row of a legacy circle */
export interface FillRow {
  ts: number;
  msgId: string;
  wire: string | null;
}
/** `signed`: has a v2 signature (a MAC-only row of a legacy circle is reconciled under a distinct item, so a signed copy still reaches it) */
export interface V2Item {
  ts: number;
  msgId: string;
  signed: boolean;
}
export interface MemberCardRow {
  circleId: string;
  nodeId: string;
  edKey: string;
  xKey: string;
  displayName: string;
  issuedTs: number;
  msgId: string;
}
/** A channel as established by a signed v2 CHANNEL_CREATE (owner = its signer). */
export interface V2ChannelRow {
  circleId: string;
  channelId: string;
  ownerKey: string;
  mode: string;
  scryptLogN: number;
  keyCheck: string;
  createdTs: number;
  msgId: string;
}
/** A stored invite: what the issuer checks on every admission, and when it was issued. */
export interface InviteRow extends InviteRecord {
  createdTs: number;
}

/** A circle's history policy (§24.2) and the event that set it (the newest wins). */
export interface HistoryPolicy {
  /** null: all history; 0: none from before a member joined; N: the last N days before it */
  days: number | null;
  ts: number;
  msgId: string;
  /** the owner's author sequence of the event (message version 2): orders two set within one second */
  seq?: number;
}

export interface SyncStoreV2 extends SyncStore {
  /** the circle's history policy (§24.2); a store without one (the browser's) serves no sessions */
  circleHistory?(circleId: string): HistoryPolicy | null;
  /** keep `p` unless the policy held is newer (created_ts, then msg_id): the newest wins in any arrival order */
  setCircleHistory?(circleId: string, p: HistoryPolicy): void;
  /** when a member first authored anything here (its join, as far as this node knows); null: never */
  firstAuthoredTs?(circleId: string, nodeId: string): number | null;
  /** this node's retention setting in days (0: keep forever): what it prunes, it neither reconciles nor wants back */
  retentionDays?(): number;
  /** ids of the circle's signed control events dated before `ts` (served whatever the history policy) */
  controlIdsBefore?(circleId: string, ts: number, maxEpoch: number): string[];
  /** insert unless the circle is known (then nothing changes); true when inserted. Listed by joinedAt, then id */
  addCircle(c: CircleRow): boolean;
  /** the circle and everything of it: messages, peers, channels and members, keys, cards, removals, invites and
   * their admissions (display names are per node, not per circle: they stay) */
  removeCircle(circleId: string): void;
  setCircleMode(circleId: string, mode: "v1" | "v2"): void;
  /** raise the circle's epoch; never lowers it */
  setCircleEpoch(circleId: string, epoch: number): void;
  getCircleOwner(circleId: string): string | undefined;
  /** (a circle not stored has no owner) */
  setCircleOwner(circleId: string, ownerKeyHex: string): void;
  getEpochKey(circleId: string, epoch: number): string | undefined;
  /** the first key stored for an epoch stays */
  putEpochKey(circleId: string, epoch: number, keyHex: string, now: number): void;

  /** (created_ts, msg_id) of the messages servable over v2, ascending: signed ones of epoch <= maxEpoch, plus MAC-only ones when `legacy` */
  v2Items(circleId: string, opts: { maxEpoch: number; legacy: boolean }): V2Item[];
  /** a signed copy is stored (the relay-only browser keeps some wires in IndexedDB only); absent: getV2Wire tells */
  hasV2?(msgId: string): boolean;
  /**
   * The same items as a set the store keeps up to date as rows change, shared by the circle's
   * sessions (issue 17); absent or null: the session builds its own from v2Items.
   */
  reconItems?(circleId: string, opts: { maxEpoch: number; legacy: boolean }): ItemSet | null;
  /**
   * One page of a streamed fill (docs/PROTOCOL.md §23): the servable items (as v2Items) in
   * [lower, upper) and below `below`, newest first, at most `limit`. The one query that decides
   * what a fill serves; absent: the session lists ids instead.
   */
  fillPage?(circleId: string, q: FillQuery): FillRow[];
  /** Run `fn` in a transaction with the full-text entries of the rows it inserts written in one statement at its end
   * (a streamed fill's frame, §23), not a trigger per row; absent: the caller runs `fn` as is. */
  bulkFts?<T>(fn: () => T): T;
  /** the highest created_ms and author_seq of an author's version-2 messages in a circle (0 when none) */
  lastAuthored(circleId: string, authorNodeId: string): { createdMs: number; authorSeq: number };
  /** base64 signed wire of a message, if it has one */
  getV2Wire(msgId: string): string | undefined;
  insertV2Message(m: ChatMessage, v2: V2MessageCols, meta: MessageMeta): StoredMessage | null;
  /** give a MAC-only row its signature (same content, checked by the caller); true when attached */
  attachV2(msgId: string, v2: V2MessageCols): boolean;
  /** signed wires (base64) of the circle's stored REKEY events (control rows whose text is {"t":"V2_REKEY",...}),
   * in display order */
  rekeyWires(circleId: string): string[];
  /** sealed (kind 1) rows of a channel whose text is not open yet, in display order */
  lockedMessages(circleId: string, channelId: string): { msgId: string; wire: string }[];
  setMessageText(msgId: string, text: string): void;

  /** replace the member's card: the caller has judged it newer (cardIsNewer) */
  putMemberCard(c: MemberCardRow): void;
  getMemberCard(circleId: string, nodeId: string): MemberCardRow | undefined;
  /** by node id */
  listMemberCards(circleId: string): MemberCardRow[];
  /** the first removal of a member stays */
  markRemoved(circleId: string, nodeId: string, epoch: number, removedTs: number): void;
  /** created_ts of the REKEY that removed this member, if any */
  removedAt(circleId: string, nodeId: string): number | undefined;

  getV2Channel(circleId: string, channelId: string): V2ChannelRow | undefined;
  /** insert if absent; true when inserted */
  putV2Channel(c: V2ChannelRow): boolean;
  /** set (or replace) the key of one version */
  putChannelKey(circleId: string, channelId: string, version: number, keyHex: string): void;
  getChannelKey(circleId: string, channelId: string, version: number): string | undefined;
  latestChannelKey(circleId: string, channelId: string): { version: number; keyHex: string } | undefined;

  /** insert unless the invite id is known */
  putInvite(r: InviteRow): void;
  getInvite(inviteId: string): InviteRow | undefined;
  inviteAdmitted(inviteId: string, nodeId: string): boolean;
  /** count one admission of a known invite, once per node (atomically with the check done by the caller inside
   * transaction()) */
  recordAdmission(inviteId: string, nodeId: string, now: number): void;
  /** the invites this node issued for a circle, newest first (on a tie, the later stored first) */
  listInvites(circleId: string): InviteRow[];
  /** mark one invite revoked (kept, for the listing); false when unknown or already revoked */
  revokeInvite(inviteId: string, now: number): boolean;
  /** revoke every not yet revoked invite of a circle (a kick does); how many */
  revokeCircleInvites(circleId: string, now: number): number;
  /** some invite is unexpired at `now`, revoked or not (its joiner then gets "invite revoked", not a timeout) */
  hasLiveInvites(now: number): boolean;

  /** Delivery state (issue 14): record that `holder` (a member's node id, or RELAY_HOLDER) holds those of `msgIds`
   * that are stored here and authored by `author` (only a peer's own messages are tracked); the ids for which that
   * is new, in the order given. Kept until the circle or the message goes. */
  addHolders(author: string, msgIds: string[], holder: string, now: number): string[];
  /** who is known to hold a message, sorted */
  holdersOf(msgId: string): string[];

  /** Reactions, edits and deletes (kinds 4-6, docs/PROTOCOL.md §18) of the circle that refer to these ids, erased ones
   * excluded, in the order stored */
  refsTo(circleId: string, targetIds: string[]): StoredMessage[];
  /** Delete a message for good (§18): its row stays as a tombstone (deleted 1, text "", no MAC, no wires, out of the
   * search index), and so do the reactions and edits that refer to it. The node also zeroes what it frees on disk. */
  eraseMessage(msgId: string): void;
}

/** The holder name of the circle's relay in addHolders (node ids are hex, so it cannot clash). */
export const RELAY_HOLDER = "relay";

/** A row's place in the history: its created_ts, but never further ahead than the allowed clock skew. */
export const sortTsFor = (createdTs: number, now: number): number => Math.min(createdTs, now + MAX_FUTURE_SKEW_S);

/** sortTs in milliseconds: created_ms (version-2 messages) or created_ts * 1000, never further ahead than the skew. */
export const sortMsFor = (createdMs: number, now: number): number =>
  Math.min(createdMs, (now + MAX_FUTURE_SKEW_S) * 1000);

/**
 * Where a message arriving now goes in its channel: its time, clamped (sortTs, sortMs), and
 * whether it arrived late: a chat message written while this peer was in the circle, stored
 * more than LATE_AFTER_S after its own time, behind a later message of its channel (an offline
 * member's backlog). Computed once, when it is stored; history older than the join is not late.
 */
export function placeOf(
  store: SyncStore,
  m: { circleId: string; channelId: string; createdTs: number; createdMs?: number },
  now: number,
): Pick<MessageMeta, "sortTs" | "sortMs" | "late"> {
  const sortTs = sortTsFor(m.createdTs, now);
  const sortMs = sortMsFor(m.createdMs ?? m.createdTs * 1000, now);
  let late = false;
  if (m.channelId !== CONTROL_CHANNEL && now - m.createdTs > LATE_AFTER_S) {
    const joinedAt = store.getCircle(m.circleId)?.joinedAt;
    // history from before this node joined is never late: no read for it (a join stores much of it)
    const newest =
      joinedAt !== undefined && m.createdTs >= joinedAt
        ? store.channelMessages(m.circleId, m.channelId, { limit: 1 })[0]
        : undefined;
    late = !!newest && newest.sortMs > sortMs;
  }
  return { sortTs, sortMs, late };
}

/** Every circle has #general. */
export function ensureGeneral(store: SyncStore, circleId: string, now: number): void {
  if (!store.getChannel(circleId, "general"))
    store.createChannel({
      circleId,
      channelId: "general",
      createdBy: "",
      createdTs: now,
      accessMode: "public",
      keyHash: "",
    });
}

/**
 * What a chat message (not a control event) tells a peer, on the v1 and the v2 path alike: its
 * author's current name, and a channel that exists (a message in an unknown channel creates it,
 * public, as the original does).
 */
export function noteChat(
  store: SyncStore,
  m: Pick<ChatMessage, "circleId" | "channelId" | "authorNodeId" | "displayName" | "createdTs">,
  now: number,
): void {
  const name = m.displayName.trim().slice(0, DISPLAY_NAME_MAX);
  if (name) store.setDisplayName(m.authorNodeId, name, now);
  if (m.channelId !== DEFAULT_CHANNEL && !store.getChannel(m.circleId, m.channelId))
    store.createChannel({
      circleId: m.circleId,
      channelId: m.channelId,
      createdBy: m.authorNodeId,
      createdTs: m.createdTs,
      accessMode: "public",
      keyHash: "",
    });
}
