// A join between two nodes over real sockets (issue 17): the joiner's node checks the streamed
// fill's signatures in its worker pool (nodeVerifier), and while four frames wait for their checks
// its connection stops reading the socket (LineConn.checkPauses), then reads on: the whole history
// arrives, every message verified, and search finds it.
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import type { LineConn } from "../../src/node/line-conn.ts";
import type { FelundNode } from "../../src/node/node.ts";
import * as svc from "../../src/node/service.ts";
import { parseSearchQuery } from "../../src/sync/search.ts";
import { startV2Node, waitFor } from "./helpers.ts";

setDefaultTimeout(120_000);
const nodes: FelundNode[] = [];
afterEach(() => {
  while (nodes.length) nodes.pop()!.stop();
});

const conns = (n: FelundNode, cid: string): LineConn[] =>
  [...((n as unknown as { sessions: Map<string, Set<{ conn: LineConn }>> }).sessions.get(cid) ?? [])].map(
    (s) => s.conn,
  );

test("a joiner's node checks a big history in its workers, pausing its socket while frames wait, and gets all of it", async () => {
  const a = await startV2Node("alice");
  nodes.push(a);
  const { circleId: cid, code } = a.createCircle("big");
  const N = 3000;
  // ~2.1 KB signed each: ~17 fill frames of 384 KiB, more than the 4 a connection lets wait
  a.store.transaction(() => {
    for (let i = 0; i < N; i++) svc.sendMessage(a.ctx, cid, "general", `word${i} ${"y".repeat(2000)}`);
  });
  const b = await startV2Node("bob");
  nodes.push(b);
  await b.join({ code });
  await waitFor(() => b.store.countChatMessages(cid) >= N, 60_000, "bob holds the history");
  expect(b.store.countChatMessages(cid)).toBe(N);
  const pauses = conns(b, cid).reduce((k, c) => k + c.checkPauses, 0);
  expect(pauses).toBeGreaterThan(0);
  for (const i of [0, N - 1, 1234])
    expect(b.store.searchMessages(cid, parseSearchQuery(`word${i}`), { limit: 5 }).length).toBe(1);
});
