// The v2 engine between honest nodes: handshake both ways, first reconciliation, push on a
// long-lived connection, peer bookkeeping.
import { describe, expect, test } from "bun:test";
import { computeMac } from "../../src/protocol/message.ts";
import { fromHex } from "../../src/protocol/bytes.ts";
import { connect, joinCircle, makeNode, NOW, post, SECRET, texts } from "./helpers.ts";

describe("v2 session between two nodes", () => {
  test("handshake, reconciliation and push", () => {
    const a = makeNode("alice");
    const b = makeNode("bob");
    const cid = joinCircle(a, a);
    joinCircle(b, a);
    post(a, cid, "hello from a");
    post(b, cid, "hello from b");
    const conn = connect(a, b, cid);
    expect(conn.closed).toEqual({});
    expect(conn.client.result.established).toBe(true);
    expect(conn.server.result.established).toBe(true);
    expect(conn.client.result.peerNodeId).toBe(b.keys.nodeId);
    expect(conn.server.result.peerNodeId).toBe(a.keys.nodeId);
    expect(conn.client.result.reconciled || conn.server.result.reconciled).toBe(true);
    expect(texts(a, cid)).toEqual(["hello from a", "hello from b"]);
    expect(texts(b, cid)).toEqual(["hello from a", "hello from b"]);
    // both member cards crossed too
    expect(a.store.getMemberCard(cid, b.keys.nodeId)?.displayName).toBe("bob");
    expect(b.store.getPeer(cid, a.keys.nodeId)?.proto).toBe("v2");
    expect(b.store.getPeer(cid, a.keys.nodeId)?.addr).toBe(a.listenAddr);
    // the connection stays open: a new message is pushed at once
    const m = post(b, cid, "pushed");
    conn.feed("server", conn.server.push([m]));
    conn.pump();
    expect(texts(a, cid)).toContain("pushed");
    expect(conn.stored.client.map((x) => x.text)).toContain("pushed");
    expect(a.store.messageAuth(m.msgId)?.signature).toBeTruthy();
  });
});

describe("a long-lived session covers what other paths stored (issue 11)", () => {
  test("a MAC-only message stored by another path (a v1 exchange) is pushed, and periodic healing carries one that was never pushed", () => {
    const a = makeNode("alice");
    const b = makeNode("bob");
    const cid = joinCircle(a, a, { mode: "v1" });
    joinCircle(b, a, { mode: "v1" });
    const conn = connect(a, b, cid);
    expect(conn.client.result.reconciled || conn.server.result.reconciled).toBe(true);
    const v1Origin = (text: string) => {
      const m = {
        msgId: crypto.randomUUID().replaceAll("-", ""),
        circleId: cid,
        channelId: "general",
        authorNodeId: "0ff0ff0ff0ff0ff0ff0ff0ff",
        displayName: "py",
        createdTs: NOW,
        text,
        mac: null as string | null,
      };
      m.mac = computeMac(fromHex(SECRET), m);
      return a.store.insertMessage(m, { origin: "tcp", receivedAt: NOW, sortTs: NOW, sortMs: NOW * 1000 })!;
    };
    // what the fan-out does with a message a v1 exchange stored: push it on the session
    conn.feed("client", conn.client.push([v1Origin("pushed from v1")]));
    conn.pump();
    expect(texts(b, cid)).toContain("pushed from v1");
    // a message whose push never happened (lost, or stored before the session was live) is healed
    conn.feed("client", conn.client.resync()); // a heal with nothing new: both sides hold their items now
    conn.pump();
    v1Origin("healed from v1");
    conn.feed("client", conn.client.resync());
    conn.pump();
    expect(texts(b, cid)).toContain("healed from v1");
  });
});
