// A page of a circle's older history, filled in newest first behind the latest page
// (docs/PROTOCOL.md §27, src/peer/relay/older.ts), stored in the relay-only browser: signatures
// checked by WebCrypto (off the main thread, all of the page at once), opened by the v2 engine
// with the store's channel lists merged once for the page (not one insertion per message), and
// written in one IndexedDB transaction. No per-message event: the log holds a window of the
// newest messages and loads older pages from the store as it scrolls; the fill's progress is
// told instead (relay-client.ts). A chunk of its own, loaded by the first older page.
import { preverify } from "../../../../src/protocol/primitives.ts";
import type { BrowserPeer, RelayClient } from "./relay-client.ts";

/** Apply a page; `written` settles once it is in IndexedDB. */
export async function ingestOlder(
  p: BrowserPeer,
  c: RelayClient,
  circleId: string,
  raws: unknown[],
): Promise<{ written: Promise<void> }> {
  const none = { written: Promise.resolve() };
  const l = c.links.get(circleId);
  if (!l) return none;
  const checks = l.env.signatureChecks(p.mem, raws);
  // (as RelayClient.ingest: the rules of direct messages before the first one)
  if (checks.some((x) => x.msg[48] === 95 && x.msg[50] === 100))
    (await import("../../../../src/sync/dm.ts")).useDmRules();
  await preverify(checks);
  if (l.env.refs) await p.refs();
  if (l.env.control) await p.control?.();
  if (!c.links.has(circleId)) return none;
  const fresh = p.mem.batched(() =>
    l.env.open({ ctx: p.ctx(), origin: "relay", v1: p.v1(), log: (x) => p.debug(x) }, raws),
  );
  c.markPushed(fresh.filter((r) => r.authorNodeId === p.nodeId).map((r) => r.msgId));
  if (fresh.some((r) => r.channelId === "__control")) p.changed?.(circleId);
  return { written: p.flush() };
}
