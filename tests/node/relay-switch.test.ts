// The relay client never posts a message back to the relay it came from, but a node that moves
// to another relay carries there what the first one brought (the store remembers which relay a
// message arrived from), so relay-only members on the new relay get the whole history.
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import { RelayBackend } from "../../ui/web/src/relay/relay-backend.ts";
import { MemoryPersistence } from "../../ui/web/src/relay/persist.ts";
import { startRelay } from "../web/relay-helpers.ts";
import { startV2Node, waitFor } from "./helpers.ts";
import { circleHint } from "../../src/protocol/ids.ts";

setDefaultTimeout(30_000);
const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

const browserOn = async (base: string) => {
  const b = await RelayBackend.open({
    relayBase: base,
    persist: new MemoryPersistence(),
    pollMs: 300,
    idlePollMs: 2000,
    reconnectMs: 200,
  });
  cleanup.push(() => b.close());
  const got: string[] = [];
  b.subscribe((e) => {
    if (e.t === "message" && !e.message.own) got.push(e.message.text);
  });
  return { b, got };
};

test("a message from relay 1 is not posted back to it, and is carried to relay 2 when the node moves there", async () => {
  const r1 = startRelay();
  const r2 = startRelay();
  cleanup.push(
    () => r1.stop(),
    () => r2.stop(),
  );
  const node: FelundNode = await startV2Node("nora", { relay: r1.base });
  cleanup.push(() => node.stop());
  const { circleId: cid } = node.createCircle("moving", { legacy: true });
  const code = node.inviteCode(cid);
  const one = await browserOn(r1.base);
  await one.b.joinCircle(code);
  const rows = (r: typeof r1) =>
    (
      r.db.$client.query("SELECT COUNT(*) AS n FROM relay_messages WHERE circle_hint = ?").get(circleHint(cid)) as {
        n: number;
      }
    ).n;
  const sent = await one.b.send(cid, "general", "said on relay 1");
  await waitFor(() => node.store.hasMessage(sent.msgId), 8000, "the node has it from relay 1");
  const before = rows(r1);
  await Bun.sleep(500); // room for a push back, if there were one
  expect(rows(r1)).toBe(before);
  // the node moves to relay 2; a relay-only member there reads the history the node holds
  node.configureRelay(r2.base);
  const two = await browserOn(r2.base);
  await two.b.joinCircle(code);
  await waitFor(() => two.got.includes("said on relay 1"), 8000, "relay 2's browser reads what came through relay 1");
});
