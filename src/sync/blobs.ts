// The chunk store of attachments (docs/PROTOCOL.md §20), as the session engine and the peer see
// it: which chunks the circle's attachment messages list (only those are served, and only to the
// circle's members), and the sealed chunks held here. Synchronous and injected like the message
// store: SQLite on the node (db/blob-store.ts), memory saved to IndexedDB in the relay-only browser.
export interface BlobStore {
  /** note the chunks one attachment message of the circle lists (idempotent) */
  listChunks(circleId: string, msgId: string, ids: readonly string[]): void;
  /** whether a message of this circle lists the chunk */
  isListed(circleId: string, chunkId: string): boolean;
  getChunk(circleId: string, chunkId: string): Uint8Array | null;
  /** keep a sealed chunk (the caller checked it against its id) */
  putChunk(circleId: string, chunkId: string, data: Uint8Array, now: number): void;
  /** which of `ids` are held here */
  held(circleId: string, ids: readonly string[]): Set<string>;
}

/** The port in memory (tests; the relay-only browser persists it). */
export class MemBlobStore implements BlobStore {
  readonly listed = new Map<string, Set<string>>();
  readonly chunks = new Map<string, Uint8Array>();
  listChunks(circleId: string, _msgId: string, ids: readonly string[]): void {
    let s = this.listed.get(circleId);
    if (!s) this.listed.set(circleId, (s = new Set()));
    for (const id of ids) s.add(id);
  }
  isListed(circleId: string, chunkId: string): boolean {
    return !!this.listed.get(circleId)?.has(chunkId);
  }
  getChunk(circleId: string, chunkId: string): Uint8Array | null {
    return this.chunks.get(`${circleId}/${chunkId}`)?.slice() ?? null;
  }
  putChunk(circleId: string, chunkId: string, data: Uint8Array): void {
    this.chunks.set(`${circleId}/${chunkId}`, data.slice());
  }
  held(circleId: string, ids: readonly string[]): Set<string> {
    return new Set(ids.filter((id) => this.chunks.has(`${circleId}/${id}`)));
  }
}
