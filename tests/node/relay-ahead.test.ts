// A node's relay client keeps v2 envelopes of an epoch it does not hold yet and opens them
// once the REKEY arrives: on a relay the new epoch's messages can come before the REKEY (a
// member that got it over TCP wrote first), and the pull cursor has moved on by then, so
// dropping them lost those messages for a node that reaches the circle only via the relay.
import { afterEach, describe, expect, test } from "bun:test";
import { fromBase64 } from "../../src/protocol/bytes.ts";
import { decodeMessage } from "../../src/protocol/v2/message.ts";
import { sealEnvelopeV2 } from "../../src/protocol/v2/envelope.ts";
import { fromHex } from "../../src/protocol/bytes.ts";
import type { FelundNode } from "../../src/node/node.ts";
import { RelayClient } from "../../src/node/relay-client.ts";
import { epochKey } from "../../src/sync/v2-apply.ts";
import { startV2Node, waitFor } from "./helpers.ts";

const nodes: FelundNode[] = [];
afterEach(() => {
  while (nodes.length) nodes.pop()!.stop();
});
const v2 = async (n: string) => {
  const x = await startV2Node(n);
  nodes.push(x);
  return x;
};
const texts = (n: FelundNode, cid: string) =>
  n.store.channelMessages(cid, "general", { limit: 200 }).map((m) => m.text);

/** Every v2 message `from` holds in the circle, sealed as the relay would carry it, with its epoch. */
function envelopesOf(from: FelundNode, circleId: string): { epoch: number; text: string | null; env: unknown }[] {
  const circle = from.store.getCircle(circleId)!;
  const secret = fromHex(circle.secretHex);
  return from.store.circleMessagesAfterSeq(circleId, 0, 10_000).flatMap((m) => {
    const wire = from.store.getV2Wire(m.msgId);
    if (!wire) return [];
    const signed = decodeMessage(fromBase64(wire));
    const ek = epochKey(from.store, circle, signed.keyEpoch)!;
    const env = sealEnvelopeV2(
      { secret, epoch: signed.keyEpoch, epochKey: ek, message: signed },
      crypto.getRandomValues(new Uint8Array(12)),
    );
    return [{ epoch: signed.keyEpoch, text: m.channelId === "general" ? m.text : null, env }];
  });
}

describe("relay client and epochs", () => {
  test("a new epoch's message that arrives before its REKEY is kept and stored once the REKEY comes", async () => {
    const [a, b, d] = [await v2("alice"), await v2("bob"), await v2("dora")];
    const { circleId, code } = a.createCircle("club");
    await b.join({ code });
    await d.join({ code: a.inviteCode(circleId) });
    a.send(circleId, "general", "before kick");
    await waitFor(() => texts(d, circleId).includes("before kick"), 3000, "dora has the first message");
    await waitFor(() => a.store.listMemberCards(circleId).length === 3, 3000, "cards");
    // dora goes offline: from now on she only hears the circle through a relay
    d.stop();
    a.kick(circleId, [b.nodeId]);
    a.send(circleId, "general", "after kick");
    const all = envelopesOf(a, circleId);
    const fresh = all.filter((e) => e.epoch === 1);
    expect(fresh.map((e) => e.text)).toContain("after kick");
    expect(d.store.getCircle(circleId)!.keyEpoch).toBe(0);

    const relay = new RelayClient(d, "http://127.0.0.1:9/unused", { ws: false });
    // the relay hands over the epoch-1 message first: it cannot be opened yet, and is kept
    expect(
      relay.ingest(
        circleId,
        fresh.map((e) => e.env),
      ),
    ).toEqual([]);
    expect(texts(d, circleId)).not.toContain("after kick");
    // then the epoch-0 traffic, which carries the REKEY sealed to dora: both are stored
    const stored = relay.ingest(
      circleId,
      all.filter((e) => e.epoch === 0).map((e) => e.env),
    );
    expect(d.store.getCircle(circleId)!.keyEpoch).toBe(1);
    expect(stored.map((m) => m.text)).toContain("after kick");
    expect(texts(d, circleId)).toContain("after kick");
  });

  test("envelopes of an epoch that never comes are held within a bound, and nothing is stored from them", async () => {
    const [a, b] = [await v2("alice"), await v2("bob")];
    const { circleId, code } = a.createCircle("club");
    await b.join({ code });
    b.stop();
    // bob is kicked: he never gets epoch 1, whatever the relay serves him
    const c = await v2("carol");
    await c.join({ code: a.inviteCode(circleId) });
    await waitFor(() => a.store.listMemberCards(circleId).length === 3, 3000, "cards");
    a.kick(circleId, [b.nodeId]);
    for (let i = 0; i < 3; i++) a.send(circleId, "general", `secret ${i}`);
    const fresh = envelopesOf(a, circleId)
      .filter((e) => e.epoch === 1)
      .map((e) => e.env);
    const relay = new RelayClient(b, "http://127.0.0.1:9/unused", { ws: false });
    const many = Array.from({ length: 700 }, (_, i) => fresh[i % fresh.length]);
    expect(relay.ingest(circleId, many)).toEqual([]);
    expect(
      relay
        .ingest(
          circleId,
          envelopesOf(a, circleId)
            .filter((e) => e.epoch === 0)
            .map((e) => e.env),
        )
        .some((m) => m.text?.startsWith("secret")),
    ).toBe(false);
    const held = (relay as unknown as { envs: Map<string, { ahead: { size: number } }> }).envs.get(circleId)!;
    expect(held.ahead.size).toBe(500);
    expect(texts(b, circleId).some((t) => t.startsWith("secret"))).toBe(false);
  });
});
