// Calls between real nodes on 127.0.0.1 (src/node/calls.ts, docs/PROTOCOL.md §15): signed
// call events, the host-only end, the six-participant limit, and sealed signals carried over
// the v2 session, through a node that passes them on, and through a relay's /v1/signal.
import { afterEach, describe, expect, test } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import type { NodeEvent } from "../../src/node/shell-ports.ts";
import { FelundError } from "../../src/protocol/errors.ts";
import { postV1 } from "../../src/peer/post-v1.ts";
import { circleHint } from "../../src/protocol/ids.ts";
import { relaySessionLabel } from "../../src/protocol/v2/call-signal.ts";
import { startRelay } from "../web/relay-helpers.ts";
import { startNode, startV2Node, waitFor } from "./helpers.ts";

const nodes: FelundNode[] = [];
const stops: (() => void)[] = [];
afterEach(() => {
  while (nodes.length) nodes.pop()!.stop();
  while (stops.length) stops.pop()!();
});
const v2 = async (n: string, relay?: string) => {
  const x = await startV2Node(n, relay ? { relay } : {});
  nodes.push(x);
  return x;
};
const signalsOf = (n: FelundNode) => {
  const got: Extract<NodeEvent, { t: "call-signal" }>[] = [];
  n.subscribe((e) => {
    if (e.t === "call-signal") got.push(e);
  });
  return got;
};
const userError = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof FelundError) return `${e.status} ${e.message}`;
    throw e;
  }
  return "no error";
};

async function pair(relay?: string) {
  const a = await v2("alice", relay);
  const b = await v2("bob", relay);
  const { circleId, code } = a.createCircle("calls");
  await b.join({ code });
  await waitFor(
    () => a.sessionPeers(circleId).includes(b.nodeId) && b.sessionPeers(circleId).includes(a.nodeId),
    3000,
    "session",
  );
  return { a, b, circleId };
}

describe("calls between nodes", () => {
  test("start, join, signals over the v2 session, leave; only the host ends", async () => {
    const { a, b, circleId } = await pair();
    const call = a.callNet.action(circleId, "start", { channel: "general" })!;
    expect(call.hostNodeId).toBe(a.nodeId);
    expect(call.signed).toBe(true);
    await waitFor(() => b.callNet.list(circleId).length === 1, 2000, "bob sees the call");
    expect(userError(() => a.callNet.action(circleId, "start", { channel: "general" }))).toMatch(
      /^409 a call is already running in #general/,
    );
    b.callNet.action(circleId, "join", { sessionId: call.sessionId });
    await waitFor(() => a.callNet.list(circleId)[0]?.participants.length === 2, 2000, "alice sees bob join");
    expect(a.callNet.list(circleId)[0]!.state).toBe("active");

    const atB = signalsOf(b);
    const atA = signalsOf(a);
    expect(await a.callNet.send(circleId, call.sessionId, b.nodeId, "offer", '{"sdp":"x"}')).toBe("session");
    await waitFor(() => atB.length === 1, 2000, "bob gets the offer");
    expect(atB[0]).toMatchObject({
      circleId,
      sessionId: call.sessionId,
      from: a.nodeId,
      type: "offer",
      data: '{"sdp":"x"}',
    });
    expect(await b.callNet.send(circleId, call.sessionId, a.nodeId, "answer", '{"sdp":"y"}')).toBe("session");
    await waitFor(() => atA.length === 1, 2000, "alice gets the answer");

    // bob is no host: refused locally, and a signed END of his is refused by alice's node (v2-apply)
    expect(userError(() => b.callNet.action(circleId, "end", { sessionId: call.sessionId }))).toMatch(
      /^403 only the host/,
    );
    b.callNet.action(circleId, "leave", { sessionId: call.sessionId });
    await waitFor(() => a.callNet.list(circleId)[0]?.participants.length === 1, 2000, "alice sees bob leave");
    await expect(b.callNet.send(circleId, call.sessionId, a.nodeId, "offer", "{}")).rejects.toThrow(
      /join the call first/,
    );
    a.callNet.action(circleId, "end", { sessionId: call.sessionId });
    await waitFor(() => b.callNet.list(circleId).length === 0, 2000, "the call ended for bob");
  });

  test("a seventh participant is refused", async () => {
    const { a, b, circleId } = await pair();
    const call = a.callNet.action(circleId, "start")!;
    // five more participants as far as alice's registry knows (their signed joins are what counts)
    for (let i = 0; i < 5; i++)
      a.calls.apply(
        circleId,
        {
          t: "CALL_EVT",
          op: "join",
          sessionId: call.sessionId,
          hostNodeId: "",
          circleId,
          channelId: "",
          nodeId: `p${i}xxxxxxxx`,
          actorNodeId: `p${i}xxxxxxxx`,
          createdTs: null,
        },
        a.ctx.now(),
        undefined,
        { signed: true },
      );
    expect(a.callNet.list(circleId)[0]!.participants.length).toBe(6);
    await waitFor(() => b.callNet.list(circleId).length === 1, 2000, "bob sees the call");
    for (let i = 0; i < 5; i++)
      b.calls.apply(
        circleId,
        {
          t: "CALL_EVT",
          op: "join",
          sessionId: call.sessionId,
          hostNodeId: "",
          circleId,
          channelId: "",
          nodeId: `p${i}xxxxxxxx`,
          actorNodeId: `p${i}xxxxxxxx`,
          createdTs: null,
        },
        b.ctx.now(),
        undefined,
        { signed: true },
      );
    expect(userError(() => b.callNet.action(circleId, "join", { sessionId: call.sessionId }))).toMatch(
      /^409 this call is full: a felund call is a mesh of at most 6/,
    );
  });

  test("signals pass through a node in between when two nodes have no session", async () => {
    const a = await v2("alice");
    const b = await v2("bob");
    const c = await v2("carol");
    const { circleId, code } = a.createCircle("line");
    await b.join({ code });
    await c.join({ code: a.inviteCode(circleId) });
    await waitFor(() => a.sessionPeers(circleId).length === 2, 3000, "alice has both sessions");
    const call = b.callNet.action(circleId, "start")!;
    await waitFor(() => c.callNet.list(circleId).length === 1, 3000, "carol sees the call");
    c.callNet.action(circleId, "join", { sessionId: call.sessionId });
    await waitFor(() => b.callNet.list(circleId)[0]?.participants.length === 2, 3000, "bob sees carol");
    // as if bob had no session with carol (and no relay): the signal goes to alice, who passes it on once
    const orig = b.signalToPeer.bind(b);
    b.signalToPeer = (cid, to, f) => (to === c.nodeId ? false : orig(cid, to === null ? a.nodeId : to, f));
    const atC = signalsOf(c);
    expect(await b.callNet.send(circleId, call.sessionId, c.nodeId, "hello", "{}")).toBe("forwarded");
    await waitFor(() => atC.length === 1, 2000, "carol gets bob's signal");
    expect(atC[0]!.from).toBe(b.nodeId);
  });

  test("signals through a relay: sealed (the relay stores no SDP), then refused when replayed or tampered", async () => {
    const relay = startRelay();
    stops.push(relay.stop);
    const a = await v2("alice", relay.base);
    const b = await v2("bob", relay.base);
    const { circleId, code } = a.createCircle("relayed");
    await b.join({ code });
    await waitFor(() => b.callNet.list(circleId).length === 0 && !!b.store.getCircle(circleId), 2000, "joined");
    const call = a.callNet.action(circleId, "start")!;
    await waitFor(() => b.callNet.list(circleId).length === 1, 3000, "bob sees the call");
    b.callNet.action(circleId, "join", { sessionId: call.sessionId });
    await waitFor(() => a.callNet.list(circleId)[0]?.participants.length === 2, 3000, "alice sees bob");
    // close the direct sessions so the relay is the only path
    for (const n of [a, b]) (n as any).sessions.get(circleId)?.forEach((x: any) => x.conn.shutdown(x.ex.close("test")));
    await waitFor(
      () => a.sessionPeers(circleId).length === 0 && b.sessionPeers(circleId).length === 0,
      2000,
      "no sessions",
    );
    const atB = signalsOf(b);
    expect(await a.callNet.send(circleId, call.sessionId, b.nodeId, "offer", '{"sdp":"v=0 secret-fingerprint"}')).toBe(
      "relay",
    );
    await waitFor(() => atB.length === 1, 4000, "bob gets the offer through the relay");
    expect(atB[0]).toMatchObject({ from: a.nodeId, type: "offer" });

    const rows = (await (await fetch(`${relay.base}/v1/signal?to_node_id=${b.nodeId}`)).json()).signals;
    expect(rows.length).toBe(1);
    expect(rows[0].session_id).toBe(relaySessionLabel(call.sessionId, a.nodeId, b.nodeId));
    expect(rows[0].payload).not.toContain("secret-fingerprint");
    // the relay (or anyone) re-posts it, and posts a tampered copy: bob's node delivers neither
    const post = (payload: string) =>
      fetch(`${relay.base}/v1/signal`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          session_id: rows[0].session_id,
          from_node_id: a.nodeId,
          to_node_id: b.nodeId,
          circle_hint: circleHint(circleId),
          type: "media-offer",
          payload,
        }),
      });
    await post(rows[0].payload);
    const t = rows[0].payload;
    await post(t.slice(0, 40) + (t[40] === "A" ? "B" : "A") + t.slice(41));
    await Bun.sleep(1500);
    expect(atB.length).toBe(1);
  }, 15_000);

  test("in a legacy circle the node also posts the original client's CALL_EVT; a forged v1 END does not end a signed call", async () => {
    const a = await v2("alice");
    const b = await v2("bob");
    const o = await startNode("original"); // a v1-only node, as the original
    nodes.push(o);
    const { circleId, code } = a.createCircle("legacy", { legacy: true });
    await b.join({ code });
    await o.join({ code });
    await waitFor(() => a.sessionPeers(circleId).includes(b.nodeId), 3000, "v2 session");
    const call = a.callNet.action(circleId, "start")!;
    // the v1-only node sees the call through the CALL_EVT (as an original would)
    await waitFor(
      () => {
        void o.syncCircle(circleId);
        return o.calls.sessions.has(call.sessionId);
      },
      5000,
      "original sees the call",
    );
    expect(o.calls.sessions.get(call.sessionId)?.hostNodeId).toBe(a.nodeId);
    await waitFor(() => b.callNet.list(circleId).length === 1, 2000, "bob sees the call");
    // the original's node writes the host's id into a v1 END (W5): felund nodes ignore it
    const forged = postV1(
      o.ctx,
      circleId,
      "__control",
      JSON.stringify({
        t: "CALL_EVT",
        op: "end",
        session_id: call.sessionId,
        host_node_id: a.nodeId,
        actor_node_id: a.nodeId,
      }),
    );
    o.published(forged);
    await o.syncCircle(circleId);
    await waitFor(() => !!b.store.getMessage(forged.msgId), 5000, "bob stores the forged END");
    expect(b.callNet.list(circleId).length).toBe(1);
    expect(a.callNet.list(circleId).length).toBe(1);
  }, 20_000);
});
