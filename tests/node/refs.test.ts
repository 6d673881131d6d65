// Reply, reaction, edit and delete between real nodes on 127.0.0.1 (docs/PROTOCOL.md §18): in a
// v2-only circle each arrives on the other node over the live session and shows there the same;
// in a legacy circle an original-style v1 peer (fake-peer.ts, which checks every MAC) receives
// exactly the documented fallback: the reply as a quoted text, the edit as "(edit) text", no
// reaction, nothing for a delete.
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import { deleteMessage, editMessage, messageHistory, react, replyTo } from "../../src/peer/refs-actions.ts";
import { messageView } from "../../src/peer/views.ts";
import { FakePeer } from "./fake-peer.ts";
import { startNode, startV2Node, waitFor } from "./helpers.ts";

setDefaultTimeout(20_000);
const nodes: FelundNode[] = [];
const fakes: FakePeer[] = [];
afterEach(() => {
  while (nodes.length) nodes.pop()!.stop();
  while (fakes.length) fakes.pop()!.stop();
});
const v2 = async (n: string) => {
  const x = await startV2Node(n);
  nodes.push(x);
  return x;
};
const view = (n: FelundNode, id: string) => messageView(n.store, n.store.getMessage(id)!, (x) => x === n.nodeId);
const act = <T extends { circleId: string }>(n: FelundNode, row: T) => (n.published(row as never), row);

describe("v2-only circle", () => {
  test("reply, reaction, edit and delete reach the other node and show the same there", async () => {
    const a = await v2("alice");
    const b = await v2("bob");
    const { circleId, code } = a.createCircle("friends");
    await b.join({ code });
    await waitFor(() => a.sessionPeers(circleId).includes(b.nodeId), 3000, "session");
    const t = a.send(circleId, "general", "lunch at noon?\nor later");
    await waitFor(() => b.store.hasMessage(t.msgId), 3000, "bob has it");

    const r = act(b, replyTo(b.ctx, circleId, t.msgId, "noon works"));
    act(b, react(b.ctx, circleId, t.msgId, "👍"));
    // (reactions are listed in the order made, by their millisecond; one made in the same millisecond
    // is placed by node id, which is random here: alice's comes a few ms later, so bob's is first)
    await Bun.sleep(5);
    act(a, react(a.ctx, circleId, t.msgId, "👍"));
    act(a, editMessage(a.ctx, circleId, t.msgId, "lunch at 12:30?"));
    await waitFor(() => view(b, t.msgId).edited !== undefined && view(a, t.msgId).reactions?.[0]?.count === 2, 3000);
    for (const n of [a, b]) {
      const v = view(n, t.msgId);
      expect(v.text).toBe("lunch at 12:30?");
      expect(v.edited?.count).toBe(1);
      expect(v.reactions).toEqual([{ emoji: "👍", count: 2, mine: true, who: ["bob", "alice"] }]);
    }
    await waitFor(() => a.store.hasMessage(r.msgId), 3000, "alice has the reply");
    expect(view(a, r.msgId)).toMatchObject({
      kind: 3,
      text: "noon works",
      reply: { msgId: t.msgId, author: "alice", line: "lunch at noon?" },
    });
    expect(messageHistory(b.ctx, circleId, t.msgId).map((h) => h.text)).toEqual([
      "lunch at noon?\nor later",
      "lunch at 12:30?",
    ]);
    // bob takes his reaction back (toggle)
    act(b, react(b.ctx, circleId, t.msgId, "👍"));
    await waitFor(() => view(a, t.msgId).reactions?.[0]?.count === 1, 3000, "reaction removed");
    // bob may not edit or delete alice's message
    expect(() => editMessage(b.ctx, circleId, t.msgId, "mine now")).toThrow(/only its author/);
    expect(() => deleteMessage(b.ctx, circleId, t.msgId)).toThrow(/author or the circle owner/);
    // alice deletes: gone on both, the reply shows its quote as deleted
    act(a, deleteMessage(a.ctx, circleId, t.msgId));
    await waitFor(() => !!b.store.getMessage(t.msgId)?.deleted, 3000, "deleted on bob");
    for (const n of [a, b]) {
      expect(view(n, t.msgId)).toMatchObject({ deleted: true, text: "" });
      expect(view(n, t.msgId).reactions).toBeUndefined();
      expect(view(n, r.msgId).reply).toMatchObject({ deleted: true, line: "" });
      expect(n.store.refsTo(circleId, [t.msgId]).every((x) => x.kind === 6)).toBe(true);
    }
  });
});

describe("legacy circle with an original-style v1 peer", () => {
  test("it gets the reply as quoted text and the edit as (edit) text; no reaction, nothing for a delete", async () => {
    const a = await v2("alice");
    const { circleId } = a.createCircle("old friends", { legacy: true });
    const secretHex = a.store.getCircle(circleId)!.secretHex;
    const f = new FakePeer({ secretHex });
    fakes.push(f);
    f.listen();
    const t = a.send(circleId, "general", "first line\nsecond line");
    const r = act(a, replyTo(a.ctx, circleId, t.msgId, "an answer"));
    const e = act(a, editMessage(a.ctx, circleId, t.msgId, "first line, fixed"));
    const x = act(a, react(a.ctx, circleId, t.msgId, "🎉"));
    const gone = a.send(circleId, "general", "a mistake");
    await a.syncWith(circleId, f.addr);
    await waitFor(() => f.messages.has(gone.msgId), 5000, "the original has the messages");
    const d = act(a, deleteMessage(a.ctx, circleId, gone.msgId));
    await a.syncWith(circleId, f.addr);
    expect(f.sessions.flatMap((s) => s.rejected)).toEqual([]);
    const text = (id: string) => f.messages.get(id)?.text;
    expect(text(t.msgId)).toBe("first line\nsecond line");
    expect(text(r.msgId)).toBe("> alice: first line\n\nan answer");
    expect(text(e.msgId)).toBe("(edit) first line, fixed");
    expect(f.messages.has(x.msgId)).toBe(false);
    expect(f.messages.has(d.msgId)).toBe(false);
    // it keeps its copy of the deleted message (nothing can take it back from an original)
    expect(text(gone.msgId)).toBe("a mistake");
    // and our node erased its own
    expect(a.store.getMessage(gone.msgId)).toMatchObject({ deleted: 1, text: "" });
    // (besides the circle's name event) exactly these four
    expect([...f.messages.values()].filter((m) => m.channel_id !== "__control").length).toBe(4);
  });
});

describe("a v1-only felund peer (v2: false) with an original-style peer", () => {
  test("it posts the same fallback texts, refuses reactions, and a delete erases only its own copy", async () => {
    const a = await startNode("vera");
    nodes.push(a);
    const { circleId } = a.createCircle("plain");
    const f = new FakePeer({ secretHex: a.store.getCircle(circleId)!.secretHex });
    fakes.push(f);
    f.listen();
    const t = a.send(circleId, "general", "first line\nsecond line");
    const r = act(a, replyTo(a.ctx, circleId, t.msgId, "an answer"));
    const e = act(a, editMessage(a.ctx, circleId, t.msgId, "first line, fixed"));
    expect(() => react(a.ctx, circleId, t.msgId, "🎉")).toThrow(/reactions need felund v2/);
    const gone = a.send(circleId, "general", "a mistake");
    await a.syncWith(circleId, f.addr);
    await waitFor(() => f.messages.has(gone.msgId), 5000, "the original has the messages");
    const d = act(a, deleteMessage(a.ctx, circleId, gone.msgId));
    await a.syncWith(circleId, f.addr);
    expect(f.sessions.flatMap((s) => s.rejected)).toEqual([]);
    const text = (id: string) => f.messages.get(id)?.text;
    // plain v1 messages (no signatures, no ref kinds): what an original client shows as it is
    expect(text(r.msgId)).toBe("> vera: first line\n\nan answer");
    expect(text(e.msgId)).toBe("(edit) first line, fixed");
    expect(text(t.msgId)).toBe("first line\nsecond line");
    expect(text(gone.msgId)).toBe("a mistake");
    // the delete signed nothing: it is the erased row itself, gone here only
    expect(d).toMatchObject({ msgId: gone.msgId, deleted: 1, text: "" });
    expect(a.store.getMessage(gone.msgId)).toMatchObject({ deleted: 1, text: "" });
    expect([...f.messages.values()].filter((m) => m.channel_id !== "__control").length).toBe(4);
  });
});
