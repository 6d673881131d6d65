// IndexedDB storage of the relay-only peer: one "kv" store (node, circles, pull cursors, the
// derived v2 state) and one "messages" store keyed by msg_id with an index by circle.
import type { Commit, NodeRecord, Persistence, PullCursor, Snapshot } from "./persist.ts";

const DB_NAME = "felund-web";
const DB_VERSION = 1;

const done = <T>(r: IDBRequest<T>) =>
  new Promise<T>((ok, fail) => {
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
const finished = (tx: IDBTransaction) =>
  new Promise<void>((ok, fail) => {
    tx.oncomplete = () => ok();
    tx.onerror = tx.onabort = () => fail(tx.error);
  });

export class IdbPersistence implements Persistence {
  private constructor(private db: IDBDatabase) {}

  static async open(name = DB_NAME): Promise<IdbPersistence> {
    const req = indexedDB.open(name, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains("kv")) db.createObjectStore("kv");
      if (!db.objectStoreNames.contains("messages"))
        db.createObjectStore("messages", { keyPath: "msgId" }).createIndex("circle", "circleId");
    };
    return new IdbPersistence(await done(req));
  }

  async load(): Promise<Snapshot> {
    const tx = this.db.transaction(["kv", "messages"], "readonly");
    const kv = tx.objectStore("kv");
    const [node, circles, cursors, state, messages] = await Promise.all([
      done(kv.get("node")),
      done(kv.get("circles")),
      done(kv.get("cursors")),
      done(kv.get("state")),
      done(tx.objectStore("messages").getAll(null, 1000)),
    ]);
    return {
      node: node ?? null,
      circles: circles ?? [],
      cursors: cursors ?? {},
      state: state ?? null,
      // a long history: the rest read in batches, each kept compact (mem-cold.ts, a chunk), never all of it whole
      messages:
        messages.length < 1000 ? messages : await (await import("./mem-cold.ts")).readCompact(this.db, messages),
    };
  }

  private async put(key: string, value: unknown) {
    const tx = this.db.transaction("kv", "readwrite");
    tx.objectStore("kv").put(value, key);
    await finished(tx);
  }
  saveNode(n: NodeRecord) {
    return this.put("node", { ...n });
  }
  saveCursors(c: Record<string, PullCursor>) {
    return this.put("cursors", { ...c });
  }

  /** messages, derived state and circles in one transaction, so a reload never sees one without the other */
  async commit(c: Commit) {
    if (!c.messages?.length && !c.state && !c.circles) return;
    const tx = this.db.transaction(["kv", "messages"], "readwrite");
    const st = tx.objectStore("messages");
    for (const m of c.messages ?? [])
      if (m.v2?.wire === "") {
        // a compact row (mem-cold.ts) written again (its pushed flag, a MAC) keeps the v2 columns stored
        const got = st.get(m.msgId);
        got.onsuccess = () => st.put({ ...m, v2: got.result?.v2 });
      } else st.put({ ...m });
    if (c.state) tx.objectStore("kv").put(c.state, "state");
    if (c.circles)
      tx.objectStore("kv").put(
        c.circles.map((x) => ({ ...x })),
        "circles",
      );
    await finished(tx);
  }

  async deleteCircle(circleId: string) {
    const tx = this.db.transaction("messages", "readwrite");
    const keys = await done(tx.objectStore("messages").index("circle").getAllKeys(circleId));
    for (const k of keys) tx.objectStore("messages").delete(k);
    await finished(tx);
  }
}
