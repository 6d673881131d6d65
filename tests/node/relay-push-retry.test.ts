// A node's push to its relay that is refused (here: the relay's per-circle rate limit, 429) is
// tried again within seconds. Before, with the WebSocket up, the next attempt waited for the
// next message written or the 60 s poll, so a message could sit a minute on the node.
import { afterAll, expect, test } from "bun:test";
import { openMemoryDb } from "../../db/client.ts";
import { circleHint } from "../../src/protocol/ids.ts";
import type { FelundNode } from "../../src/node/node.ts";
import { createRelayApp, NO_RATE_LIMITS, type RelayApp } from "../../src/relay/app.ts";
import { startV2Node, waitFor } from "./helpers.ts";

let relay: RelayApp;
let node: FelundNode;
afterAll(() => {
  node?.stop();
  relay?.stop(true);
});

test("a push refused with 429 is retried with backoff and lands without a new message or a poll", async () => {
  // one envelope per circle every 2 s, 2 at once, for single posts and history batches alike (§25):
  // the circle's first pushes use up the burst
  const db = openMemoryDb();
  relay = createRelayApp({
    db,
    config: {
      rate: { ...NO_RATE_LIMITS, hintMessages: { perSecond: 0.5, burst: 2 }, hintPush: { perSecond: 0.5, burst: 2 } },
    },
  });
  relay.listen({ hostname: "127.0.0.1", port: 0 });
  const base = `http://127.0.0.1:${relay.server!.port}`;
  node = await startV2Node("pusher", { relay: base });
  const { circleId } = node.createCircle("busy");
  const hint = circleHint(circleId);
  const rows = () =>
    (db.$client.query("SELECT count(*) AS n FROM relay_messages WHERE circle_hint = ?").get(hint) as { n: number }).n;
  // the WebSocket is up, so the client polls (and pushes on its own) only every 60 s
  await waitFor(
    () => node.relay?.status().circles.some((c) => c.circleId === circleId && c.ws) ?? false,
    5000,
    "the relay WebSocket",
  );
  await waitFor(() => rows() > 0, 5000, "the circle's first envelopes");
  const refused = () => node.relay!.lastError.includes("429");
  for (let i = 0; i < 3; i++) node.send(circleId, "general", `burst ${i}`);
  await waitFor(refused, 5000, "a refused push");
  const before = rows();
  // nothing else is written: only the retry can bring the rest to the relay
  await waitFor(() => rows() >= before + 1, 12_000, "the retried push");
  expect(rows()).toBeGreaterThan(before);
}, 30_000);
