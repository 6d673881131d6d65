// The whole SQLite schema of felund: node state (identity, circles, peers, messages,
// channels) and the relay's tables. Migrations in drizzle/ are generated from this file.
import { sqliteTable, text, integer, blob, primaryKey, index, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Key/value settings of this node: node_id, bind, port, display_name, relay_base, ... */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

export const circles = sqliteTable("circles", {
  circleId: text("circle_id").primaryKey(),
  secretHex: text("secret_hex").notNull(),
  name: text("name").notNull().default(""),
  owned: integer("owned", { mode: "boolean" }).notNull().default(false),
  /** the TCP bootstrap peer from the invite code ("" when none) */
  bootstrap: text("bootstrap").notNull().default(""),
  /** protocol mode of the circle: "v1" (legacy compatible) or "v2" (added by the v2 issue) */
  mode: text("mode").notNull().default("v1"),
  keyEpoch: integer("key_epoch").notNull().default(0),
  joinedAt: integer("joined_at").notNull(),
  /** v2: the circle owner's Ed25519 public key (hex), from the invite; null when unknown (joined by an original's code) */
  ownerKey: text("owner_key"),
});

/**
 * Peers, per circle. Gossiped records never overwrite what this node learned by talking to
 * a peer itself (PROTOCOL-V1.md W3): `lastOk` is only set by our own successful exchanges.
 */
export const peers = sqliteTable(
  "peers",
  {
    circleId: text("circle_id").notNull(),
    nodeId: text("node_id").notNull(),
    addr: text("addr").notNull().default(""),
    /** last_seen as claimed by gossip, clamped to our clock */
    lastSeen: integer("last_seen").notNull().default(0),
    /** last time we completed an exchange with this peer (0 = never) */
    lastOk: integer("last_ok").notNull().default(0),
    /** consecutive failed dials */
    failures: integer("failures").notNull().default(0),
    /** where we learned it: gossip | direct | invite | relay | cli */
    source: text("source").notNull().default("gossip"),
    /** highest protocol this peer has spoken to us ("v1", "ext", later "v2") */
    proto: text("proto").notNull().default(""),
  },
  (t) => [primaryKey({ columns: [t.circleId, t.nodeId] })],
);

/**
 * One row per message, whichever path brought it (TCP v1, relay envelope, local send, v2).
 * `createdTs` is the author's claim (covered by the MAC); `sortTs` is that value clamped to
 * our clock + skew so future-dated messages cannot win ordering or pruning (PROTOCOL-V1.md W14).
 */
export const messages = sqliteTable(
  "messages",
  {
    /** local insertion order; a monotonic cursor for front ends */
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    msgId: text("msg_id").notNull(),
    circleId: text("circle_id").notNull(),
    channelId: text("channel_id").notNull(),
    authorNodeId: text("author_node_id").notNull(),
    displayName: text("display_name").notNull().default(""),
    createdTs: integer("created_ts").notNull(),
    sortTs: integer("sort_ts").notNull(),
    /** display order (sort_ms, then seq): created_ms of a version-2 message, else created_ts * 1000, clamped as sort_ts */
    sortMs: integer("sort_ms").notNull().default(0),
    /** 1: stored well after a later message of its channel ("arrived later"), decided once on arrival */
    late: integer("late").notNull().default(0),
    /** version-2 signed messages: the author's millisecond time and per-author sequence number */
    createdMs: integer("created_ms"),
    authorSeq: integer("author_seq"),
    text: text("text").notNull(),
    /** v1 HMAC (64 hex); null when unknown */
    mac: text("mac"),
    /** v2 (reserved): author Ed25519 public key (hex), signature (hex), circle key epoch */
    authorKey: text("author_key"),
    signature: text("signature"),
    keyEpoch: integer("key_epoch"),
    /** v2: message kind (0 text, 1 sealed channel text, 2 control) and the signed wire form (base64) */
    v2Kind: integer("v2_kind"),
    v2Wire: text("v2_wire"),
    /** a newer original's schema-2 v1 object exactly as received (JSON, with its `enc`); null otherwise */
    v1Wire: text("v1_wire"),
    /** kinds 3-6 (reply, reaction, edit, delete; docs/PROTOCOL.md §18): the msg_id they refer to */
    targetId: text("target_id"),
    /** 1: deleted by its author or the circle owner; text, MAC and wires are erased, the row stays as a tombstone */
    deleted: integer("deleted").notNull().default(0),
    /** how it first arrived: local | tcp | v2 | relay (browser) | relay:<base> (a node's relay) */
    origin: text("origin").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [
    uniqueIndex("messages_msg_id").on(t.msgId),
    index("messages_circle_display").on(t.circleId, t.sortMs, t.seq),
    index("messages_channel_display").on(t.circleId, t.channelId, t.sortMs, t.seq),
    index("messages_author_seq").on(t.circleId, t.authorNodeId, t.authorSeq),
    // an author's newest created_ms by index, not by scanning its messages (compose at every send)
    index("messages_author_ms").on(t.circleId, t.authorNodeId, t.createdMs),
    index("messages_target").on(t.targetId),
    // a join's history served newest first in reconciliation order, a bounded page at a time (issue 17)
    index("messages_circle_created").on(t.circleId, t.createdTs, t.msgId),
  ],
);

/*
 * messages_fts: the full-text index of message texts (FTS5, contentless), with its triggers on
 * `messages`. Drizzle cannot express a virtual table, so it lives in the custom migration
 * drizzle/0009_search.sql only; read by db/search.ts.
 */

/** Delivery state of this node's own messages (issue 14): who is known to hold each (a member's node id, or "relay"). */
export const messageHolders = sqliteTable(
  "message_holders",
  {
    msgId: text("msg_id").notNull(),
    holder: text("holder").notNull(),
    circleId: text("circle_id").notNull(),
    heldAt: integer("held_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.msgId, t.holder] }), index("message_holders_circle").on(t.circleId)],
);

export const channels = sqliteTable(
  "channels",
  {
    circleId: text("circle_id").notNull(),
    channelId: text("channel_id").notNull(),
    createdBy: text("created_by").notNull().default(""),
    createdTs: integer("created_ts").notNull().default(0),
    accessMode: text("access_mode").notNull().default("public"),
    keyHash: text("key_hash").notNull().default(""),
  },
  (t) => [primaryKey({ columns: [t.circleId, t.channelId] })],
);

/** channel membership; state = member | requested */
export const channelMembers = sqliteTable(
  "channel_members",
  {
    circleId: text("circle_id").notNull(),
    channelId: text("channel_id").notNull(),
    nodeId: text("node_id").notNull(),
    state: text("state").notNull(),
  },
  (t) => [primaryKey({ columns: [t.circleId, t.channelId, t.nodeId] })],
);

/** latest known display name of each author (PROTOCOL-V1.md §1.3) */
export const displayNames = sqliteTable("display_names", {
  nodeId: text("node_id").primaryKey(),
  name: text("name").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const anchorRecords = sqliteTable(
  "anchor_records",
  {
    circleId: text("circle_id").notNull(),
    nodeId: text("node_id").notNull(),
    capabilities: text("capabilities").notNull(),
    announcedAt: integer("announced_at").notNull(),
    lastSeenTs: integer("last_seen_ts").notNull(),
  },
  (t) => [primaryKey({ columns: [t.circleId, t.nodeId] })],
);

// ---- felund v2 (docs/PROTOCOL.md) ----

/** Circle keys per epoch (epoch 0 derives from the secret and is not stored; later ones come from REKEY). */
export const v2EpochKeys = sqliteTable(
  "v2_epoch_keys",
  {
    circleId: text("circle_id").notNull(),
    epoch: integer("epoch").notNull(),
    keyHex: text("key_hex").notNull(),
    addedAt: integer("added_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.circleId, t.epoch] })],
);

/** The newest signed member card of each member: its Ed25519 and X25519 keys. */
export const v2MemberCards = sqliteTable(
  "v2_member_cards",
  {
    circleId: text("circle_id").notNull(),
    nodeId: text("node_id").notNull(),
    edKey: text("ed_key").notNull(),
    xKey: text("x_key").notNull(),
    displayName: text("display_name").notNull().default(""),
    issuedTs: integer("issued_ts").notNull(),
    msgId: text("msg_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.circleId, t.nodeId] })],
);

/** Members removed by a REKEY: their messages dated at or after removed_ts are refused. */
export const v2Removed = sqliteTable(
  "v2_removed",
  {
    circleId: text("circle_id").notNull(),
    nodeId: text("node_id").notNull(),
    epoch: integer("epoch").notNull(),
    removedTs: integer("removed_ts").notNull(),
  },
  (t) => [primaryKey({ columns: [t.circleId, t.nodeId] })],
);

/** Channels established by a signed CHANNEL_CREATE; the signer owns the channel (approvals). */
export const v2Channels = sqliteTable(
  "v2_channels",
  {
    circleId: text("circle_id").notNull(),
    channelId: text("channel_id").notNull(),
    ownerKey: text("owner_key").notNull(),
    mode: text("mode").notNull(),
    scryptLogN: integer("scrypt_log_n").notNull().default(0),
    keyCheck: text("key_check").notNull().default(""),
    createdTs: integer("created_ts").notNull(),
    msgId: text("msg_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.circleId, t.channelId] })],
);

/** Channel keys this node holds (key mode: from the passphrase; invite mode: from an approval). */
export const v2ChannelKeys = sqliteTable(
  "v2_channel_keys",
  {
    circleId: text("circle_id").notNull(),
    channelId: text("channel_id").notNull(),
    keyVersion: integer("key_version").notNull(),
    keyHex: text("key_hex").notNull(),
  },
  (t) => [primaryKey({ columns: [t.circleId, t.channelId, t.keyVersion] })],
);

/** felund2 invites this node issued: the ticket, the limits, and the uses counted so far. */
export const v2Invites = sqliteTable("v2_invites", {
  inviteId: text("invite_id").primaryKey(),
  circleId: text("circle_id").notNull(),
  ticketHex: text("ticket_hex").notNull(),
  expiresTs: integer("expires_ts").notNull(),
  maxUses: integer("max_uses").notNull().default(0),
  uses: integer("uses").notNull().default(0),
  createdTs: integer("created_ts").notNull(),
  /** when the owner revoked it (by hand, or every invite of the circle at a kick); null = not revoked */
  revokedTs: integer("revoked_ts"),
});

/** Who was admitted with which invite (a re-join of the same node uses no second use). */
export const v2InviteAdmissions = sqliteTable(
  "v2_invite_admissions",
  {
    inviteId: text("invite_id").notNull(),
    nodeId: text("node_id").notNull(),
    admittedAt: integer("admitted_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.inviteId, t.nodeId] })],
);

// ---- relay (rendezvous + store-and-forward) ----

export const relayPresence = sqliteTable(
  "relay_presence",
  {
    circleHint: text("circle_hint").notNull(),
    nodeId: text("node_id").notNull(),
    endpoints: text("endpoints").notNull().default("[]"),
    capabilities: text("capabilities").notNull().default("{}"),
    observedAt: integer("observed_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    /** the signing key this registration named (64 lowercase hex; "" for none): until it expires, the node's requests for the hint must be signed with it (PROTOCOL-V1.md §6.5) */
    signingKey: text("signing_key").notNull().default(""),
  },
  (t) => [primaryKey({ columns: [t.circleHint, t.nodeId] }), index("relay_presence_expires").on(t.expiresAt)],
);

/** Nonces of the signed requests the relay accepted, with the client's timestamp; kept while a replay could still be in the time window. */
export const relayNonces = sqliteTable(
  "relay_nonces",
  {
    nonce: text("nonce").primaryKey(),
    ts: integer("ts").notNull(),
  },
  (t) => [index("relay_nonces_ts").on(t.ts)],
);

/**
 * Relay messages. `seq` is a monotonic cursor (fixes PROTOCOL-V1.md W8); msg_id is unique per
 * circle hint, and the first copy wins (W10). The relay keeps `stored_at` non-decreasing in
 * `seq` within a hint, so paging by `since` (original clients) and by `seq` agree; the
 * (circle_hint, stored_at) index serves those `since` pages and the WebSocket backlog.
 */
export const relayMessages = sqliteTable(
  "relay_messages",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    circleHint: text("circle_hint").notNull(),
    msgId: text("msg_id").notNull(),
    payload: text("payload").notNull(),
    createdTs: integer("created_ts").notNull(),
    storedAt: integer("stored_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [
    uniqueIndex("relay_messages_hint_msg").on(t.circleHint, t.msgId),
    index("relay_messages_hint_seq").on(t.circleHint, t.seq),
    index("relay_messages_hint_stored").on(t.circleHint, t.storedAt),
    index("relay_messages_expires").on(t.expiresAt),
  ],
);

export const relaySignals = sqliteTable(
  "relay_signals",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    sessionId: text("session_id").notNull(),
    fromNode: text("from_node").notNull(),
    toNode: text("to_node").notNull(),
    circleHint: text("circle_hint").notNull(),
    type: text("type").notNull(),
    payload: text("payload").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("relay_signals_to").on(t.toNode, t.id), index("relay_signals_expires").on(t.expiresAt)],
);

/**
 * Attachments (issue 16, docs/PROTOCOL.md §20). `attachment_chunks`: the chunk ids each kind-7
 * message of a circle lists (only those chunks are served, and only to the circle's members);
 * `blobs`: the sealed chunks this node holds (fetched on demand, or its own uploads).
 */
export const attachmentChunks = sqliteTable(
  "attachment_chunks",
  {
    circleId: text("circle_id").notNull(),
    chunkId: text("chunk_id").notNull(),
    msgId: text("msg_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.circleId, t.chunkId, t.msgId] }), index("attachment_chunks_msg").on(t.msgId)],
);

export const blobs = sqliteTable(
  "blobs",
  {
    circleId: text("circle_id").notNull(),
    chunkId: text("chunk_id").notNull(),
    data: blob("data", { mode: "buffer" }).notNull(),
    storedAt: integer("stored_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.circleId, t.chunkId] })],
);

/**
 * The relay's sealed attachment chunks, per circle hint (PUT/GET /v1/blobs): opaque bytes,
 * size-limited per chunk and per hint, expired like envelopes.
 */
export const relayBlobs = sqliteTable(
  "relay_blobs",
  {
    circleHint: text("circle_hint").notNull(),
    chunkId: text("chunk_id").notNull(),
    data: blob("data", { mode: "buffer" }).notNull(),
    size: integer("size").notNull(),
    storedAt: integer("stored_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.circleHint, t.chunkId] }), index("relay_blobs_expires").on(t.expiresAt)],
);
