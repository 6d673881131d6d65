// The relay's attachment chunks as a client sees them (docs/PROTOCOL.md §20; PUT/GET
// /v1/blobs/:circle_hint/:chunk_id), for the node and the relay-only browser alike: upload the
// chunks of a file sent here, and serve as a chunk source for fetches. Only the circle's own
// relay is ever asked; every answer is read with the chunk's size cap and checked by the fetcher.
import { FelundError } from "../../protocol/errors.ts";
import { circleHint } from "../../protocol/ids.ts";
import { ATTACH_SEALED_CHUNK_MAX, RELAY_HTTP_TIMEOUT_MS } from "../../protocol/limits.ts";
import type { ChunkSource } from "../attachments.ts";
import type { CappedBody } from "../capped-read.ts";
import { relayUrl } from "../relay-url.ts";

interface BlobAnswer extends CappedBody {
  ok: boolean;
  status: number;
}
export type BlobFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: Uint8Array; signal?: unknown },
) => Promise<BlobAnswer>;

const runtime = globalThis as unknown as { fetch: BlobFetch; AbortSignal: { timeout(ms: number): unknown } };

export class RelayBlobs {
  constructor(
    readonly base: string,
    private nodeId: string,
    private fetchImpl: BlobFetch = (u, i) => runtime.fetch(u, i),
  ) {}

  private url = (circleId: string, id: string) => relayUrl(this.base, `/blobs/${circleHint(circleId)}/${id}`);

  async put(circleId: string, id: string, data: Uint8Array): Promise<void> {
    let res: BlobAnswer;
    try {
      res = await this.fetchImpl(this.url(circleId, id), {
        method: "PUT",
        headers: { "content-type": "application/octet-stream", "x-felund-node": this.nodeId },
        body: data,
        signal: runtime.AbortSignal.timeout(RELAY_HTTP_TIMEOUT_MS),
      });
    } catch (e) {
      throw new FelundError("E_UNREACHABLE", `relay unreachable: ${(e as Error).message}`);
    }
    await res.body?.cancel().catch(() => {});
    if (!res.ok)
      throw new FelundError(
        res.status === 429 ? "E_RATE_LIMITED" : "E_UNREACHABLE",
        `relay refused a chunk (HTTP ${res.status})`,
      );
  }

  /** The chunk, or null when the relay does not hold it. */
  async get(circleId: string, id: string): Promise<Uint8Array | null> {
    const res = await this.fetchImpl(this.url(circleId, id), {
      method: "GET",
      headers: { "x-felund-node": this.nodeId },
      signal: runtime.AbortSignal.timeout(RELAY_HTTP_TIMEOUT_MS),
    });
    if (res.status === 404) {
      await res.body?.cancel().catch(() => {});
      return null;
    }
    if (!res.ok) throw new FelundError("E_UNREACHABLE", `relay: chunk fetch failed (HTTP ${res.status})`);
    return bytesUpTo(res, ATTACH_SEALED_CHUNK_MAX);
  }

  /** Upload a file's chunks in order; `progress` after each. */
  async upload(
    circleId: string,
    chunks: readonly { id: string; data: Uint8Array }[],
    progress?: (done: number, total: number) => void,
  ): Promise<void> {
    let done = 0;
    for (const c of chunks) {
      await this.put(circleId, c.id, c.data);
      progress?.(++done, chunks.length);
    }
  }

  source(circleId: string): ChunkSource {
    return {
      name: `relay ${this.base}`,
      get: async (ids) => {
        const out = new Map<string, Uint8Array>();
        for (const id of ids) {
          const data = await this.get(circleId, id);
          if (data) out.set(id, data);
        }
        return out;
      },
    };
  }
}

/** A chunk's bytes, read incrementally and given up past `max` (a hostile relay's endless answer). */
async function bytesUpTo(res: CappedBody, max: number): Promise<Uint8Array> {
  if (Number(res.headers.get("content-length")) > max || !res.body) {
    await res.body?.cancel().catch(() => {});
    if (res.body) throw new FelundError("E_UNREACHABLE", `relay: chunk larger than ${max} bytes`);
    return new Uint8Array(0);
  }
  const reader = res.body.getReader();
  const out = new Uint8Array(max + 1);
  let n = 0;
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    if (n + r.value.length > max) {
      await reader.cancel().catch(() => {});
      throw new FelundError("E_UNREACHABLE", `relay: chunk larger than ${max} bytes`);
    }
    out.set(r.value, n);
    n += r.value.length;
  }
  return out.slice(0, n);
}
