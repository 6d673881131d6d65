// The node's attachments (docs/PROTOCOL.md §20): its chunk store (SQLite, migration 0012), the
// chunk index of every stored attachment message, sending a file (then uploading its chunks to
// the circle's relay), and fetching one on demand from the live v2 sessions of its circle and
// then its relay, with resume. Gets the node as ports (AttachHost), never the node itself.
import type { NodeStore } from "../../db/node-store.ts";
import { SqliteBlobStore } from "../../db/blob-store.ts";
import type { PeerCtx } from "../peer/ctx.ts";
import {
  type AttachmentInfo,
  attachmentInfo,
  type ChunkSource,
  fetchAttachment,
  type FileToSend,
  indexAttachments,
  sendAttachment,
} from "../peer/attachments.ts";
import { RelayBlobs } from "../peer/relay/blobs.ts";
import { ATTACH_FILE_MAX_DEFAULT, ATTACH_PROTOCOL_MAX } from "../protocol/limits.ts";
import type { StoredMessage } from "../sync/store.ts";
import type { BlobArrival } from "../sync/v2-blobs.ts";

/** How long one session may take to answer a window of chunks before the fetch moves on. */
const SESSION_WINDOW_MS = 30_000;

export interface AttachHost {
  readonly store: NodeStore;
  readonly ctx: PeerCtx;
  readonly nodeId: string;
  readonly relay: { base: string } | null;
  published(m: StoredMessage | StoredMessage[]): void;
  log(line: string): void;
}
export interface AttachSessions {
  peers(circleId: string): string[];
  /** ask `peer` for chunks on its live session; false when there is none */
  wantBlobs(circleId: string, peer: string, ids: readonly string[]): boolean;
}

interface Waiter {
  circleId: string;
  peer: string;
  left: Set<string>;
  done(): void;
}

export class NodeAttachments {
  private store: SqliteBlobStore | null = null;
  private waiters = new Set<Waiter>();
  /** largest file sent or fetched (the CLI sets it from attach_max_bytes) */
  maxBytes = ATTACH_FILE_MAX_DEFAULT;

  constructor(
    private h: AttachHost,
    private sessions: () => AttachSessions,
  ) {}

  get blobs(): SqliteBlobStore {
    this.store ??= new SqliteBlobStore(this.h.store.sql);
    return this.store;
  }

  private get limit(): number {
    return Math.min(this.maxBytes, ATTACH_PROTOCOL_MAX);
  }

  /** Every stored batch (all paths): note the chunks its attachment messages list. */
  stored(rows: readonly StoredMessage[]): void {
    indexAttachments(this.h.store, this.blobs, rows);
  }

  /** Send a file: the row is published at once; its chunks go to the circle's relay (awaited, so the caller knows). */
  async send(circleId: string, channel: string, file: FileToSend): Promise<StoredMessage> {
    const a = sendAttachment(this.h.ctx, this.blobs, circleId, channel, file, this.limit);
    this.h.published(a.row);
    const relay = this.h.relay;
    if (relay) {
      try {
        await new RelayBlobs(relay.base, this.h.nodeId).upload(a.row.circleId, a.chunks);
      } catch (e) {
        // members still fetch the chunks from this node over sessions
        this.h.log(`attachment ${a.row.msgId.slice(0, 12)}: upload to the relay failed: ${(e as Error).message}`);
      }
    }
    return a.row;
  }

  info(circleId: string, msgId: string): AttachmentInfo {
    return attachmentInfo(this.h.store, this.blobs, circleId, msgId);
  }

  /** The file: chunks held are used, the rest fetched from live sessions, then the relay. */
  fetch(circleId: string, msgId: string, progress?: (held: number, total: number) => void): Promise<Uint8Array> {
    const sources: ChunkSource[] = this.sessions()
      .peers(circleId)
      .map((peer) => this.sessionSource(circleId, peer));
    if (this.h.relay) sources.push(new RelayBlobs(this.h.relay.base, this.h.nodeId).source(circleId));
    return fetchAttachment(
      {
        store: this.h.store,
        blobs: this.blobs,
        sources,
        maxBytes: this.limit,
        now: () => this.h.ctx.now(),
        progress,
      },
      circleId,
      msgId,
    );
  }

  /** Chunks that arrived on a session (already checked and stored by it). */
  arrived(circleId: string, peer: string, arrivals: readonly BlobArrival[]): void {
    for (const w of this.waiters) {
      if (w.circleId !== circleId || w.peer !== peer) continue;
      for (const a of arrivals) w.left.delete(a.id);
      if (!w.left.size) w.done();
    }
  }

  private sessionSource(circleId: string, peer: string): ChunkSource {
    return {
      name: `session ${peer.slice(0, 8)}`,
      get: (ids) =>
        new Promise((resolve) => {
          const w: Waiter = {
            circleId,
            peer,
            left: new Set(ids),
            done: () => {
              clearTimeout(timer);
              clearInterval(alive);
              this.waiters.delete(w);
              const out = new Map<string, Uint8Array>();
              for (const id of ids) {
                const d = this.blobs.getChunk(circleId, id);
                if (d) out.set(id, d);
              }
              resolve(out);
            },
          };
          const timer = setTimeout(() => w.done(), SESSION_WINDOW_MS);
          // a session that ends mid-transfer: keep what arrived, let the next source have the rest
          const alive = setInterval(() => {
            if (!this.sessions().peers(circleId).includes(peer)) w.done();
          }, 200);
          this.waiters.add(w);
          if (!this.sessions().wantBlobs(circleId, peer, ids)) w.done();
        }),
    };
  }
}
