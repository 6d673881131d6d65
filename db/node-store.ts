// SyncStore over SQLite: node state (circles, peers, messages, channels, names). Hot paths
// use prepared bun:sqlite statements; the schema itself lives in db/schema.ts.
import type { Database, Statement } from "bun:sqlite";
import type { Db } from "./client.ts";
import { addHolders, holdersOf } from "./holders.ts";
import { ChatCounts } from "./chat-counts.ts";
import { ReconIndex } from "./recon-index.ts";
import type { ItemSet } from "../src/protocol/v2/recon-set.ts";
import { bulkFts, fillPage } from "./fill-page.ts";
import { searchMessages } from "./search.ts";
import type { SearchQuery } from "../src/sync/search.ts";
import { CONTROL_CHANNEL, type ChatMessage } from "../src/protocol/message.ts";
import type {
  ChannelRow,
  CircleRow,
  HistoryPolicy,
  FillQuery,
  FillRow,
  InviteRow,
  MemberCardRow,
  MessageMeta,
  OrderKey,
  PeerRow,
  StoredMessage,
  SyncStoreV2,
  V2ChannelRow,
  V2Item,
  V2MessageCols,
} from "../src/sync/store.ts";

export const MSG_COLS = `seq, msg_id AS msgId, circle_id AS circleId, channel_id AS channelId, author_node_id AS authorNodeId,
  display_name AS displayName, created_ts AS createdTs, sort_ts AS sortTs, sort_ms AS sortMs, late, created_ms AS createdMs,
  author_seq AS authorSeq, text, mac, origin, received_at AS receivedAt, signature IS NOT NULL AS signed, v2_kind AS kind,
  target_id AS targetId, deleted`;
/** rows that show as messages: not a reaction, edit or delete (kinds 4-6 annotate another row) */
const SHOWN = `(v2_kind IS NULL OR v2_kind NOT IN (4, 5, 6))`;
const PEER_COLS = `circle_id AS circleId, node_id AS nodeId, addr, last_seen AS lastSeen, last_ok AS lastOk, failures, source, proto`;
const CARD_COLS = `circle_id AS circleId, node_id AS nodeId, ed_key AS edKey, x_key AS xKey, display_name AS displayName, issued_ts AS issuedTs, msg_id AS msgId`;
const INVITE_COLS = `invite_id AS inviteId, circle_id AS circleId, ticket_hex AS ticketHex, expires_ts AS expiresTs,
  max_uses AS maxUses, uses, created_ts AS createdTs, revoked_ts AS revokedTs`;
const CIRCLE_COLS = `circle_id AS circleId, secret_hex AS secretHex, name, owned, bootstrap, mode, key_epoch AS keyEpoch, joined_at AS joinedAt`;

export class NodeStore implements SyncStoreV2 {
  readonly sql: Database;
  private s: Record<string, Statement>;
  /** reconciliation items per circle, kept as rows change (recon-index.ts) */
  readonly recon: ReconIndex;
  /** chat messages per circle, kept as rows come and go (chat-counts.ts) */
  private chats: ChatCounts;

  /** over a Drizzle database (tests, relay) or the bare connection (a node: no ORM loaded) */
  constructor(db: Db | Database) {
    this.sql = "$client" in db ? db.$client : db;
    this.recon = new ReconIndex(this.sql);
    this.chats = new ChatCounts(this.sql);
    const q = (text: string) => this.sql.query(text);
    this.s = {
      hasMsg: q(`SELECT 1 FROM messages WHERE msg_id = ?`),
      insertMsg:
        q(`INSERT INTO messages (msg_id, circle_id, channel_id, author_node_id, display_name, created_ts, sort_ts, sort_ms, late,
        text, mac, origin, received_at)
        VALUES ($msgId, $circleId, $channelId, $authorNodeId, $displayName, $createdTs, $sortTs, $sortMs, $late, $text, $mac,
        $origin, $receivedAt)
        ON CONFLICT(msg_id) DO NOTHING RETURNING ${MSG_COLS}`),
      setMac: q(`UPDATE messages SET mac = ? WHERE msg_id = ? AND mac IS NULL`),
      setV1Wire: q(`UPDATE messages SET v1_wire = ? WHERE msg_id = ? AND v1_wire IS NULL`),
      getV1Wire: q(`SELECT v1_wire FROM messages WHERE msg_id = ?`),
      getCircle: q(`SELECT ${CIRCLE_COLS} FROM circles WHERE circle_id = ?`),
      listCircles: q(`SELECT ${CIRCLE_COLS} FROM circles ORDER BY joined_at, circle_id`),
      setCircleName: q(`UPDATE circles SET name = ? WHERE circle_id = ?`),
      listPeers: q(`SELECT ${PEER_COLS} FROM peers WHERE circle_id = ? ORDER BY last_ok DESC, last_seen DESC, node_id`),
      getPeer: q(`SELECT ${PEER_COLS} FROM peers WHERE circle_id = ? AND node_id = ?`),
      putPeer: q(`INSERT INTO peers (circle_id, node_id, addr, last_seen, last_ok, failures, source, proto)
        VALUES ($circleId, $nodeId, $addr, $lastSeen, $lastOk, $failures, $source, $proto)
        ON CONFLICT(circle_id, node_id) DO UPDATE SET addr = excluded.addr, last_seen = excluded.last_seen,
        last_ok = excluded.last_ok, failures = excluded.failures, source = excluded.source, proto = excluded.proto`),
      deletePeer: q(`DELETE FROM peers WHERE circle_id = ? AND node_id = ?`),
      getChannel:
        q(`SELECT circle_id AS circleId, channel_id AS channelId, created_by AS createdBy, created_ts AS createdTs,
        access_mode AS accessMode, key_hash AS keyHash FROM channels WHERE circle_id = ? AND channel_id = ?`),
      listChannels:
        q(`SELECT circle_id AS circleId, channel_id AS channelId, created_by AS createdBy, created_ts AS createdTs,
        access_mode AS accessMode, key_hash AS keyHash FROM channels WHERE circle_id = ? ORDER BY channel_id = 'general' DESC, channel_id`),
      createChannel: q(`INSERT INTO channels (circle_id, channel_id, created_by, created_ts, access_mode, key_hash)
        VALUES ($circleId, $channelId, $createdBy, $createdTs, $accessMode, $keyHash) ON CONFLICT DO NOTHING`),
      setMember: q(`INSERT INTO channel_members (circle_id, channel_id, node_id, state) VALUES (?, ?, ?, ?)
        ON CONFLICT DO UPDATE SET state = excluded.state`),
      delMember: q(`DELETE FROM channel_members WHERE circle_id = ? AND channel_id = ? AND node_id = ?`),
      members: q(
        `SELECT node_id AS nodeId, state FROM channel_members WHERE circle_id = ? AND channel_id = ? ORDER BY node_id`,
      ),
      setName: q(`INSERT INTO display_names (node_id, name, updated_at) VALUES (?, ?, ?)
        ON CONFLICT DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at`),
      getName: q(`SELECT name FROM display_names WHERE node_id = ?`),
      upsertAnchor:
        q(`INSERT INTO anchor_records (circle_id, node_id, capabilities, announced_at, last_seen_ts) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT DO UPDATE SET last_seen_ts = excluded.last_seen_ts,
          capabilities = CASE WHEN excluded.announced_at > announced_at THEN excluded.capabilities ELSE capabilities END,
          announced_at = MAX(announced_at, excluded.announced_at)`),
    };
  }

  transaction<T>(fn: () => T): T {
    if (this.sql.inTransaction) return fn();
    // IMMEDIATE: take the write lock at BEGIN, where the busy timeout waits for another
    // process. A deferred transaction that reads first and then writes fails at once with
    // SQLITE_BUSY when another process wrote in between (WAL cannot upgrade a stale snapshot).
    let out: T;
    try {
      out = this.sql.transaction(fn).immediate();
    } catch (e) {
      // rolled back: the sets and counts may hold rows that are not there
      this.recon.drop();
      this.chats.drop();
      throw e;
    }
    this.scrubWal();
    return out;
  }

  /** an erase committed: the WAL still holds the pages as they were before it */
  private walDirty = false;
  refsTo(circleId: string, targetIds: string[]): StoredMessage[] {
    const out: StoredMessage[] = [];
    const st = this.sql.query(`SELECT ${MSG_COLS} FROM messages WHERE target_id = ? AND circle_id = ?
      AND v2_kind IN (4, 5, 6) AND deleted = 0 ORDER BY seq`);
    for (const id of new Set(targetIds)) out.push(...(st.all(id, circleId) as StoredMessage[]));
    return out;
  }
  eraseMessage(msgId: string): void {
    // secure_delete (set when the database opens): the freed bytes of the old rows are zeroed in the
    // pages; the FTS index drops its entries (the update trigger) and is merged so no segment keeps
    // the words; after the commit the WAL, which holds the old pages, is checkpointed and truncated
    const row = this.sql.query(`SELECT circle_id FROM messages WHERE msg_id = ?`).get(msgId) as {
      circle_id: string;
    } | null;
    this.sql
      .query(`UPDATE messages SET text = '', mac = NULL, v2_wire = NULL, v1_wire = NULL, signature = NULL, deleted = 1
        WHERE msg_id = ? OR (target_id = ? AND v2_kind IN (4, 5))`)
      .run(msgId, msgId);
    // the tombstone has no signed wire: it leaves the circle's reconciliation set (rebuilt on use)
    if (row) this.recon.drop(row.circle_id);
    this.sql.exec(`INSERT INTO messages_fts (messages_fts) VALUES ('optimize')`);
    this.walDirty = true;
    this.scrubWal();
  }
  private scrubWal(): void {
    if (!this.walDirty || this.sql.inTransaction) return;
    this.walDirty = false;
    this.sql.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  getCircle(circleId: string): CircleRow | undefined {
    const r = this.s.getCircle!.get(circleId) as CircleRow | null;
    return r ? { ...r, owned: !!r.owned } : undefined;
  }
  listCircles(): CircleRow[] {
    return (this.s.listCircles!.all() as CircleRow[]).map((r) => ({ ...r, owned: !!r.owned }));
  }
  setCircleName(circleId: string, name: string): void {
    this.s.setCircleName!.run(name, circleId);
  }
  addCircle(c: CircleRow): boolean {
    const r = this.sql
      .query(`INSERT INTO circles (circle_id, secret_hex, name, owned, bootstrap, mode, key_epoch, joined_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
      .run(c.circleId, c.secretHex, c.name, c.owned ? 1 : 0, c.bootstrap, c.mode, c.keyEpoch, c.joinedAt);
    return r.changes > 0;
  }
  updateCircleBootstrap(circleId: string, bootstrap: string): void {
    this.sql.query(`UPDATE circles SET bootstrap = ? WHERE circle_id = ?`).run(bootstrap, circleId);
  }
  removeCircle(circleId: string): void {
    this.transaction(() => {
      this.sql
        .query(
          `DELETE FROM v2_invite_admissions WHERE invite_id IN (SELECT invite_id FROM v2_invites WHERE circle_id = ?)`,
        )
        .run(circleId);
      for (const t of [
        "messages",
        "peers",
        "channels",
        "channel_members",
        "anchor_records",
        "circles",
        "v2_epoch_keys",
        "v2_member_cards",
        "v2_removed",
        "v2_channels",
        "v2_channel_keys",
        "v2_invites",
        "message_holders",
      ])
        this.sql.query(`DELETE FROM ${t} WHERE circle_id = ?`).run(circleId);
    });
    this.recon.drop(circleId);
    this.chats.drop(circleId);
  }

  hasMessage(msgId: string): boolean {
    return this.s.hasMsg!.get(msgId) != null;
  }
  missingIds(ids: string[]): string[] {
    return ids.filter((id) => this.s.hasMsg!.get(id) == null);
  }
  offerIds(circleId: string, opts: { minCreatedTs?: number; limit?: number }): string[] {
    const rows = this.sql
      .query(`SELECT msg_id FROM messages WHERE circle_id = ? AND created_ts >= ? AND mac IS NOT NULL
        ORDER BY created_ts DESC, msg_id DESC LIMIT ?`)
      .values(circleId, opts.minCreatedTs ?? 0, opts.limit ?? -1) as string[][];
    return rows.map((r) => r[0]!);
  }
  getMessages(circleId: string, ids: string[]): StoredMessage[] {
    const out: StoredMessage[] = [];
    const st = this.sql.query(`SELECT ${MSG_COLS} FROM messages WHERE msg_id = ? AND circle_id = ?`);
    for (const id of ids) {
      const r = st.get(id, circleId) as StoredMessage | null;
      if (r) out.push(r);
    }
    return out;
  }
  insertMessage(m: ChatMessage, meta: MessageMeta): StoredMessage | null {
    const r = this.s.insertMsg!.get({
      ...m,
      mac: m.mac ?? null,
      ...meta,
      late: meta.late ? 1 : 0,
    }) as StoredMessage | null;
    if (r) {
      this.recon.insertedV1(r.circleId, r.createdTs, r.msgId, r.mac ?? null);
      this.chats.inserted(r.circleId, r.channelId);
    }
    return r ?? null;
  }
  setMac(msgId: string, mac: string): void {
    const before = this.recon.facts(msgId);
    if (this.s.setMac!.run(mac, msgId).changes > 0) this.recon.macSet(before, msgId);
  }
  setV1Wire(msgId: string, json: string): void {
    this.s.setV1Wire!.run(json, msgId);
  }
  getV1Wire(msgId: string): string | undefined {
    return (this.s.getV1Wire!.values(msgId)[0]?.[0] as string | null | undefined) ?? undefined;
  }

  channelMessages(circleId: string, channelId: string, opts: { limit: number; before?: OrderKey }): StoredMessage[] {
    const rows = (
      opts.before === undefined
        ? this.sql
            .query(
              `SELECT ${MSG_COLS} FROM messages WHERE circle_id = ? AND channel_id = ? AND ${SHOWN}
              ORDER BY sort_ms DESC, seq DESC LIMIT ?`,
            )
            .all(circleId, channelId, opts.limit)
        : this.sql
            .query(`SELECT ${MSG_COLS} FROM messages WHERE circle_id = ? AND channel_id = ? AND (sort_ms, seq) < (?, ?)
          AND ${SHOWN} ORDER BY sort_ms DESC, seq DESC LIMIT ?`)
            .all(circleId, channelId, opts.before.sortMs, opts.before.seq, opts.limit)
    ) as StoredMessage[];
    return rows.reverse();
  }
  searchMessages(
    circleId: string,
    q: SearchQuery,
    opts: { channelId?: string; limit: number; before?: OrderKey },
  ): StoredMessage[] {
    return searchMessages(this.sql, MSG_COLS, circleId, q, opts);
  }
  messagesAfterSeq(seq: number, limit: number): StoredMessage[] {
    return this.sql
      .query(`SELECT ${MSG_COLS} FROM messages WHERE seq > ? ORDER BY seq LIMIT ?`)
      .all(seq, limit) as StoredMessage[];
  }
  /** Messages of one circle with seq > after that did not come from a relay, oldest first (relay push cursor). */
  circleMessagesAfterSeq(circleId: string, after: number, limit: number): StoredMessage[] {
    return this.sql
      .query(
        `SELECT ${MSG_COLS} FROM messages WHERE circle_id = ? AND seq > ? AND origin != 'relay' ORDER BY seq LIMIT ?`,
      )
      .all(circleId, after, limit) as StoredMessage[];
  }
  countMessages(circleId?: string): number {
    const r = (
      circleId
        ? this.sql.query(`SELECT COUNT(*) AS n FROM messages WHERE circle_id = ?`).get(circleId)
        : this.sql.query(`SELECT COUNT(*) AS n FROM messages`).get()
    ) as { n: number };
    return r.n;
  }
  /** Chat messages of a circle: what users call messages (control events left out). */
  countChatMessages(circleId: string): number {
    return this.chats.get(circleId);
  }
  circleAuthors(circleId: string): { nodeId: string; lastTs: number }[] {
    return this.sql
      .query(
        `SELECT author_node_id AS nodeId, MAX(created_ts) AS lastTs FROM messages WHERE circle_id = ? GROUP BY author_node_id ORDER BY author_node_id`,
      )
      .all(circleId) as { nodeId: string; lastTs: number }[];
  }
  getMessage(msgId: string): StoredMessage | undefined {
    return (
      (this.sql.query(`SELECT ${MSG_COLS} FROM messages WHERE msg_id = ?`).get(msgId) as StoredMessage | null) ??
      undefined
    );
  }
  /** Delete messages whose sort_ts is older than `cutoff` (retention setting); returns how many. */
  pruneOlderThan(cutoff: number): number {
    const n = this.sql
      .query(`DELETE FROM messages WHERE sort_ts < ? AND channel_id != '__control'`)
      .run(cutoff).changes;
    if (n) this.sql.run(`DELETE FROM message_holders WHERE msg_id NOT IN (SELECT msg_id FROM messages)`);
    if (n) {
      this.recon.drop();
      this.chats.drop();
    }
    return n;
  }
  /** Messages of a circle without a v1 MAC (e.g. from a relay before we computed one). */
  messagesWithoutMac(circleId: string): StoredMessage[] {
    return this.sql
      .query(`SELECT ${MSG_COLS} FROM messages WHERE circle_id = ? AND mac IS NULL`)
      .all(circleId) as StoredMessage[];
  }
  /** The newest `limit` messages of a circle (any channel), oldest first. */
  recentMessages(circleId: string, limit: number): StoredMessage[] {
    return (
      this.sql
        .query(`SELECT ${MSG_COLS} FROM messages WHERE circle_id = ? ORDER BY sort_ms DESC, seq DESC LIMIT ?`)
        .all(circleId, limit) as StoredMessage[]
    ).reverse();
  }

  listPeers(circleId: string): PeerRow[] {
    return this.s.listPeers!.all(circleId) as PeerRow[];
  }
  getPeer(circleId: string, nodeId: string): PeerRow | undefined {
    return (this.s.getPeer!.get(circleId, nodeId) as PeerRow | null) ?? undefined;
  }
  putPeer(p: PeerRow): void {
    this.s.putPeer!.run({ ...p });
  }
  deletePeer(circleId: string, nodeId: string): void {
    this.s.deletePeer!.run(circleId, nodeId);
  }

  getChannel(circleId: string, channelId: string): ChannelRow | undefined {
    return (this.s.getChannel!.get(circleId, channelId) as ChannelRow | null) ?? undefined;
  }
  listChannels(circleId: string): ChannelRow[] {
    return this.s.listChannels!.all(circleId) as ChannelRow[];
  }
  createChannel(c: ChannelRow): boolean {
    return this.s.createChannel!.run({ ...c }).changes > 0;
  }
  setChannelMember(circleId: string, channelId: string, nodeId: string, state: "member" | "requested" | null): void {
    if (state === null) this.s.delMember!.run(circleId, channelId, nodeId);
    else this.s.setMember!.run(circleId, channelId, nodeId, state);
  }
  channelMembers(circleId: string, channelId: string): { nodeId: string; state: string }[] {
    return this.s.members!.all(circleId, channelId) as { nodeId: string; state: string }[];
  }

  setDisplayName(nodeId: string, name: string, now: number): void {
    this.s.setName!.run(nodeId, name, now);
  }
  getDisplayName(nodeId: string): string | undefined {
    return (this.s.getName!.get(nodeId) as { name: string } | null)?.name;
  }

  upsertAnchor(circleId: string, nodeId: string, caps: string, announcedAt: number, now: number): void {
    this.s.upsertAnchor!.run(circleId, nodeId, caps, announcedAt, now);
  }

  // ---- felund v2 (SyncStoreV2) ----

  setCircleMode(circleId: string, mode: "v1" | "v2"): void {
    this.sql.query(`UPDATE circles SET mode = ? WHERE circle_id = ?`).run(mode, circleId);
    this.recon.drop(circleId);
  }
  setCircleEpoch(circleId: string, epoch: number): void {
    this.recon.drop(circleId);
    this.sql
      .query(`UPDATE circles SET key_epoch = ? WHERE circle_id = ? AND key_epoch < ?`)
      .run(epoch, circleId, epoch);
  }
  getCircleOwner(circleId: string): string | undefined {
    return (
      (
        this.sql.query(`SELECT owner_key AS k FROM circles WHERE circle_id = ?`).get(circleId) as {
          k: string | null;
        } | null
      )?.k ?? undefined
    );
  }
  setCircleOwner(circleId: string, ownerKeyHex: string): void {
    this.sql.query(`UPDATE circles SET owner_key = ? WHERE circle_id = ?`).run(ownerKeyHex, circleId);
  }
  getEpochKey(circleId: string, epoch: number): string | undefined {
    return (
      this.sql
        .query(`SELECT key_hex AS k FROM v2_epoch_keys WHERE circle_id = ? AND epoch = ?`)
        .get(circleId, epoch) as { k: string } | null
    )?.k;
  }
  putEpochKey(circleId: string, epoch: number, keyHex: string, now: number): void {
    this.sql
      .query(
        `INSERT INTO v2_epoch_keys (circle_id, epoch, key_hex, added_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(circleId, epoch, keyHex, now);
  }

  v2Items(circleId: string, opts: { maxEpoch: number; legacy: boolean }): V2Item[] {
    const rows = this.sql
      .query(`SELECT created_ts, msg_id, v2_wire IS NOT NULL FROM messages WHERE circle_id = ?
        AND ((v2_wire IS NOT NULL AND key_epoch <= ?) OR (? AND v2_wire IS NULL AND mac IS NOT NULL))
        ORDER BY created_ts, msg_id`)
      .values(circleId, opts.maxEpoch, opts.legacy ? 1 : 0) as [number, string, number][];
    return rows.map(([ts, msgId, signed]) => ({ ts, msgId, signed: !!signed }));
  }
  lastAuthored(circleId: string, authorNodeId: string): { createdMs: number; authorSeq: number } {
    const r = this.sql
      // two single-MAX subqueries, each answered by one index seek (messages_author_ms,
      // messages_author_seq); one query with both MAXes scanned every message of the author
      .query(`SELECT
        COALESCE((SELECT MAX(created_ms) FROM messages WHERE circle_id = $c AND author_node_id = $a
          AND author_seq IS NOT NULL), 0) AS createdMs,
        COALESCE((SELECT MAX(author_seq) FROM messages WHERE circle_id = $c AND author_node_id = $a), 0) AS authorSeq`)
      .get({ c: circleId, a: authorNodeId }) as { createdMs: number; authorSeq: number };
    return r;
  }
  getV2Wire(msgId: string): string | undefined {
    return (
      (this.sql.query(`SELECT v2_wire AS w FROM messages WHERE msg_id = ?`).get(msgId) as { w: string | null } | null)
        ?.w ?? undefined
    );
  }
  insertV2Message(m: ChatMessage, v2: V2MessageCols, meta: MessageMeta): StoredMessage | null {
    const r = this.sql
      .query(`INSERT INTO messages (msg_id, circle_id, channel_id, author_node_id, display_name, created_ts, sort_ts, sort_ms,
        late, created_ms, author_seq, text, mac, author_key, signature, key_epoch, v2_kind, v2_wire, origin, received_at,
        target_id)
        VALUES ($msgId, $circleId, $channelId, $authorNodeId, $displayName, $createdTs, $sortTs, $sortMs, $late, $createdMs,
        $authorSeq, $text, $mac, $authorKey, $signature, $keyEpoch, $kind, $wire, $origin, $receivedAt, $targetId)
        ON CONFLICT(msg_id) DO NOTHING RETURNING ${MSG_COLS}`)
      .get({
        ...m,
        mac: m.mac ?? null,
        createdMs: null,
        authorSeq: null,
        ...v2,
        targetId: v2.targetId ?? null,
        ...meta,
        late: meta.late ? 1 : 0,
      }) as StoredMessage | null;
    if (r) {
      this.recon.insertedV2(r.circleId, r.createdTs, r.msgId, v2.keyEpoch);
      this.chats.inserted(r.circleId, r.channelId);
    }
    return r ?? null;
  }
  bulkFts<T>(fn: () => T): T {
    return this.transaction(() => bulkFts(this.sql, fn));
  }
  fillPage(circleId: string, q: FillQuery): FillRow[] {
    return fillPage(this.sql, circleId, q);
  }
  /** The circle's reconciliation items, shared by its sessions and kept up to date (recon-index.ts). */
  reconItems(circleId: string, opts: { maxEpoch: number; legacy: boolean }): ItemSet | null {
    const c = this.getCircle(circleId);
    return c ? this.recon.get(circleId, { ...opts, circleEpoch: c.keyEpoch }) : null;
  }
  attachV2(msgId: string, v2: V2MessageCols): boolean {
    const before = this.recon.facts(msgId);
    const ok =
      this.sql
        .query(
          `UPDATE messages SET author_key = ?, signature = ?, key_epoch = ?, v2_kind = ?, v2_wire = ?, created_ms = ?,
          author_seq = ?, target_id = ? WHERE msg_id = ? AND v2_wire IS NULL AND deleted = 0`,
        )
        .run(
          v2.authorKey,
          v2.signature,
          v2.keyEpoch,
          v2.kind,
          v2.wire,
          v2.createdMs ?? null,
          v2.authorSeq ?? null,
          v2.targetId ?? null,
          msgId,
        ).changes > 0;
    if (ok) this.recon.attached(before, msgId, v2.keyEpoch);
    return ok;
  }
  rekeyWires(circleId: string): string[] {
    return (
      this.sql
        .query(
          `SELECT v2_wire AS w FROM messages WHERE circle_id = ? AND channel_id = '__control' AND v2_kind = 2
          AND text LIKE '{"t":"V2_REKEY"%' ORDER BY sort_ts, msg_id`,
        )
        .all(circleId) as { w: string }[]
    ).map((r) => r.w);
  }
  lockedMessages(circleId: string, channelId: string): { msgId: string; wire: string }[] {
    return this.sql
      .query(
        `SELECT msg_id AS msgId, v2_wire AS wire FROM messages WHERE circle_id = ? AND channel_id = ? AND v2_kind = 1
          AND text = '' ORDER BY sort_ts, msg_id`,
      )
      .all(circleId, channelId) as { msgId: string; wire: string }[];
  }
  setMessageText(msgId: string, text: string): void {
    this.sql.query(`UPDATE messages SET text = ? WHERE msg_id = ?`).run(text, msgId);
  }
  /** v2 columns of a message, for the UIs ("verified author" when signature is set). */
  messageAuth(
    msgId: string,
  ):
    | { authorKey: string | null; signature: string | null; keyEpoch: number | null; v2Kind: number | null }
    | undefined {
    return (
      (this.sql
        .query(
          `SELECT author_key AS authorKey, signature, key_epoch AS keyEpoch, v2_kind AS v2Kind FROM messages WHERE msg_id = ?`,
        )
        .get(msgId) as {
        authorKey: string | null;
        signature: string | null;
        keyEpoch: number | null;
        v2Kind: number | null;
      } | null) ?? undefined
    );
  }

  putMemberCard(c: MemberCardRow): void {
    this.sql
      .query(`INSERT INTO v2_member_cards (circle_id, node_id, ed_key, x_key, display_name, issued_ts, msg_id)
        VALUES ($circleId, $nodeId, $edKey, $xKey, $displayName, $issuedTs, $msgId)
        ON CONFLICT DO UPDATE SET ed_key = excluded.ed_key, x_key = excluded.x_key, display_name = excluded.display_name,
        issued_ts = excluded.issued_ts, msg_id = excluded.msg_id`)
      .run({ ...c });
  }
  getMemberCard(circleId: string, nodeId: string): MemberCardRow | undefined {
    return (
      (this.sql
        .query(`SELECT ${CARD_COLS} FROM v2_member_cards WHERE circle_id = ? AND node_id = ?`)
        .get(circleId, nodeId) as MemberCardRow | null) ?? undefined
    );
  }
  listMemberCards(circleId: string): MemberCardRow[] {
    return this.sql
      .query(`SELECT ${CARD_COLS} FROM v2_member_cards WHERE circle_id = ? ORDER BY node_id`)
      .all(circleId) as MemberCardRow[];
  }
  markRemoved(circleId: string, nodeId: string, epoch: number, removedTs: number): void {
    this.sql
      .query(
        `INSERT INTO v2_removed (circle_id, node_id, epoch, removed_ts) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(circleId, nodeId, epoch, removedTs);
  }
  removedAt(circleId: string, nodeId: string): number | undefined {
    return (
      this.sql
        .query(`SELECT removed_ts AS t FROM v2_removed WHERE circle_id = ? AND node_id = ?`)
        .get(circleId, nodeId) as { t: number } | null
    )?.t;
  }

  getV2Channel(circleId: string, channelId: string): V2ChannelRow | undefined {
    return (
      (this.sql
        .query(`SELECT circle_id AS circleId, channel_id AS channelId, owner_key AS ownerKey, mode, scrypt_log_n AS scryptLogN,
        key_check AS keyCheck, created_ts AS createdTs, msg_id AS msgId FROM v2_channels WHERE circle_id = ? AND channel_id = ?`)
        .get(circleId, channelId) as V2ChannelRow | null) ?? undefined
    );
  }
  putV2Channel(c: V2ChannelRow): boolean {
    return (
      this.sql
        .query(`INSERT INTO v2_channels (circle_id, channel_id, owner_key, mode, scrypt_log_n, key_check, created_ts, msg_id)
        VALUES ($circleId, $channelId, $ownerKey, $mode, $scryptLogN, $keyCheck, $createdTs, $msgId) ON CONFLICT DO NOTHING`)
        .run({ ...c }).changes > 0
    );
  }
  putChannelKey(circleId: string, channelId: string, version: number, keyHex: string): void {
    this.sql
      .query(`INSERT INTO v2_channel_keys (circle_id, channel_id, key_version, key_hex) VALUES (?, ?, ?, ?)
        ON CONFLICT DO UPDATE SET key_hex = excluded.key_hex`)
      .run(circleId, channelId, version, keyHex);
  }
  getChannelKey(circleId: string, channelId: string, version: number): string | undefined {
    return (
      this.sql
        .query(`SELECT key_hex AS k FROM v2_channel_keys WHERE circle_id = ? AND channel_id = ? AND key_version = ?`)
        .get(circleId, channelId, version) as { k: string } | null
    )?.k;
  }
  latestChannelKey(circleId: string, channelId: string): { version: number; keyHex: string } | undefined {
    return (
      (this.sql
        .query(`SELECT key_version AS version, key_hex AS keyHex FROM v2_channel_keys WHERE circle_id = ? AND channel_id = ?
        ORDER BY key_version DESC LIMIT 1`)
        .get(circleId, channelId) as { version: number; keyHex: string } | null) ?? undefined
    );
  }

  putInvite(r: InviteRow): void {
    this.sql
      .query(`INSERT INTO v2_invites (invite_id, circle_id, ticket_hex, expires_ts, max_uses, uses, created_ts, revoked_ts)
        VALUES ($inviteId, $circleId, $ticketHex, $expiresTs, $maxUses, $uses, $createdTs, $revokedTs) ON CONFLICT DO NOTHING`)
      .run({ ...r, revokedTs: r.revokedTs ?? null });
  }
  getInvite(inviteId: string): InviteRow | undefined {
    return (
      (this.sql.query(`SELECT ${INVITE_COLS} FROM v2_invites WHERE invite_id = ?`).get(inviteId) as InviteRow | null) ??
      undefined
    );
  }
  listInvites(circleId: string): InviteRow[] {
    return this.sql
      .query(`SELECT ${INVITE_COLS} FROM v2_invites WHERE circle_id = ? ORDER BY created_ts DESC, rowid DESC`)
      .all(circleId) as InviteRow[];
  }
  revokeInvite(inviteId: string, now: number): boolean {
    return (
      this.sql
        .query(`UPDATE v2_invites SET revoked_ts = ? WHERE invite_id = ? AND revoked_ts IS NULL`)
        .run(now, inviteId).changes > 0
    );
  }
  revokeCircleInvites(circleId: string, now: number): number {
    return this.sql
      .query(`UPDATE v2_invites SET revoked_ts = ? WHERE circle_id = ? AND revoked_ts IS NULL`)
      .run(now, circleId).changes;
  }
  /** True while some felund2 invite of this node is unexpired (the relay client then answers admissions; revoked ones
   * count too, so their joiners get a clear "invite revoked" rather than a timeout). */
  hasLiveInvites(now: number): boolean {
    return this.sql.query(`SELECT 1 FROM v2_invites WHERE expires_ts > ? LIMIT 1`).get(now) != null;
  }
  addHolders(author: string, msgIds: string[], holder: string, now: number): string[] {
    return msgIds.length ? this.transaction(() => addHolders(this.sql, author, msgIds, holder, now)) : [];
  }
  holdersOf(msgId: string): string[] {
    return holdersOf(this.sql, msgId);
  }
  inviteAdmitted(inviteId: string, nodeId: string): boolean {
    return (
      this.sql.query(`SELECT 1 FROM v2_invite_admissions WHERE invite_id = ? AND node_id = ?`).get(inviteId, nodeId) !=
      null
    );
  }
  recordAdmission(inviteId: string, nodeId: string, now: number): void {
    this.transaction(() => {
      const r = this.sql
        .query(`INSERT INTO v2_invite_admissions (invite_id, node_id, admitted_at)
          SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM v2_invites WHERE invite_id = ?1) ON CONFLICT DO NOTHING`)
        .run(inviteId, nodeId, now);
      if (r.changes > 0) this.sql.query(`UPDATE v2_invites SET uses = uses + 1 WHERE invite_id = ?`).run(inviteId);
    });
  }

  getSetting(key: string): string | undefined {
    return (this.sql.query(`SELECT value FROM settings WHERE key = ?`).get(key) as { value: string } | null)?.value;
  }
  setSetting(key: string, value: string): void {
    this.sql
      .query(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT DO UPDATE SET value = excluded.value`)
      .run(key, value);
  }

  // ---- history policy and retention (docs/PROTOCOL.md §24.2) ----
  circleHistory(circleId: string): HistoryPolicy | null {
    const v = this.getSetting(`history:${circleId}`);
    return v ? (JSON.parse(v) as HistoryPolicy) : null;
  }
  setCircleHistory(circleId: string, p: HistoryPolicy): void {
    const cur = this.circleHistory(circleId);
    // only the owner sets it: its author sequence orders its events (two may share a second)
    const older =
      cur?.seq !== undefined && p.seq !== undefined
        ? cur.seq >= p.seq
        : !!cur && (cur.ts > p.ts || (cur.ts === p.ts && cur.msgId >= p.msgId));
    if (older) return;
    this.setSetting(`history:${circleId}`, JSON.stringify(p));
  }
  retentionDays(): number {
    return Number(this.getSetting("retention_days") ?? 0) || 0;
  }
  firstAuthoredTs(circleId: string, nodeId: string): number | null {
    const r = this.sql
      .query(`SELECT MIN(created_ts) AS ts FROM messages WHERE circle_id = ? AND author_node_id = ?`)
      .get(circleId, nodeId) as { ts: number | null } | null;
    return r?.ts ?? null;
  }
  controlIdsBefore(circleId: string, ts: number, maxEpoch: number): string[] {
    const rows = this.sql
      .query(`SELECT msg_id AS id FROM messages WHERE circle_id = ? AND channel_id = ? AND created_ts < ?
        AND v2_wire IS NOT NULL AND key_epoch <= ? ORDER BY created_ts, msg_id`)
      .all(circleId, CONTROL_CHANNEL, ts, maxEpoch) as { id: string }[];
    return rows.map((r) => r.id);
  }
}
