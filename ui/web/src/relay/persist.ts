// What the relay-only peer keeps across reloads, behind a small interface: IndexedDB in the
// browser (idb.ts), a plain in-memory copy in tests.
import type { StoredMessage } from "../../../../src/sync/store.ts";

export interface NodeRecord { nodeId: string; displayName: string; relayBase: string }
export interface CircleRecord { circleId: string; secretHex: string; name: string; owned: boolean; joinedAt: number }
/** Where pulling from the relay goes on: the new relay's cursor, or the old `since` time. */
export interface PullCursor { cursor?: string; since?: number }
export interface MessageRecord extends StoredMessage { pushed: boolean }

export interface Snapshot {
  node: NodeRecord | null;
  circles: CircleRecord[];
  cursors: Record<string, PullCursor>;
  messages: MessageRecord[];
}

export interface Persistence {
  load(): Promise<Snapshot>;
  saveNode(n: NodeRecord): Promise<void>;
  saveCircles(cs: CircleRecord[]): Promise<void>;
  saveCursors(c: Record<string, PullCursor>): Promise<void>;
  putMessages(ms: MessageRecord[]): Promise<void>;
  deleteCircle(circleId: string): Promise<void>;
}

/** For tests and for browsers without IndexedDB: nothing survives a reload. */
export class MemoryPersistence implements Persistence {
  snap: Snapshot = { node: null, circles: [], cursors: {}, messages: [] };
  async load() { return structuredClone(this.snap); }
  async saveNode(n: NodeRecord) { this.snap.node = { ...n }; }
  async saveCircles(cs: CircleRecord[]) { this.snap.circles = cs.map((c) => ({ ...c })); }
  async saveCursors(c: Record<string, PullCursor>) { this.snap.cursors = structuredClone(c); }
  async putMessages(ms: MessageRecord[]) {
    const byId = new Map(this.snap.messages.map((m) => [m.msgId, m]));
    for (const m of ms) byId.set(m.msgId, { ...m });
    this.snap.messages = [...byId.values()];
  }
  async deleteCircle(circleId: string) { this.snap.messages = this.snap.messages.filter((m) => m.circleId !== circleId); }
}
