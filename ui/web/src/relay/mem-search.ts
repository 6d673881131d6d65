// Full-text search in the relay-only browser's store: the port's searchMessages for MemStore,
// a scan of the circle's readable rows with the matcher the node's FTS5 index agrees with
// (src/sync/search.ts). Loaded with the search UI, never at first load: importing this module
// gives every MemStore the method (mem-messages.ts declares it).
import { matchText, type SearchQuery } from "../../../../src/sync/search.ts";
import type { OrderKey, StoredMessage } from "../../../../src/sync/store.ts";
import { MemMessages, own } from "./mem-messages.ts";

const cmp = (a: OrderKey, b: OrderKey) => a.sortMs - b.sortMs || a.seq - b.seq;

MemMessages.prototype.searchMessages = function (
  this: MemMessages,
  circleId: string,
  q: SearchQuery,
  { channelId, limit, before }: { channelId?: string; limit: number; before?: OrderKey },
): StoredMessage[] {
  // (the rows themselves, copied only when they are the page: a scan of 100,000 copies none)
  return [...(this as unknown as { messages: Map<string, StoredMessage> }).messages.values()]
    .filter(
      (m) =>
        m.circleId === circleId &&
        m.channelId !== "__control" &&
        !(m.kind === 4 || m.kind === 5 || m.kind === 6) &&
        (channelId === undefined || m.channelId === channelId) &&
        m.text &&
        (!before || cmp(m, before) < 0) &&
        matchText(m.text, q),
    )
    .sort((a, b) => cmp(b, a))
    .slice(0, limit)
    .map(own);
};
