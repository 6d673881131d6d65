// What the relay-only peer keeps across reloads, behind a small interface: IndexedDB in the
// browser (idb.ts), a plain in-memory copy in tests.
import type { StoredMessage, V2MessageCols } from "../../../../src/sync/store.ts";
import type { StoreState } from "./mem-store.ts";

/**
 * The browser's identity: `seed` is its Ed25519 seed (hex), node_id = first 24 hex of
 * SHA-256 of the public key (felund v2). Records written before v2 have no seed and a random
 * 32-hex id; they are migrated on load (the old ids stay in `formerIds`, so the messages
 * written under them still show as our own).
 */
export interface NodeRecord {
  nodeId: string;
  displayName: string;
  relayBase: string;
  seed?: string;
  formerIds?: string[];
}
/** mode "v2" = v2-only (felund2 codes); "v1" (and records from before v2) = legacy-compatible. */
export interface CircleRecord {
  circleId: string;
  secretHex: string;
  name: string;
  owned: boolean;
  joinedAt: number;
  mode?: string;
  keyEpoch?: number;
  ownerKey?: string;
}
/** Where pulling from the relay goes on: the new relay's cursor, or the old `since` time. */
export interface PullCursor {
  cursor?: string;
  since?: number;
}
/** a saved row (saved before display order had milliseconds: no sortMs) */
export interface MessageRecord extends Omit<StoredMessage, "sortMs"> {
  sortMs?: number;
  pushed: boolean;
  v2?: V2MessageCols;
}

export interface Snapshot {
  node: NodeRecord | null;
  circles: CircleRecord[];
  cursors: Record<string, PullCursor>;
  messages: MessageRecord[];
  /** derived state (channels, members, names, cards, keys, invites); absent before v2 */
  state?: StoreState | null;
}

/** Writes that belong together, applied in one transaction. */
export interface Commit {
  messages?: MessageRecord[];
  state?: StoreState;
  circles?: CircleRecord[];
}

export interface Persistence {
  load(): Promise<Snapshot>;
  saveNode(n: NodeRecord): Promise<void>;
  saveCursors(c: Record<string, PullCursor>): Promise<void>;
  deleteCircle(circleId: string): Promise<void>;
  /** message rows (added or rewritten), derived state and circles, together */
  commit(c: Commit): Promise<void>;
}

/** For tests and for browsers without IndexedDB: nothing survives a reload. */
export class MemoryPersistence implements Persistence {
  snap: Snapshot = { node: null, circles: [], cursors: {}, messages: [], state: null };
  async load() {
    return structuredClone(this.snap);
  }
  async saveNode(n: NodeRecord) {
    this.snap.node = structuredClone(n);
  }
  async saveCursors(c: Record<string, PullCursor>) {
    this.snap.cursors = structuredClone(c);
  }
  async deleteCircle(circleId: string) {
    this.snap.messages = this.snap.messages.filter((m) => m.circleId !== circleId);
  }
  async commit(c: Commit) {
    if (c.messages) {
      const byId = new Map(this.snap.messages.map((m) => [m.msgId, m]));
      // (a compact row written again keeps the v2 columns held: mem-cold.ts)
      for (const m of c.messages)
        byId.set(m.msgId, structuredClone(m.v2?.wire === "" ? { ...m, v2: byId.get(m.msgId)?.v2 ?? m.v2 } : m));
      this.snap.messages = [...byId.values()];
    }
    if (c.state) this.snap.state = structuredClone(c.state);
    if (c.circles) this.snap.circles = structuredClone(c.circles);
  }
}
