// A felund relay holding a node's long v2 history (issue 17), for the relay-only peer's fill and
// memory tests: N signed texts in #general written through the node's store (composeText), pushed
// to the relay by the node, and the relay waited for until it holds every row; plus the log's
// paging through all of #general as the web client does it.
import { expect } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import { composeText } from "../../src/sync/v2-apply.ts";
import type { MessageView } from "../../ui/shared/types.ts";
import type { RelayBackend } from "../../ui/web/src/relay/relay-backend.ts";
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
