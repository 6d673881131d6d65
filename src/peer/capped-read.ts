// Reading a relay's HTTP answer with a size cap (issue 12, item 4): a hostile or broken relay
// can answer with hundreds of megabytes, which `res.json()` would hold whole. A declared
// Content-Length over the cap is refused unread, and the body is read chunk by chunk and given up
// as soon as the total passes the cap, so at most the cap plus one chunk is ever held.
// Runtime-neutral (fetch's Response and streams only): the node's relay client and the
// relay-only browser read every relay answer through it.
import { RELAY_RESPONSE_MAX_BYTES } from "../protocol/limits.ts";

/** The body was larger than allowed; `bytesRead` is what had been read when we stopped. */
export class ResponseTooLarge extends Error {
  constructor(
    readonly limit: number,
    readonly bytesRead: number,
  ) {
    super(`response larger than ${limit} bytes: aborted after ${bytesRead}`);
    this.name = "ResponseTooLarge";
  }
}

/** What is read of fetch's Response (this layer has no DOM types: the shells bring fetch). */
export interface CappedBody {
  headers: { get(name: string): string | null };
  body: {
    cancel(): Promise<void>;
    getReader(): {
      read(): Promise<{ done: true; value?: Uint8Array } | { done: false; value: Uint8Array }>;
      cancel(): Promise<void>;
    };
  } | null;
}

/** Read a response body as text, at most `limit` bytes; `abort` stops the request when it is over. */
export async function readCapped(
  res: CappedBody,
  limit = RELAY_RESPONSE_MAX_BYTES,
  abort?: () => void,
): Promise<string> {
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    abort?.();
    await res.body?.cancel().catch(() => {});
    throw new ResponseTooLarge(limit, 0);
  }
  if (!res.body) return "";
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      abort?.();
      await reader.cancel().catch(() => {});
      throw new ResponseTooLarge(limit, total);
    }
    parts.push(value);
  }
  const all = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.byteLength;
  }
  return new TextDecoder().decode(all);
}
