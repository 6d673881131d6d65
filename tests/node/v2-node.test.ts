// felund v2 between real nodes over TCP on 127.0.0.1: felund2 invites, long-lived sessions
// that push at once, signed authors, kick with re-key, legacy circles shared with v1 nodes,
// and v2-only circles that never speak v1.
import { afterEach, describe, expect, test } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import { startNode, startV2Node, waitFor } from "./helpers.ts";
import { decodeInvite } from "../../src/protocol/invite.ts";
import { listCircles } from "../../src/node/service.ts";

const nodes: FelundNode[] = [];
afterEach(() => {
  while (nodes.length) nodes.pop()!.stop();
});
const v2 = async (n: string) => {
  const x = await startV2Node(n);
  nodes.push(x);
  return x;
};
const v1 = async (n: string) => {
  const x = await startNode(n);
  nodes.push(x);
  return x;
};
const texts = (n: FelundNode, cid: string, ch = "general") =>
  n.store.channelMessages(cid, ch, { limit: 200 }).map((m) => m.text);
const has = (n: FelundNode, cid: string, t: string, ch = "general") => texts(n, cid, ch).includes(t);

describe("v2-only circle", () => {
  test("felund2 invite, join, signed chat pushed at once both ways over one long-lived session", async () => {
    const a = await v2("alice");
    const b = await v2("bob");
    const { circleId, code, legacy } = a.createCircle("friends");
    expect(legacy).toBe(false);
    expect(code.startsWith("felund2.")).toBe(true);
    const j = await b.join({ code });
    expect(j).toMatchObject({ circleId, created: true, synced: true });
    expect(b.store.getCircle(circleId)?.mode).toBe("v2");
    expect(b.store.getCircle(circleId)?.name).toBe("friends");
    await waitFor(() => a.sessionPeers(circleId).includes(b.nodeId), 3000, "A sees the session");
    // no gossip rounds run (interval 3600 s): delivery is by push on the open session
    const m = a.send(circleId, "general", "hello bob");
    await waitFor(() => has(b, circleId, "hello bob"), 2000, "bob receives by push");
    b.send(circleId, "general", "hi alice");
    await waitFor(() => has(a, circleId, "hi alice"), 2000, "alice receives by push");
    expect(b.store.messageAuth(m.msgId)?.signature).toMatch(/^[0-9a-f]{128}$/);
    expect(b.store.getMessage(m.msgId)?.signed).toBeTruthy();
    expect(b.store.getPeer(circleId, a.nodeId)?.proto).toBe("v2");
  });

  test("leaving a circle closes its sessions and deletes its history here", async () => {
    const a = await v2("alice");
    const b = await v2("bob");
    const { circleId, code } = a.createCircle("temp");
    await b.join({ code });
    await waitFor(
      () => a.sessionPeers(circleId).length === 1 && b.sessionPeers(circleId).length === 1,
      3000,
      "session",
    );
    b.leave(circleId);
    expect(b.store.getCircle(circleId)).toBeUndefined();
    expect(b.store.countMessages(circleId)).toBe(0);
    await waitFor(() => a.sessionPeers(circleId).length === 0, 3000, "alice sees the session end");
    a.send(circleId, "general", "anyone?");
    await Bun.sleep(200);
    expect(b.store.countMessages(circleId)).toBe(0);
  });

  test("three members: late joiner gets the history and everyone converges", async () => {
    const [a, b, c] = [await v2("alice"), await v2("bob"), await v2("carol")];
    const { circleId, code } = a.createCircle("three");
    await b.join({ code });
    for (let i = 0; i < 120; i++) (i % 2 ? a : b).send(circleId, "general", `m${i}`);
    await waitFor(
      () => texts(a, circleId).length === 120 && texts(b, circleId).length === 120,
      5000,
      "a and b converge",
    );
    const code2 = a.inviteCode(circleId);
    await c.join({ code: code2 });
    await waitFor(() => texts(c, circleId).length === 120, 5000, "carol gets the history");
    c.send(circleId, "general", "carol here");
    await waitFor(() => has(a, circleId, "carol here") && has(b, circleId, "carol here"), 5000, "all see carol");
  });

  test("an invite with a use limit admits one joiner and refuses the next with a clear reason", async () => {
    const [a, b, c] = [await v2("alice"), await v2("bob"), await v2("carol")];
    const { circleId } = a.createCircle("small");
    const code = a.inviteCode(circleId, { maxUses: 1 });
    expect((await b.join({ code })).created).toBe(true);
    await expect(c.join({ code })).rejects.toThrow(/did not admit us/);
    expect(c.store.getCircle(circleId)).toBeUndefined();
  });

  test("only the owner invites; the owner kicks a member, who then reads nothing new", async () => {
    const [a, b, c] = [await v2("alice"), await v2("bob"), await v2("carol")];
    const { circleId, code } = a.createCircle("club");
    await b.join({ code });
    await c.join({ code: a.inviteCode(circleId) });
    expect(() => b.inviteCode(circleId)).toThrow(/owner/);
    a.send(circleId, "general", "before kick");
    await waitFor(
      () => has(c, circleId, "before kick") && has(b, circleId, "before kick"),
      3000,
      "all get the first message",
    );
    // member cards travel with the history: the owner knows both members' keys
    await waitFor(() => a.store.listMemberCards(circleId).length === 3, 3000, "cards");
    expect(() => b.kick(circleId, [c.nodeId])).toThrow(/owner/);
    expect(listCircles(a.ctx)[0]).toMatchObject({ circleId, members: 3, messages: 1 });
    a.kick(circleId, [c.nodeId]);
    await waitFor(() => b.store.getCircle(circleId)!.keyEpoch === 1, 3000, "bob moves to the new epoch");
    expect(listCircles(a.ctx)[0]).toMatchObject({ members: 2 });
    expect(listCircles(b.ctx)[0]).toMatchObject({ members: 2 });
    a.send(circleId, "general", "after kick");
    await waitFor(() => has(b, circleId, "after kick"), 5000, "bob reads the new message");
    b.send(circleId, "general", "bob after kick");
    await waitFor(() => has(a, circleId, "bob after kick"), 5000, "alice reads bob");
    await Bun.sleep(300);
    expect(has(c, circleId, "after kick")).toBe(false);
    expect(has(c, circleId, "bob after kick")).toBe(false);
    expect(c.store.getEpochKey(circleId, 1)).toBeFalsy();
  });

  test("a v1-only node holding the circle secret gets nothing: no v1 exchange in a v2-only circle", async () => {
    const a = await v2("alice");
    const old = await v1("mallory");
    const { circleId, secretHex } = a.createCircle("private");
    a.send(circleId, "general", "secret talk");
    const j = await old.join({ secret: secretHex, peer: a.listenAddr! });
    expect(j.synced).toBe(false);
    expect(texts(old, circleId)).toEqual([]);
  });
});

describe("legacy-compatible circle (invite --legacy)", () => {
  test("two v2 nodes and a v1-only node all see every message; the v2 pair speaks v2", async () => {
    const [a, b, c] = [await v2("alice"), await v2("bob"), await v1("carl")];
    const { circleId, code, legacy } = a.createCircle("mixed", { legacy: true });
    expect(legacy).toBe(true);
    expect(code.startsWith("felund1.")).toBe(true);
    expect((await b.join({ code })).synced).toBe(true);
    expect((await c.join({ code })).synced).toBe(true);
    a.send(circleId, "general", "from a");
    b.send(circleId, "general", "from b");
    c.send(circleId, "general", "from c");
    for (const n of [a, b, c]) {
      await n.syncCircle(circleId);
    }
    await waitFor(
      () => [a, b, c].every((n) => ["from a", "from b", "from c"].every((t) => has(n, circleId, t))),
      5000,
      "all three converge",
    );
    expect(a.store.getPeer(circleId, b.nodeId)?.proto).toBe("v2");
    expect(a.store.getPeer(circleId, c.nodeId)?.proto).not.toBe("v2");
    // the v1 node's message is MAC-only: "unverified author"; v2 authors are signed
    const fromC = a.store.channelMessages(circleId, "general", { limit: 10 }).find((m) => m.text === "from c")!;
    const fromB = a.store.channelMessages(circleId, "general", { limit: 10 }).find((m) => m.text === "from b")!;
    expect(fromC.signed).toBeFalsy();
    expect(fromB.signed).toBeTruthy();
    // what c got from b carries a valid v1 MAC (c verified it before storing)
    expect(c.store.channelMessages(circleId, "general", { limit: 10 }).find((m) => m.text === "from b")?.mac).toMatch(
      /^[0-9a-f]{64}$/,
    );
  });

  test("the felund1. code names the owner's key, so a kick re-keys members who joined with it; the circle becomes v2-only", async () => {
    const [a, b, c] = [await v2("alice"), await v2("bob"), await v2("carol")];
    const { circleId, code } = a.createCircle("oldstyle", { legacy: true });
    const dec = decodeInvite(code);
    expect(dec.ok && dec.value.owner).toBe(a.store.getCircleOwner(circleId));
    await b.join({ code });
    await c.join({ code });
    expect(b.store.getCircleOwner(circleId)).toBe(a.store.getCircleOwner(circleId));
    a.send(circleId, "general", "hello all");
    for (const n of [b, c]) await n.syncCircle(circleId);
    await waitFor(
      () =>
        has(b, circleId, "hello all") &&
        has(c, circleId, "hello all") &&
        a.store.listMemberCards(circleId).length === 3,
      5000,
      "everyone is in",
    );
    a.kick(circleId, [c.nodeId]);
    await b.syncCircle(circleId);
    await waitFor(
      () => b.store.getCircle(circleId)!.keyEpoch === 1 && b.store.getCircle(circleId)!.mode === "v2",
      5000,
      "bob follows the re-key",
    );
    a.send(circleId, "general", "without carol");
    await waitFor(() => has(b, circleId, "without carol"), 5000, "bob reads on");
    await c.syncCircle(circleId);
    await Bun.sleep(300);
    expect(has(c, circleId, "without carol")).toBe(false);
  });
});
