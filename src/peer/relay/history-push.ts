// How the relay client posts what is pending (docs/PROTOCOL.md §25): with the circle's push key,
// in batches of up to RELAY_PUSH_BATCH_MAX envelopes (and RELAY_PUSH_BATCH_BYTES of JSON) to
// POST /v1/messages/batch, which spends the circle's history-push allowance on our relay; else,
// and from the first 404/405 on (an original relay without the endpoint) or 401 for a circle
// (another key is pinned there), in batches of RELAY_PUSH_BATCH to POST /v1/messages.
import * as L from "../../protocol/limits.ts";
import { type RelayApi, relayStatusOf } from "./api.ts";

/** Signs a batch body for a circle (the X-Felund-Push header value); from the host. */
export type PushSigner = (body: string) => string;

export class HistoryPush {
  /** the relay answered 404/405 to a batch: it has no batch endpoint */
  private noEndpoint = false;
  /** circles whose batches the relay refused with 401 */
  private refused = new Set<string>();

  constructor(private signerOf: (hint: string) => PushSigner | null | undefined) {}

  /** The signer to batch a circle's push with, or null: single POSTs. */
  signer(hint: string): PushSigner | null {
    return this.noEndpoint || this.refused.has(hint) ? null : (this.signerOf(hint) ?? null);
  }

  /** How many messages to take per push round. */
  roundSize(hint: string): number {
    return this.signer(hint) ? L.RELAY_PUSH_BATCH_MAX : L.RELAY_PUSH_BATCH;
  }

  /** Post envelopes, oldest first; throws what the relay answered when it refused them. */
  async post(api: RelayApi, hint: string, envelopes: unknown[]): Promise<void> {
    let i = 0;
    for (let sign = this.signer(hint); sign && i < envelopes.length; sign = this.signer(hint)) {
      const end = batchEnd(envelopes, i);
      try {
        await api.postBatch(hint, envelopes.slice(i, end), sign);
        i = end;
      } catch (e) {
        const s = relayStatusOf(e);
        if (s === 404 || s === 405) this.noEndpoint = true;
        else if (s === 401) this.refused.add(hint);
        else throw e;
      }
    }
    for (; i < envelopes.length; i += L.RELAY_PUSH_BATCH)
      await api.postMessages(hint, envelopes.slice(i, i + L.RELAY_PUSH_BATCH));
  }
}

/** The end of the batch that starts at `from`: at most RELAY_PUSH_BATCH_MAX envelopes and RELAY_PUSH_BATCH_BYTES of JSON (always one). */
function batchEnd(envelopes: unknown[], from: number): number {
  let bytes = 0;
  let i = from;
  const max = Math.min(envelopes.length, from + L.RELAY_PUSH_BATCH_MAX);
  for (; i < max; i++) {
    bytes += JSON.stringify(envelopes[i]).length + 1;
    if (bytes > L.RELAY_PUSH_BATCH_BYTES && i > from) break;
  }
  return i;
}
