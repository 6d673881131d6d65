// A heal round waits while a streamed fill (§23) is on its way: started by the serving side, it
// would find the joiner's lack again and queue the same history a second time; started by the
// joiner, the serving side would add the same fill ranges again (issue 17: a 1,000,000-message
// join is ~5 minutes, ~5 heal rounds).
import { expect, test } from "bun:test";
import { installNativePrimitives, nodeZip } from "../../src/node/native-primitives.ts";
import { toHex } from "../../src/protocol/bytes.ts";
import { V2Exchange, type V2Step } from "../../src/sync/v2-exchange.ts";
import { joinCircle, makeNode, NOW, post } from "./helpers.ts";

installNativePrimitives();

test("no heal round from either side while a fill is being sent; one afterwards finds nothing", () => {
  const owner = makeNode("olivia");
  const jack = makeNode("jack");
  owner.deps.zip = jack.deps.zip = nodeZip;
  const cid = joinCircle(owner, owner);
  owner.store.transaction(() => {
    for (let i = 0; i < 3000; i++) {
      owner.clock.now = NOW - 3000 + i;
      post(owner, cid, `history ${i} ${toHex(owner.deps.rng(800))}`);
    }
  });
  owner.clock.now = NOW;
  joinCircle(jack, owner);
  const c = V2Exchange.client(jack.deps, cid, owner.listenAddr);
  const s = V2Exchange.server(owner.deps, "127.0.0.1");
  const q = { c: [] as string[], s: [] as string[] };
  const feed = (to: "c" | "s", st: V2Step) => q[to].push(...st.send);
  // lines only, no more(): the fill's first step is sent, the rest waits for the queue to drain
  const lines = () => {
    while (q.s.length || q.c.length) {
      if (q.s.length) feed("c", s.receive(q.s.shift()!));
      else feed("s", c.receive(q.c.shift()!));
    }
  };
  feed("s", c.start());
  lines();
  expect(c.result.fill?.done).toBe(false);
  expect(s.resync().send).toEqual([]);
  expect(c.resync().send).toEqual([]);
  // the queue drains: the rest of the fill
  for (let i = 0; i < 1000; i++) {
    const more = s.more();
    if (!more.send.length) break;
    feed("c", more);
    lines();
  }
  expect(c.result.fill?.done).toBe(true);
  expect(jack.store.countChatMessages(cid)).toBe(3000);
  // now a heal round runs, and finds nothing to send
  const heal = s.resync();
  expect(heal.send.length).toBe(1);
  feed("c", heal);
  let bytes = 0;
  while (q.s.length || q.c.length) {
    if (q.s.length) {
      const st = s.receive(q.s.shift()!);
      bytes += st.send.reduce((n, l) => n + l.length, 0);
      feed("c", st);
    } else feed("s", c.receive(q.c.shift()!));
  }
  expect(bytes).toBeLessThan(200);
});
