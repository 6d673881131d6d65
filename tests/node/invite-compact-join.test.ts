// Two real nodes join with the codes a node now hands out (issue 14, item 5): compact felund2
// codes (docs/PROTOCOL.md §10.3), pasted wrapped over lines with spaces, through a real relay
// app (the owner answers on the relay's /v1/signal) and over TCP on the same network.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import { fromBase64Url } from "../../src/protocol/bytes.ts";
import { startRelay, type TestRelay } from "../web/relay-helpers.ts";
import { startV2Node, waitFor } from "./helpers.ts";

setDefaultTimeout(60_000);

let relay: TestRelay;
const nodes: FelundNode[] = [];
beforeAll(() => {
  relay = startRelay();
});
afterAll(() => {
  for (const n of nodes) n.stop();
  relay.stop();
});

const isCompact = (code: string) => fromBase64Url(code.slice("felund2.".length))[0] === 3;
/** a code as a chat client might hand it on: broken into lines of 60, with spaces */
const wrapped = (code: string) => `  ${code.replace(/(.{60})/g, "$1\n ")}\n`;

test("a compact relay code, pasted wrapped, admits a node on another network; messages follow", async () => {
  const owner = await startV2Node("owner", { relay: relay.base, relayWs: false });
  const joiner = await startV2Node("joiner", { relay: relay.base, relayWs: false });
  nodes.push(owner, joiner);
  const { circleId } = owner.createCircle("club");
  const code = owner.inviteCode(circleId, { viaRelay: true });
  expect(isCompact(code)).toBe(true);
  const r = await joiner.join({ code: wrapped(code) });
  expect(r).toMatchObject({ circleId, created: true });
  expect(joiner.store.getCircle(circleId)?.name).toBe("club");
  owner.send(circleId, "general", "welcome through the relay");
  await waitFor(
    () =>
      joiner.store
        .channelMessages(circleId, "general", { limit: 10 })
        .some((m) => m.text === "welcome through the relay"),
    20_000,
    "the owner's message at the joiner",
  );
});

test("a compact LAN code admits a node over TCP", async () => {
  const owner = await startV2Node("owner2");
  const joiner = await startV2Node("joiner2");
  nodes.push(owner, joiner);
  const { circleId } = owner.createCircle("lan club");
  const code = owner.inviteCode(circleId);
  expect(isCompact(code)).toBe(true);
  const r = await joiner.join({ code: wrapped(code) });
  expect(r).toMatchObject({ circleId, created: true });
  expect(joiner.store.getCircle(circleId)?.name).toBe("lan club");
});
