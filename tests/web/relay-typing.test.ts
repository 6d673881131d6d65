// Typing between a relay-only browser peer (ui/web/src/relay, run in Bun) and a node, through a
// real felund relay (docs/PROTOCOL.md §22): the browser's composer typing shows on the node
// within a second, and the node's on the browser, as the shared store's line ("nora is
// typing…"); the author's message clears it; the relay stores nothing of it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import type { NodeEvent } from "../../src/node/shell-ports.ts";
import { ChatStore } from "../../ui/shared/chat-store.ts";
import { typingLine } from "../../ui/shared/typing-line.ts";
import { userTyped } from "../../ui/shared/typing.ts";
import { RelayBackend } from "../../ui/web/src/relay/relay-backend.ts";
import { MemoryPersistence } from "../../ui/web/src/relay/persist.ts";
import { startV2Node } from "../node/helpers.ts";
import { startRelay, type TestRelay, waitFor } from "./relay-helpers.ts";

let relay: TestRelay;
const stops: (() => void)[] = [];
beforeAll(() => {
  relay = startRelay();
});
afterAll(() => {
  for (const s of stops.splice(0)) s();
  relay.stop();
});

describe("typing through the relay", () => {
  test("relay-only browser ↔ node: each shows the other typing within a second, cleared by the message", async () => {
    const node: FelundNode = await startV2Node("nora", { relay: relay.base });
    stops.push(() => node.stop());
    const { circleId } = node.createCircle("mixed");
    const b = await RelayBackend.open({
      relayBase: relay.base,
      persist: new MemoryPersistence(),
      pollMs: 300,
      idlePollMs: 2000,
      reconnectMs: 200,
    });
    stops.push(() => b.close());
    await b.updateSettings({ displayName: "bea" });
    await b.joinCircle(node.inviteCode(circleId, { viaRelay: true }));
    const store = new ChatStore(b);
    await store.init({ circleId });
    const nodeSeen: Extract<NodeEvent, { t: "typing" }>[] = [];
    node.subscribe((e) => e.t === "typing" && nodeSeen.push(e));
    // both sockets up (the relay says FEATURES right after the upgrade)
    await waitFor("browser socket", () => b.relay.sync.circleStates().find((c) => c.circleId === circleId)?.ws, 8000);
    await waitFor("node socket", () => node.relay?.status().circles.find((c) => c.circleId === circleId)?.ws, 8000);
    await Bun.sleep(200);
    const bea = (await b.getState()).node.nodeId;

    // the browser's composer
    let t0 = Date.now();
    userTyped(store, "hel");
    await waitFor("the node shows bea typing", () => nodeSeen.at(-1)?.who.includes(bea), 1000);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(nodeSeen.at(-1)).toEqual({ t: "typing", circleId, channelId: "general", who: [bea] });
    await store.sendText("hello nora");
    await waitFor("cleared on the node by bea's message", () => nodeSeen.at(-1)?.who.length === 0, 5000);

    // the node's user types (what its local API does)
    t0 = Date.now();
    expect(node.typing.local(circleId, "general")).toBe(true);
    await waitFor("the browser's line", () => typingLine(store) === "nora is typing…", 1000);
    expect(Date.now() - t0).toBeLessThan(1000);
    node.send(circleId, "general", "hi bea");
    await waitFor("cleared in the browser by nora's message", () => typingLine(store) === "", 5000);

    const rows = relay.db.$client
      .query("SELECT COUNT(*) AS n FROM relay_messages WHERE payload LIKE '%TYPING%'")
      .get() as {
      n: number;
    };
    expect(rows.n).toBe(0);
    store.dispose();
  }, 40_000);
});
