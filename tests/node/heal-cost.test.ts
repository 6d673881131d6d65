// Issue 17: a heal round on a long-lived v2 session costs what differs, not what was sent.
// Before 53c7097 a session never added the messages its own node sent to its reconciliation
// items, so every heal fetched back everything sent since the session opened (500 items
// served and stored again here after 50 + 50 sends and two heals a side); now nothing moves.
import { afterEach, expect, test } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import { V2Messages } from "../../src/sync/v2-messages.ts";
import { startV2Node, waitFor } from "./helpers.ts";

const nodes: FelundNode[] = [];
afterEach(() => {
  while (nodes.length) nodes.pop()!.stop();
});

/** Count what reconciliation serves (MSGS not pushed) and what MSGS frames bring in. */
function countTraffic() {
  const P = V2Messages.prototype;
  const msgFrames = P.msgFrames;
  const storeItems = P.storeItems;
  const answerRecon = P.answerRecon;
  const c = { served: 0, received: 0, recons: 0 };
  P.answerRecon = function (this: V2Messages, ranges, recon2) {
    c.recons++;
    return answerRecon.call(this, ranges, recon2);
  };
  P.msgFrames = function (this: V2Messages, ids, pushed) {
    if (!pushed) c.served += ids.length;
    return msgFrames.call(this, ids, pushed);
  };
  P.storeItems = function (this: V2Messages, items, ...rest) {
    c.received += items.length;
    return storeItems.call(this, items, ...rest);
  };
  return {
    c,
    restore() {
      P.msgFrames = msgFrames;
      P.storeItems = storeItems;
      P.answerRecon = answerRecon;
    },
  };
}

/** A heal round of the node's live sessions (what every twelfth gossip round does). */
const heal = (n: FelundNode, circleId: string) =>
  (n as unknown as { sessions: { resync(id: string): void } }).sessions.resync(circleId);

test("after 50 sends a side, heal rounds on a live session serve and fetch nothing", async () => {
  const a = await startV2Node("alice");
  const b = await startV2Node("bob");
  nodes.push(a, b);
  const { circleId, code } = a.createCircle("friends");
  await b.join({ code });
  await waitFor(() => a.sessionPeers(circleId).includes(b.nodeId), 3000, "a live session");
  for (let i = 0; i < 50; i++) a.send(circleId, "general", `a${i}`);
  for (let i = 0; i < 50; i++) b.send(circleId, "general", `b${i}`);
  const count = (n: FelundNode) => n.store.countChatMessages(circleId);
  await waitFor(() => count(a) === 100 && count(b) === 100, 3000, "both hold all 100");
  const t = countTraffic();
  try {
    for (let round = 0; round < 2; round++) {
      heal(a, circleId);
      heal(b, circleId);
      await Bun.sleep(300);
    }
    // each heal is one reconciliation round that the other side answers, and nothing else
    expect(t.c).toEqual({ served: 0, received: 0, recons: 4 });
    expect(a.sessionPeers(circleId)).toEqual([b.nodeId]);
  } finally {
    t.restore();
  }
});
