// Junk posted into felund2 joins through a real relay app (issue 12, item 5): while real
// nodes join an owner's circle through the relay's /v1/signal, an attacker polls the owner's
// signals and, for every join line it sees, posts junk into the session as the joiner (to the
// owner) and as the owner (to the joiner's reply address). Every join still succeeds (the
// issue saw 3 of 3 fail).
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import { startRelay, type TestRelay } from "../web/relay-helpers.ts";
import { startV2Node } from "./helpers.ts";

setDefaultTimeout(90_000);

let relay: TestRelay;
const nodes: FelundNode[] = [];
beforeAll(() => {
  relay = startRelay();
});
afterAll(() => {
  for (const n of nodes) n.stop();
  relay.stop();
});

/** Polls /v1/signal for `victim` and answers every admission line with junk both ways; returns stop(). */
function attacker(victim: string): { stop: () => Promise<void>; injected: () => number } {
  let stopped = false;
  let injected = 0;
  const post = (body: Record<string, unknown>) =>
    fetch(`${relay.base}/v1/signal`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then((r) => r.ok && injected++);
  const loop = (async () => {
    let since = 0;
    for (let i = 0; i < 2000 && !stopped; i++) {
      const r = (await (await fetch(`${relay.base}/v1/signal?to_node_id=${victim}&since_id=${since}`)).json()) as {
        signals: any[];
      };
      for (const s of r.signals) {
        since = Math.max(since, s.id);
        if (s.type !== "felund-v2") continue;
        const base = { session_id: s.session_id, circle_hint: "felund-admission", type: "felund-v2" };
        for (const payload of [
          "junk",
          JSON.stringify({ t: "ERROR", err: "Auth failed" }),
          JSON.stringify({ t: "V2_AUTH", sig: "00" }),
        ]) {
          await post({ ...base, from_node_id: s.from_node, to_node_id: victim, payload }); // as the joiner, to the owner
          await post({ ...base, from_node_id: victim, to_node_id: s.from_node, payload }); // as the owner, to the joiner
        }
      }
      await Bun.sleep(20);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
    injected: () => injected,
  };
}

test("three nodes join through the relay while an attacker injects junk into every join", async () => {
  const owner = await startV2Node("owner", { relay: relay.base, relayWs: false });
  nodes.push(owner);
  const { circleId } = owner.createCircle("club");
  const evil = attacker(owner.nodeId);
  try {
    for (let i = 0; i < 3; i++) {
      const code = owner.inviteCode(circleId, { viaRelay: true });
      const joiner = await startV2Node(`joiner${i}`, { relay: relay.base, relayWs: false });
      nodes.push(joiner);
      const t0 = Date.now();
      const r = await joiner.join({ code });
      console.error(`join ${i}: ${Date.now() - t0} ms`);
      expect(r).toMatchObject({ circleId, created: true });
      expect(joiner.store.getCircle(circleId)?.name).toBe("club");
    }
  } finally {
    await evil.stop();
  }
  expect(evil.injected()).toBeGreaterThanOrEqual(3 * 6); // junk went into every join
});
