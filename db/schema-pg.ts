// The relay's tables on PostgreSQL (`felund relay --db postgres://…`): the relay part of
// schema.ts in the Postgres dialect, plus relay_hints, the per-circle counter that makes the
// cursor commit-order safe across processes. Migrations in drizzle/pg/ are generated from it
// (db/drizzle-pg.config.ts). Times are Unix seconds as in SQLite.
import {
  bigint,
  bigserial,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from "drizzle-orm/pg-core";

const seconds = (name: string) => bigint(name, { mode: "number" });

export const relayPresence = pgTable(
  "relay_presence",
  {
    circleHint: text("circle_hint").notNull(),
    nodeId: text("node_id").notNull(),
    endpoints: text("endpoints").notNull().default("[]"),
    capabilities: text("capabilities").notNull().default("{}"),
    observedAt: seconds("observed_at").notNull(),
    expiresAt: seconds("expires_at").notNull(),
    signingKey: text("signing_key").notNull().default(""),
  },
  (t) => [primaryKey({ columns: [t.circleHint, t.nodeId] }), index("relay_presence_expires").on(t.expiresAt)],
);

export const relayNonces = pgTable(
  "relay_nonces",
  {
    nonce: text("nonce").primaryKey(),
    ts: seconds("ts").notNull(),
  },
  (t) => [index("relay_nonces_ts").on(t.ts)],
);

/**
 * One row per circle hint: the last seq given to its envelopes and the bytes it holds. A
 * writer takes this row's lock (UPDATE … RETURNING) before it numbers its rows and holds it
 * until commit, so within a hint seqs become visible in order: a reader never sees seq n+1
 * while n can still commit (what a bigserial cannot promise under concurrency).
 */
export const relayHints = pgTable("relay_hints", {
  circleHint: text("circle_hint").primaryKey(),
  lastSeq: bigint("last_seq", { mode: "number" }).notNull().default(0),
  bytes: bigint("bytes", { mode: "number" }).notNull().default(0),
  /** stored_at of its newest envelope: stored_at never decreases along seq within a hint */
  lastStoredAt: seconds("last_stored_at").notNull().default(0),
});

/** Envelopes: `seq` counts per circle hint (relay_hints), msg_id unique per hint (first copy wins). */
export const relayMessages = pgTable(
  "relay_messages",
  {
    circleHint: text("circle_hint").notNull(),
    seq: bigint("seq", { mode: "number" }).notNull(),
    msgId: text("msg_id").notNull(),
    payload: text("payload").notNull(),
    createdTs: seconds("created_ts").notNull(),
    storedAt: seconds("stored_at").notNull(),
    expiresAt: seconds("expires_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.circleHint, t.seq] }),
    uniqueIndex("relay_messages_hint_msg").on(t.circleHint, t.msgId),
    index("relay_messages_hint_stored").on(t.circleHint, t.storedAt),
    index("relay_messages_expires").on(t.expiresAt),
    // eviction under the total quota reads the relay's oldest envelopes across hints
    index("relay_messages_stored").on(t.storedAt),
  ],
);

/** Signals; ids of one recipient commit in order (an advisory lock per to_node in the insert). */
export const relaySignals = pgTable(
  "relay_signals",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    sessionId: text("session_id").notNull(),
    fromNode: text("from_node").notNull(),
    toNode: text("to_node").notNull(),
    circleHint: text("circle_hint").notNull(),
    type: text("type").notNull(),
    payload: text("payload").notNull(),
    createdAt: seconds("created_at").notNull(),
    expiresAt: seconds("expires_at").notNull(),
  },
  (t) => [index("relay_signals_to").on(t.toNode, t.id), index("relay_signals_expires").on(t.expiresAt)],
);

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => "bytea" });

/** Attachment chunks (docs/PROTOCOL.md §20), as relay_blobs in schema.ts. */
export const relayBlobs = pgTable(
  "relay_blobs",
  {
    circleHint: text("circle_hint").notNull(),
    chunkId: text("chunk_id").notNull(),
    data: bytea("data").notNull(),
    size: integer("size").notNull(),
    storedAt: seconds("stored_at").notNull(),
    expiresAt: seconds("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.circleHint, t.chunkId] }), index("relay_blobs_expires").on(t.expiresAt)],
);
