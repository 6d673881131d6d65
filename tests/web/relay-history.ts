// A felund relay holding a node's long v2 history (issue 17), for the relay-only peer's fill and
// memory tests: N signed texts in #general written through the node's store (composeText), pushed
// to the relay by the node, and the relay waited for until it holds every row; plus the log's
// paging through all of #general as the web client does it; and a suite's set-up around them.
import { afterAll, beforeAll, expect } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import type { FetchLike } from "../../src/peer/relay/api.ts";
import { composeText } from "../../src/sync/v2-apply.ts";
import type { BackendEvent, MessageView } from "../../ui/shared/types.ts";
import type { Persistence } from "../../ui/web/src/relay/persist.ts";
import { RelayBackend } from "../../ui/web/src/relay/relay-backend.ts";
import { startV2Node } from "../node/helpers.ts";
import { startRelay, type TestRelay, waitFor } from "./relay-helpers.ts";

export interface RelayHistory {
  relay: TestRelay;
  node: FelundNode;
  circleId: string;
  /** the node's #general, oldest first */
  history: string[];
}

export async function relayWithHistory(n: number): Promise<RelayHistory> {
  const relay = startRelay();
  const node = await startV2Node("olivia");
  const circleId = node.createCircle("long").circleId;
  const start = Date.now();
  node.store.transaction(() => {
    for (let i = 0; i < n; i++) {
      const nowMs = start + i;
      const r = composeText(
        { store: node.store, calls: node.calls, self: node.keys, now: Math.floor(Date.now() / 1000) },
        {
          circleId,
          channelId: "general",
          displayName: "olivia",
          now: Math.floor(nowMs / 1000),
          nowMs,
          rng: node.ctx.rng,
          text: `h${i}`,
        },
      );
      if (!r.ok) throw new Error(r.reason);
    }
  });
  const history = node.store.channelMessages(circleId, "general", { limit: n + 10 }).map((m) => m.msgId);
  expect(history).toHaveLength(n);
  node.configureRelay(relay.base);
  const all = (
    node.store.sql.query("SELECT count(*) AS n FROM messages WHERE circle_id = ?").get(circleId) as { n: number }
  ).n;
  const held = () => (relay.db.$client.query("SELECT count(*) AS n FROM relay_messages").get() as { n: number }).n;
  await waitFor("the relay holds the history", () => held() >= all, 30_000);
  return { relay, node, circleId, history };
}

/** Every message of #general in the peer's store, paging back from the newest as the log does. */
export async function allOf(b: RelayBackend, circleId: string): Promise<MessageView[]> {
  const out: MessageView[] = [];
  let before: { sortMs: number; seq: number } | undefined;
  for (let i = 0; i < 100; i++) {
    const page = (await b.listMessages(circleId, "general", { limit: 200, before })).filter((m) => !m.event);
    if (!page.length) return out;
    out.unshift(...page);
    before = page[0]!;
  }
  throw new Error("paging did not end");
}

/**
 * A test file's relay and node with `n` messages: made before its tests and handed to `take`;
 * stopped after them, with every peer `open` gave. `open`: a relay-only peer that polls (no
 * WebSocket) and records its events.
 */
export function relayHistorySuite(n: number, take: (h: RelayHistory) => void) {
  const opened: RelayBackend[] = [];
  let h: RelayHistory | undefined;
  beforeAll(async () => {
    h = await relayWithHistory(n);
    take(h);
  });
  afterAll(() => {
    for (const b of opened) b.close();
    h?.node.stop();
    h?.relay.stop();
  });
  return {
    async open(persist: Persistence, fetchImpl?: FetchLike) {
      const b = await RelayBackend.open({
        relayBase: h!.relay.base,
        persist,
        fetch: fetchImpl,
        pollMs: 300,
        idlePollMs: 2000,
        reconnectMs: 200,
        WebSocketImpl: null as unknown as undefined, // polling only
      });
      opened.push(b);
      const events: BackendEvent[] = [];
      b.subscribe((e) => events.push(e));
      return { b, events };
    },
  };
}
