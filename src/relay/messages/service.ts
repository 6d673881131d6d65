// Store-and-forward of encrypted envelopes (PROTOCOL-V1.md §6.2) without the original's flaws: a
// monotonic cursor next to `since` paging that never skips a row (W8), msg_id unique per
// circle_hint with the first copy kept (W10), size and rate limits, and a push of every
// newly stored envelope to the hint's WebSocket subscribers once it is durable.
import * as L from "../../protocol/limits.ts";
import type { TokenBuckets } from "../rate-limit.ts";
import { byteLength, clamp, intCast, isIdOfBytes } from "../validate.ts";
import {
  insufficientStorage,
  invalid,
  ok,
  quotaExceeded,
  rateLimited,
  tooLarge,
  type Outcome,
  type Refusal,
} from "../verdict.ts";
import type { Hub } from "../ws/hub.ts";
import type { EnvelopeCache } from "./cache.ts";
import type { PostMessagesBody } from "./model.ts";
import { backlogFrame, beforePageJson, pageJson, pushFrame, rowBytes } from "./page.ts";
import type { EnvelopeRow, MessageStore, NewEnvelope, StorageRefusal } from "./store.ts";

export interface MessagesDeps {
  store: MessageStore;
  cache: EnvelopeCache;
  hub: Hub;
  /** per-hint bucket of newly stored envelopes, or null when off */
  hintRate: TokenBuckets | null;
  nowMs: () => number;
}

export interface PageQuery {
  circle_hint: string;
  since?: string;
  limit?: string;
  /** newest-first paging (§27): rows below this seq */
  before?: string;
  /** with before: "1" adds the circle's count */
  count?: string;
  cursor?: string;
}

const HINT_DETAIL = `Field 'circle_hint' must be a string (${L.RELAY_ID_MIN}-${L.RELAY_ID_MAX} bytes)`;

/** A full page remembered: its seqs, and for since pages the server_time it ends on. */
interface FullPage {
  seqs: number[];
  serverTime: number;
}

export class MessagesService {
  /**
   * Full pages (more rows follow) never change on SQLite: rows are immutable, a new row of a
   * hint always gets a higher seq (AUTOINCREMENT, one writer at a time) and, by the stored_at
   * rule, a later stored_at than every existing row. Only expiry removes rows, and expired
   * rows are filtered on every read anyway. So their seq lists are remembered: fresh clients
   * of a circle all start with the same pages. Cleared on prune.
   */
  private fullPages = new Map<string, FullPage>();

  constructor(private d: MessagesDeps) {}

  private remember(key: string, page: FullPage): void {
    if (this.fullPages.size >= L.RELAY_PAGE_MEMO_MAX) this.fullPages.delete(this.fullPages.keys().next().value!);
    this.fullPages.set(key, page);
  }

  /** A remembered page's rows, or null (and forgotten) if any of them is gone. */
  private recall(key: string): { rows: EnvelopeRow[]; page: FullPage } | null {
    const page = this.fullPages.get(key);
    if (!page) return null;
    const rows = this.d.cache.get(page.seqs);
    if (rows.length === page.seqs.length) return { rows, page };
    this.fullPages.delete(key);
    return null;
  }

  forgetPages(): void {
    this.fullPages.clear();
  }

  /** Validate, store durably, push; resolves to the response JSON. */
  async post(body: PostMessagesBody, rate = this.d.hintRate): Promise<Outcome<string>> {
    const hint = body.circle_hint;
    const batch = validBatch(body);
    if (!batch.ok) return batch;
    const items = batch.value;
    // Re-pushes (the Python TUI sends its 100 newest every 8 s) are answered without a write.
    if (this.d.store.allStored(hint, items))
      return ok(`{"ok":true,"stored":0,"server_time":${Math.floor(this.d.nowMs() / 1000)}}`);
    if (rate) {
      const r = rate.check(hint, this.d.nowMs());
      if (!r.ok)
        return rateLimited(
          `Rate limit: too many messages for this circle_hint; retry in ${r.retryAfterS} s`,
          r.retryAfterS,
        );
    }
    const result = await this.d.store.write(hint, items);
    if ("refused" in result) return storageRefusal(result);
    const stored = result.stored;
    const nowS = Math.floor(this.d.nowMs() / 1000);
    if (stored.length) {
      // Duplicates cost nothing: clients re-push freely (the Python TUI every 8 s).
      rate?.charge(hint, this.d.nowMs(), stored.length);
      for (const e of stored)
        this.d.cache.add({ seq: e.seq, bytes: rowBytes(e.payload), storedAt: e.storedAt, expiresAt: e.expiresAt });
      if (this.d.hub.listening(hint)) this.d.hub.publish(hint, pushFrame(stored, nowS));
    }
    return ok(`{"ok":true,"stored":${stored.length},"server_time":${nowS}}`);
  }

  /** One page of GET /v1/messages as UTF-8 JSON. */
  page(q: PageQuery): Outcome<Uint8Array<ArrayBuffer>> {
    const hint = q.circle_hint;
    if (!isIdOfBytes(hint, L.RELAY_ID_MIN, L.RELAY_ID_MAX)) return invalid(HINT_DETAIL);
    const limit = q.limit === undefined ? L.RELAY_PAGE_DEFAULT : clamp(intCast(q.limit), 1, L.RELAY_PAGE_MAX);
    if (q.before !== undefined) {
      const nowS = Math.floor(this.d.nowMs() / 1000);
      const before = Number(q.before);
      const seqs = this.d.store.seqsBefore(hint, before, limit + 1);
      const more = seqs.length > limit;
      if (more) seqs.shift();
      const total = q.count === "1" ? this.d.store.count(hint) : undefined;
      return ok(beforePageJson(live(this.d.cache.get(seqs), nowS), nowS, seqs, before, more, total));
    }
    if (q.cursor !== undefined)
      return ok(this.cursorPage(hint, Number(q.cursor), limit, Math.floor(this.d.nowMs() / 1000)));
    // `since` answers declare seconds complete by the clock, so the clock is read under the
    // write lock (store.settledNowS) and before any row is: no writer can still commit a row
    // stamped with a second this answer calls complete, even in another process.
    return ok(this.sincePage(hint, intCast(q.since), limit, this.d.store.settledNowS()));
  }

  private cursorPage(hint: string, cursor: number, limit: number, nowS: number): Uint8Array<ArrayBuffer> {
    const key = `c${cursor}/${limit}/${hint}`;
    const known = this.recall(key);
    if (known) return pageJson(live(known.rows, nowS), nowS, known.page.seqs[limit - 1]!, true);
    const seqs = this.d.store.seqsAfter(hint, cursor, limit + 1);
    const more = seqs.length > limit;
    if (more) {
      seqs.length = limit;
      this.remember(key, { seqs, serverTime: 0 });
    }
    const next = seqs.length ? seqs[seqs.length - 1]! : cursor;
    return pageJson(live(this.d.cache.get(seqs), nowS), nowS, next, more);
  }

  /**
   * Original clients page by `since` and take their next `since` from server_time (web:
   * server_time - 1, Python: server_time). So a page always ends on a complete second U
   * (all rows stored at or before U are in it, even past `limit`), U >= since + 2 so both
   * clients advance, and server_time = U while rows remain; once none remain it is now - 1,
   * which also catches rows stored later in the current second (the Python `>` case of W8).
   */
  private sincePage(hint: string, since: number, limit: number, nowS: number): Uint8Array<ArrayBuffer> {
    const key = `s${since}/${limit}/${hint}`;
    const known = this.recall(key);
    if (known)
      return pageJson(
        live(known.rows, nowS),
        known.page.serverTime,
        known.page.seqs[known.page.seqs.length - 1]!,
        true,
      );
    const store = this.d.store;
    const first = store.seqsSince(hint, since, limit + 1);
    if (first.length <= limit) {
      const next = first.length ? first[first.length - 1]! : store.lastSeq(hint);
      return pageJson(live(this.d.cache.get(first), nowS), nowS - 1, next, false);
    }
    const rows = this.d.cache.get(first);
    const beyond = rows.length === first.length ? rows.pop()! : null;
    const lastAt = rows.length ? rows[rows.length - 1]!.storedAt : since + 1;
    // Common case: the page already ends on a second boundary and advances far enough.
    if (beyond && beyond.storedAt > lastAt && lastAt >= since + 2) {
      first.length = limit;
      this.remember(key, { seqs: first, serverTime: lastAt });
      return pageJson(live(rows, nowS), lastAt, first[limit - 1]!, true);
    }
    const upTo = Math.max(lastAt, since + 2);
    const seqs = store.seqsStoredBetween(hint, since, upTo, L.RELAY_SINCE_PAGE_MAX + 1);
    // Only reachable with rate limits off: more rows in two seconds than a page may hold.
    // Advancing is preferred to serving the same page forever; cursor clients are unaffected.
    const overflow = seqs.length > L.RELAY_SINCE_PAGE_MAX;
    if (overflow) seqs.length = L.RELAY_SINCE_PAGE_MAX;
    const more = overflow || store.hasStoredAfter(hint, upTo);
    if (more && seqs.length) this.remember(key, { seqs, serverTime: upTo });
    const next = seqs.length ? seqs[seqs.length - 1]! : store.lastSeq(hint);
    return pageJson(live(this.d.cache.get(seqs), nowS), more ? upTo : nowS - 1, next, more);
  }

  /** The frame sent when a subscriber connects: envelopes of the last `windowS` seconds. */
  backlogFrame(hint: string, windowS: number, max: number): string | null {
    const nowS = Math.floor(this.d.nowMs() / 1000);
    const rows = live(this.d.cache.get(this.d.store.recentSeqs(hint, nowS - windowS, max)), nowS);
    return rows.length ? backlogFrame(rows, nowS) : null;
  }
}

/** A POST body's envelopes, checked (nothing is stored unless all pass). */
export function validBatch(body: PostMessagesBody): Outcome<NewEnvelope[]> {
  if (!isIdOfBytes(body.circle_hint, L.RELAY_ID_MIN, L.RELAY_ID_MAX)) return invalid(HINT_DETAIL);
  const list = body.messages ?? [];
  const items: NewEnvelope[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const m = list[i]!;
    if (!isIdOfBytes(m.msg_id, L.RELAY_MSG_ID_MIN, L.RELAY_MSG_ID_MAX))
      return invalid(`Field 'msg_id' must be a string (${L.RELAY_MSG_ID_MIN}-${L.RELAY_MSG_ID_MAX} bytes)`);
    if (m.text !== undefined && byteLength(m.text) > L.RELAY_TEXT_MAX_BYTES)
      return invalid(`Field 'text' must be a string (<= ${L.RELAY_TEXT_MAX_BYTES} bytes)`);
    const payload = JSON.stringify(m);
    if (payload.length > L.RELAY_ENVELOPE_MAX_BYTES || byteLength(payload) > L.RELAY_ENVELOPE_MAX_BYTES)
      return tooLarge(`Message ${i} is too large (max ${L.RELAY_ENVELOPE_MAX_BYTES} bytes of JSON)`);
    items[i] = { msgId: m.msg_id, createdTs: m.created_ts ?? 0, payload };
  }
  return ok(items);
}

/** A page query's circle_hint, or the refusal of it. */
export const hintError = (hint: string) =>
  isIdOfBytes(hint, L.RELAY_ID_MIN, L.RELAY_ID_MAX) ? null : invalid(HINT_DETAIL);
/** A page query's limit (PHP's integer cast, clamped). */
export const pageLimit = (limit: string | undefined) =>
  limit === undefined ? L.RELAY_PAGE_DEFAULT : clamp(intCast(limit), 1, L.RELAY_PAGE_MAX);

export function storageRefusal(r: StorageRefusal): Refusal {
  if (r.refused === "hint_quota")
    return quotaExceeded(
      `Quota: this circle_hint holds as many envelope bytes as the relay keeps per circle; retry in ${r.retryAfterS} s`,
      r.retryAfterS,
    );
  if (r.refused === "relay_full")
    return insufficientStorage("Relay storage is full (nothing old enough to make room); retry later");
  return insufficientStorage("Relay disk is nearly full; retry later");
}

export function live(rows: EnvelopeRow[], nowS: number): EnvelopeRow[] {
  for (const r of rows) if (r.expiresAt <= nowS) return rows.filter((x) => x.expiresAt > nowS);
  return rows;
}
