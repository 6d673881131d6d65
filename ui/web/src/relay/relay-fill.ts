// A page of a circle's older history, filled in newest first behind the latest page
// (docs/PROTOCOL.md §27, src/peer/relay/older.ts), stored in the relay-only browser: signatures
// checked by WebCrypto in a Worker (sig-check.ts: off the main thread, the page at once), opened
// by the v2 engine with the store's channel lists merged once for the page (one insertion each at
// their front would move the whole list: quadratic over a fill), and written in one IndexedDB
// transaction, then kept compact in memory (mem-cold.ts). No per-message event: the log holds a window of the newest messages and loads
// older pages from the store as it scrolls; the fill's progress is told instead ("syncing
// history: 42,000 of 100,000"). A chunk of its own, loaded by the first older page.
import type { FillView } from "../../../../src/peer/fill-progress.ts";
import type { StoredMessage } from "../../../../src/sync/store.ts";
import type { RelayEnvelopes, V1Codec } from "../../../../src/sync/relay-envelopes.ts";
import { RELAY_OLDER, type V2Ctx } from "../../../../src/sync/v2-apply.ts";
import type { MemStore } from "./mem-store.ts";
import { checkSignatures } from "./sig-check.ts";
import { compactSaved } from "./mem-cold.ts";

/** What a page needs of the browser peer (relay-client.ts BrowserPeer) */
interface FillPeer {
  mem: MemStore;
  nodeId: string;
  ctx(): V2Ctx;
  v1(): V1Codec | null;
  refs(): Promise<unknown>;
  control?(): Promise<unknown>;
  flush(): Promise<void>;
  changed?(circleId: string): void;
  filled?(f: FillView): void;
  debug(line: string): void;
}
/** … and of its relay client */
interface FillClient {
  links: Map<string, { env: RelayEnvelopes }>;
  fills: Map<string, FillView>;
  markPushed(ids: string[]): void;
  pushed: ReadonlySet<string>;
}

/** Apply a page (none: only the relay's total, after the newest page); `written` settles once it is in IndexedDB. */
export async function ingestOlder(
  p: FillPeer,
  c: FillClient,
  circleId: string,
  raws: unknown[],
  total?: number,
  again = false,
): Promise<{ written: Promise<void>; notYet?: number }> {
  const none = { written: Promise.resolve() };
  const l = c.links.get(circleId);
  if (!l) return none;
  if (raws.length) {
    const checks = l.env.signatureChecks(p.mem, raws);
    // (as RelayClient.ingest: the rules of direct messages before the first one)
    if (checks.some((x) => x.msg[48] === 95 && x.msg[50] === 100))
      (await import("../../../../src/sync/dm.ts")).useDmRules();
    await checkSignatures(checks);
    if (l.env.refs) await p.refs();
    if (l.env.control) await p.control?.();
    if (!c.links.has(circleId)) return none;
  }
  // (a page read again: judged as a forward pull would, with what the fill has stored below it)
  const notYet = l.env.notYet;
  const fresh = batched(p.mem, () =>
    l.env.open({ ctx: p.ctx(), origin: again ? "relay" : RELAY_OLDER, v1: p.v1(), log: (x) => p.debug(x) }, raws),
  );
  c.markPushed(fresh.filter((r) => r.authorNodeId === p.nodeId).map((r) => r.msgId));
  if (fresh.some((r) => r.channelId === "__control")) p.changed?.(circleId);
  if (!again) progress(p, c, circleId, raws.length, total);
  // (each page's rows are kept compact once written, saved.ts; those written before this chunk loaded, now)
  const written = raws.length ? p.flush().then(() => compactSaved(p.mem, c.pushed)) : none.written;
  return { written, notYet: l.env.notYet - notYet };
}

/** A circle's fill went on by `got` (the relay's total when it said), or is done: told to the UI. */
export function progress(p: FillPeer, c: FillClient, circleId: string, got: number, total?: number, done = false) {
  const was = c.fills.get(circleId);
  if (!was && done) return;
  const f: FillView = {
    circleId,
    got: (was?.got ?? p.mem.countChatMessages(circleId)) + got,
    total: total ?? was?.total ?? 0,
    done,
  };
  if (done) c.fills.delete(circleId);
  else c.fills.set(circleId, f);
  p.filled?.({ ...f, got: Math.min(f.got, f.total || f.got) });
}

/** Display order, as the store's (mem-messages.ts). */
const cmp = (a: StoredMessage, b: StoredMessage) => a.sortMs - b.sortMs || a.seq - b.seq;

/** Run `fn` with the rows it places held, then merged into their channels' lists once. */
function batched<T>(mem: MemStore, fn: () => T): T {
  const m = mem as unknown as { byChannel: Map<string, StoredMessage[]> };
  const held = new Map<string, StoredMessage[]>();
  mem.held = (row, k) => void (held.get(k) ?? held.set(k, []).get(k)!).push(row);
  try {
    return fn();
  } finally {
    mem.held = undefined;
    for (const [k, rows] of held) m.byChannel.set(k, mergeSorted(m.byChannel.get(k) ?? [], rows.sort(cmp)));
  }
}

/** Two lists in display order as one. */
function mergeSorted(a: StoredMessage[], b: StoredMessage[]): StoredMessage[] {
  if (!a.length || cmp(b[b.length - 1]!, a[0]!) < 0) return b.concat(a);
  if (cmp(a[a.length - 1]!, b[0]!) <= 0) return a.concat(b);
  const out: StoredMessage[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(cmp(b[j]!, a[i]!) < 0 ? b[j++]! : a[i++]!);
  return out.concat(a.slice(i), b.slice(j));
}
