// fetch + a capped JSON body for the node's relay client, its admission transport and call
// signalling (the capped reader itself is src/peer/capped-read.ts, shared with the browser).
import { RELAY_RESPONSE_MAX_BYTES } from "../protocol/limits.ts";

export { readCapped, ResponseTooLarge } from "../peer/capped-read.ts";
import { readCapped } from "../peer/capped-read.ts";

export interface CappedReply {
  status: number;
  ok: boolean;
  headers: Headers;
  json: any;
}

/**
 * fetch + a capped JSON body. A body that is not JSON gives `json: null` (the caller reports
 * the status); a body over the cap throws ResponseTooLarge; the timeout covers the whole read.
 */
export async function fetchJsonCapped(
  url: string,
  init: RequestInit & { timeoutMs: number; maxBytes?: number },
): Promise<CappedReply> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new Error(`timed out after ${init.timeoutMs} ms`)), init.timeoutMs);
  try {
    const res = await fetch(url, { ...init, signal: ctl.signal });
    const text = await readCapped(res, init.maxBytes ?? RELAY_RESPONSE_MAX_BYTES, () => ctl.abort());
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: res.status, ok: res.ok, headers: res.headers, json };
  } finally {
    clearTimeout(timer);
  }
}
