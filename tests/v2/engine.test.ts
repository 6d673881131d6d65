// The v2 engine between honest nodes: handshake both ways, first reconciliation, push on a
// long-lived connection, peer bookkeeping.
import { describe, expect, test } from "bun:test";
import { connect, joinCircle, makeNode, post, texts } from "./helpers.ts";

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
