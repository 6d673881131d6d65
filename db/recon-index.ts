// The node's reconciliation items per circle, kept up to date as messages are stored (issue 17).
// Before, every v2 session built its own list of the whole history from the database and hashed
// every item, and built it again after each change and at every heal round (seconds of blocked
// event loop and ~1.2 KB a message at 1,000,000 messages). Now the store builds a circle's set
// once, on the first session that asks, and NodeStore tells this index of every row it inserts,
// signs (attachV2), gives a MAC to, or deletes; the sessions of the circle share the set.
//
// A set is for the circle's mode (legacy circles also list MAC-only rows) and its key epoch at
// build time; a session under another epoch, a change of mode or epoch, a prune or a rolled-back
// transaction fall back to building from the database (the next get() after a drop).
import type { Database } from "bun:sqlite";
import { fromHex } from "../src/protocol/bytes.ts";
import { ItemSet } from "../src/protocol/v2/recon-set.ts";
import type { V2Item } from "../src/sync/store.ts";
import { unsignedItemId } from "../src/sync/v2-messages.ts";

interface Entry {
  set: ItemSet;
  maxEpoch: number;
  legacy: boolean;
}

interface RowFacts {
  circleId: string;
  createdTs: number;
  mac: string | null;
  signed: number;
  keyEpoch: number | null;
}

const item = (ts: number, itemId: string) => ({ ts, id: fromHex(itemId) });

export class ReconIndex {
  private sets = new Map<string, Entry>();
  /** how many sets were built from the database (tests read it: idle sessions build none) */
  builds = 0;

  constructor(private sql: Database) {}

  /** The circle's live set for a session under `maxEpoch`, or null when none fits (the caller builds its own). */
  get(circleId: string, opts: { maxEpoch: number; legacy: boolean; circleEpoch: number }): ItemSet | null {
    if (opts.maxEpoch !== opts.circleEpoch) return null;
    const e = this.sets.get(circleId);
    if (e && e.maxEpoch === opts.maxEpoch && e.legacy === opts.legacy) return e.set;
    // rows in (created_ts, msg_id) order, one at a time: no copy of the whole history in memory
    const set = new ItemSet();
    const rows = this.sql
      .query(`SELECT created_ts AS ts, msg_id AS msgId, v2_wire IS NOT NULL AS signed FROM messages WHERE circle_id = ?
        AND ((v2_wire IS NOT NULL AND key_epoch <= ?) OR (? AND v2_wire IS NULL AND mac IS NOT NULL))
        ORDER BY created_ts, msg_id`)
      .iterate(circleId, opts.maxEpoch, opts.legacy ? 1 : 0) as IterableIterator<V2Item>;
    for (const r of rows) set.append(item(r.ts, r.signed ? r.msgId : unsignedItemId(r.msgId)));
    this.builds++;
    this.sets.set(circleId, { set, maxEpoch: opts.maxEpoch, legacy: opts.legacy });
    return set;
  }

  /** Forget one circle's set (mode or epoch changed, circle removed), or all of them. */
  drop(circleId?: string): void {
    if (circleId === undefined) this.sets.clear();
    else this.sets.delete(circleId);
  }

  /** A v1 row was inserted (MAC-only until a signed copy attaches). */
  insertedV1(circleId: string, createdTs: number, msgId: string, mac: string | null): void {
    const e = this.sets.get(circleId);
    if (e?.legacy && mac) e.set.insert(item(createdTs, unsignedItemId(msgId)));
  }

  /** A signed row was inserted. */
  insertedV2(circleId: string, createdTs: number, msgId: string, keyEpoch: number): void {
    const e = this.sets.get(circleId);
    if (e && keyEpoch <= e.maxEpoch) e.set.insert(item(createdTs, msgId));
  }

  /** What a row is now, read before an update that may change its item (only while some set exists). */
  facts(msgId: string): RowFacts | null {
    if (this.sets.size === 0) return null;
    return this.sql
      .query(`SELECT circle_id AS circleId, created_ts AS createdTs, mac, v2_wire IS NOT NULL AS signed,
        key_epoch AS keyEpoch FROM messages WHERE msg_id = ?`)
      .get(msgId) as RowFacts | null;
  }

  /** A MAC-only row got its signed copy: its item changes from the flipped id to the msg_id. */
  attached(before: RowFacts | null, msgId: string, keyEpoch: number): void {
    if (!before || before.signed) return;
    const e = this.sets.get(before.circleId);
    if (!e) return;
    if (e.legacy && before.mac) e.set.remove(item(before.createdTs, unsignedItemId(msgId)));
    if (keyEpoch <= e.maxEpoch) e.set.insert(item(before.createdTs, msgId));
  }

  /** A row without a MAC got one: in a legacy circle an unsigned row becomes an item. */
  macSet(before: RowFacts | null, msgId: string): void {
    if (!before || before.signed || before.mac) return;
    const e = this.sets.get(before.circleId);
    if (e?.legacy) e.set.insert(item(before.createdTs, unsignedItemId(msgId)));
  }
}
