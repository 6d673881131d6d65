// The attachment side of a v2 session (docs/PROTOCOL.md §20): answer BLOB_WANT with the chunks
// this node holds that a message of the session's circle lists, and take BLOB_DATA only for
// chunks asked for on this session, checked against their id (the hash of the sealed bytes).
import { fromHex, toHex } from "../protocol/bytes.ts";
import { BLOB_WANT_MAX } from "../protocol/limits.ts";
import { chunkError } from "../protocol/v2/attachment.ts";
import type { Frame } from "../protocol/v2/frames.ts";
import { accept, reject, type Verdict } from "../protocol/verdict.ts";
import type { BlobStore } from "./blobs.ts";

/** A chunk that arrived on the session: stored (held) or "not held" by the peer. */
export interface BlobArrival {
  id: string;
  held: boolean;
}

export class V2Blobs {
  private asked = new Set<string>();

  constructor(
    private blobs: BlobStore | undefined,
    private circleId: string,
    private now: () => number,
  ) {}

  /** BLOB_WANT frames for these chunks (≤ BLOB_WANT_MAX each); only what is asked for is taken. */
  want(ids: readonly string[]): Frame[] {
    const out: Frame[] = [];
    for (let i = 0; i < ids.length; i += BLOB_WANT_MAX) {
      const part = ids.slice(i, i + BLOB_WANT_MAX);
      for (const id of part) this.asked.add(id);
      out.push({ t: "blob_want", ids: part.map(fromHex) });
    }
    return out;
  }

  /** One BLOB_DATA per chunk asked: the sealed chunk when held and listed in this circle, else "not held". */
  answer(ids: Uint8Array[]): Frame[] {
    return ids.map((raw) => {
      const id = toHex(raw);
      const data = this.blobs?.isListed(this.circleId, id) ? this.blobs.getChunk(this.circleId, id) : null;
      return { t: "blob_data", id: raw, data };
    });
  }

  /** Check and keep an arriving chunk; a chunk not asked for, or not matching its id, is refused. */
  arrived(rawId: Uint8Array, data: Uint8Array | null): Verdict<BlobArrival> {
    const id = toHex(rawId);
    if (!this.asked.delete(id)) return reject("chunk not asked for");
    if (!data) return accept({ id, held: false });
    const why = chunkError(id, data);
    if (why) return reject(why);
    this.blobs?.putChunk(this.circleId, id, data, this.now());
    return accept({ id, held: true });
  }
}
