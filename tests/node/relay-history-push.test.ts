// A node that joins a relay with a circle's history already written pushes it over
// POST /v1/messages/batch with the circle's push key (docs/PROTOCOL.md §25): all of it, each
// envelope once, in the node's order, far faster than the relay's per-circle rate would let
// single POSTs; and to a relay without the endpoint (an original relay: 404) it falls back to
// POST /v1/messages batches of 50.
import { afterAll, expect, test } from "bun:test";
import { openMemoryDb, type Db } from "../../db/client.ts";
import { fromHex } from "../../src/protocol/bytes.ts";
import { circleHint } from "../../src/protocol/ids.ts";
import { relayId } from "../../src/protocol/v2/envelope.ts";
import type { FelundNode } from "../../src/node/node.ts";
import { createRelayApp, NO_RATE_LIMITS } from "../../src/relay/app.ts";
import { startV2Node, waitFor } from "./helpers.ts";

const stops: (() => void)[] = [];
afterAll(() => {
  for (const s of stops.splice(0)) s();
});

const rowsOf = (db: Db, hint: string) =>
  (
    db.$client.query("SELECT msg_id FROM relay_messages WHERE circle_hint = ? ORDER BY seq").all(hint) as {
      msg_id: string;
    }[]
  ).map((r) => r.msg_id);

/** A relay on 127.0.0.1; `noBatch`: a front that answers 404 to /v1/messages/batch, as an original relay. */
function relayOn(rate: Parameters<typeof createRelayApp>[0]["config"], noBatch = false) {
  const db = openMemoryDb();
  const app = createRelayApp({ db, config: rate });
  const posts = { batch: 0, single: 0 };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (req.method === "POST" && path === "/v1/messages/batch") {
        if (noBatch) return new Response("not found", { status: 404 });
        posts.batch++;
      } else if (req.method === "POST" && path === "/v1/messages") posts.single++;
      return app.handle(req);
    },
  });
  stops.push(() => server.stop(true));
  return { db, base: `http://127.0.0.1:${server.port}`, posts };
}

async function nodeWithHistory(name: string, n: number): Promise<{ node: FelundNode; circleId: string }> {
  const node = await startV2Node(name);
  stops.push(() => node.stop());
  const { circleId } = node.createCircle("history");
  for (let i = 0; i < n; i++) node.send(circleId, "general", `old ${i}`);
  return { node, circleId };
}

/** The relay ids of the circle's messages in the node's order (what the relay must hold, in this order). */
function expectedIds(node: FelundNode, circleId: string): string[] {
  const secret = fromHex(node.store.getCircle(circleId)!.secretHex);
  return node.store.circleMessagesAfterSeq(circleId, 0, 1_000_000).map((m) => relayId(secret, m.msgId));
}

test("a 3,000-message history goes to the relay over the batch endpoint: all, once each, in order, past the per-circle rate", async () => {
  // single POSTs could store at most 10 + 1/s: only the push allowance lets it all in quickly
  const r = relayOn({ rate: { ...NO_RATE_LIMITS, hintMessages: { perSecond: 1, burst: 10 } } });
  const { node, circleId } = await nodeWithHistory("historian", 3000);
  const want = expectedIds(node, circleId);
  expect(want.length).toBeGreaterThanOrEqual(3000);
  const t0 = performance.now();
  node.configureRelay(r.base);
  const hint = circleHint(circleId);
  await waitFor(() => rowsOf(r.db, hint).length >= want.length, 15_000, "the whole history on the relay");
  const s = (performance.now() - t0) / 1000;
  await Bun.sleep(300);
  const got = rowsOf(r.db, hint);
  expect(got).toEqual(want);
  expect(r.posts.batch).toBeGreaterThanOrEqual(3);
  console.log(`history push: ${want.length} envelopes in ${s.toFixed(2)} s (${r.posts.batch} batches)`);
}, 30_000);

test("a relay without the batch endpoint (404) gets the history in POST /v1/messages batches of 50", async () => {
  const r = relayOn({ rate: false }, true);
  const { node, circleId } = await nodeWithHistory("fallback", 300);
  const want = expectedIds(node, circleId);
  node.configureRelay(r.base);
  const hint = circleHint(circleId);
  await waitFor(() => rowsOf(r.db, hint).length >= want.length, 15_000, "the whole history on the relay");
  await Bun.sleep(300);
  expect(rowsOf(r.db, hint)).toEqual(want);
  expect(r.posts.single).toBeGreaterThanOrEqual(Math.ceil(want.length / 50));
}, 30_000);
