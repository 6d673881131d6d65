// The relay-only browser's memory past a long history (issue 17): once a message is in its
// persistence in full, memory keeps a compact row (no signed wire, signature or author key;
// ui/web/src/relay/mem-cold.ts). The bound: after a fill of N messages (and after a reload) memory
// holds the wire of none of them, while the persistence holds every wire; and everything that
// reads the store still works on compact rows: older pages, search, a reply quoting one, a
// reaction, an edit and a delete of one, a copy arriving again (ignored, not stored twice), and
// our own messages (kept whole until the relay holds them: they are pushed from their wire).
import { expect, setDefaultTimeout, test } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import { v2Ctx } from "../../src/peer/ctx.ts";
import { deleteMessage, editMessage, react, replyTo } from "../../src/peer/refs-actions.ts";
import { fromBase64 } from "../../src/protocol/bytes.ts";
import { acceptSigned } from "../../src/sync/v2-apply.ts";
import type { BackendEvent } from "../../ui/shared/types.ts";
import type { MemStore } from "../../ui/web/src/relay/mem-store.ts";
import { MemoryPersistence } from "../../ui/web/src/relay/persist.ts";
import type { RelayBackend } from "../../ui/web/src/relay/relay-backend.ts";
import { waitFor } from "./relay-helpers.ts";
import { allOf, relayHistorySuite } from "./relay-history.ts";

setDefaultTimeout(60_000);
const N = 1500; // older pages of 500 behind the newest one
let node: FelundNode;
let circleId = "";
/** the node's history of #general, oldest first */
let history: string[] = [];
const suite = relayHistorySuite(N, (h) => ({ node, circleId, history } = h));

async function open(persist: MemoryPersistence) {
  const { b, events } = await suite.open(persist);
  return { b, events, mem: (b as unknown as { mem: MemStore }).mem };
}
const filled = (events: BackendEvent[]) => events.some((e) => e.t === "fill" && e.done);
/** how many of these messages memory holds with their wire */
const wiresHeld = (mem: MemStore, ids: string[]) => ids.filter((id) => mem.getV2Wire(id)).length;
/** every message of #general as the log pages back from the newest */
const pageAll = (b: RelayBackend) => allOf(b, circleId);
const at = async (b: RelayBackend, msgId: string) => (await pageAll(b)).find((m) => m.msgId === msgId);

/** what the first browser saved: each later test reloads from a copy of it (a closed backend's last pull may still write) */
const first = new MemoryPersistence();
const reload = () => Object.assign(new MemoryPersistence(), { snap: structuredClone(first.snap) });

test("after a fill, memory holds no message's wire; the persistence holds every one; pages and search read on", async () => {
  const persist = first;
  const j = await open(persist);
  await j.b.joinCircle(node.inviteCode(circleId));
  await waitFor("the fill is done", () => filled(j.events), 30_000);
  await waitFor("every row compact", () => wiresHeld(j.mem, history) === 0, 5_000);
  const saved = new Map(persist.snap.messages.map((m) => [m.msgId, m]));
  expect(history.every((id) => (saved.get(id)?.v2?.wire.length ?? 0) > 100)).toBe(true);
  // what needs a wire keeps it: the circle's control events (timeline lines, the owner's card)
  const control = j.mem.channelMessages(circleId, "__control", { limit: 100 });
  expect(control.length).toBeGreaterThan(0);
  expect(control.every((m) => j.mem.getV2Wire(m.msgId))).toBe(true);
  // the log pages back through all of it, texts and all; search finds an old one
  const all = await pageAll(j.b);
  expect(all.map((m) => m.msgId)).toEqual(history);
  expect(all[7]!.text).toBe("h7");
  const found = await j.b.search!(circleId, "h123");
  // (the last word is a prefix: h123 and h1230-h1239)
  expect(found.hits.map((r) => r.text).sort()).toEqual(["h123", ...Array.from({ length: 10 }, (_, i) => `h123${i}`)]);
  // a copy of an old message arriving again is known without its wire: ignored, not stored twice, no signature check
  const old = node.store.getV2Wire(history[5]!)!;
  const circle = j.mem.getCircle(circleId)!;
  const again = acceptSigned(
    v2Ctx((j.b as unknown as { peer: Parameters<typeof v2Ctx>[0] }).peer),
    circle,
    fromBase64(old),
    "relay",
  );
  expect(again).toMatchObject({ ok: false, kind: "ignore", reason: "already stored" });
  expect(j.mem.countChatMessages(circleId)).toBe(N);
  j.b.close();
});

test("a reply, a reaction, an edit and a delete of compact messages apply; the persistence keeps the wires", async () => {
  const persist = reload();
  const j = await open(persist);
  await waitFor("restored compact", () => wiresHeld(j.mem, history) === 0, 5_000);
  const [h10, h20, h30, h40] = [history[10]!, history[20]!, history[30]!, history[40]!];
  node.published(editMessage(node.ctx, circleId, h10, "h10 edited"));
  node.published(react(node.ctx, circleId, h20, "👍"));
  node.published(deleteMessage(node.ctx, circleId, h30));
  const reply = replyTo(node.ctx, circleId, h40, "answering h40");
  node.published(reply);
  await waitFor("the reply arrived", () => j.mem.hasMessage(reply.msgId), 20_000);
  await waitFor("the others arrived", () => j.mem.refsTo(circleId, [h10, h20, h30]).length >= 2, 20_000);
  const edited = await at(j.b, h10);
  expect(edited).toMatchObject({ text: "h10 edited", edited: { count: 1 } });
  expect((await at(j.b, h20))?.reactions).toMatchObject([{ emoji: "👍", count: 1 }]);
  expect(await at(j.b, h30)).toMatchObject({ deleted: true, text: "" });
  expect((await at(j.b, reply.msgId))?.reply).toMatchObject({ msgId: h40, line: "h40" });
  const h3x = (await j.b.search!(circleId, "h30")).hits.map((h) => h.msgId);
  expect(h3x).toContain(history[300]!);
  expect(h3x).not.toContain(h30);
  // written back: the tombstone without its wire (as the node's), every other message with its own
  const saved = new Map(persist.snap.messages.map((m) => [m.msgId, m]));
  expect(saved.get(h30)).toMatchObject({ deleted: 1, text: "" });
  expect(saved.get(h30)?.v2).toBeUndefined();
  expect(history.filter((id) => id !== h30).every((id) => (saved.get(id)?.v2?.wire.length ?? 0) > 100)).toBe(true);
  j.b.close();
});

test("our own messages keep their wire until the relay holds them, then compact; edited later, the wire stays saved", async () => {
  const persist = reload();
  const j = await open(persist);
  await waitFor("restored compact", () => wiresHeld(j.mem, history) === 0, 5_000);
  const sent = await j.b.send(circleId, "general", "mine, soon compact");
  await waitFor("the node has it", () => node.store.hasMessage(sent.msgId), 20_000);
  await waitFor("compact once the relay holds it", () => wiresHeld(j.mem, [sent.msgId]) === 0, 10_000);
  const rec = () => persist.snap.messages.find((m) => m.msgId === sent.msgId);
  expect(rec()).toMatchObject({ pushed: true, origin: "local" });
  expect(rec()!.v2!.wire.length).toBeGreaterThan(100);
  const shown = await j.b.refAction!(circleId, sent.msgId, { op: "edit", text: "mine, edited" });
  expect(shown.text).toBe("mine, edited");
  await waitFor("the node has the edit", () => node.store.refsTo(circleId, [sent.msgId]).length === 1, 20_000);
  expect(rec()!.v2!.wire.length).toBeGreaterThan(100);
  j.b.close();
});

test("a rewrite of a compact row (its pushed flag, a MAC) keeps the wire the persistence holds", async () => {
  const persist = reload();
  const j = await open(persist);
  const id = history[3]!;
  expect(j.mem.getV2Wire(id)).toBeFalsy();
  const before = persist.snap.messages.find((m) => m.msgId === id)!.v2!.wire;
  await (j.b as unknown as { relay: { p: { rewrite(ids: string[]): Promise<void> } } }).relay.p.rewrite([id]);
  expect(persist.snap.messages.find((m) => m.msgId === id)!.v2!.wire).toBe(before);
  j.b.close();
});
